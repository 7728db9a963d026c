"""The temperature dial end to end: chapter page, fragment, state in the URL, errors."""

import re
from urllib.parse import parse_qsl, urlsplit

import pytest

from engine import data
from tests.app.widget_checks import assert_refused, shown, submit_without_js, twin


def names_in(html, ns="temperature"):
    out = html.split(f'id="{ns}-out"', 1)[1].split("</div>", 1)[0]
    return re.findall(r'<li class="name (invented|known)"><span class="name-text">([a-z]+)</span> <span class="tag">([^<]+)</span>', out)


def api_names(client, **params):
    r = client.get("/api/sample", params=params)
    assert r.status_code == 200, r.text
    return r.json()


def dial(client, lang="en", **query):
    """The dial's names for a state, from its twin: [(kind, name)]."""
    return [("invented" if n["invented"] else "known", n["text"])
            for n in twin(client, "temperature", lang, **query)["names"]]


def test_the_dial_starts_at_the_chapters_state_with_the_engines_names(client):
    for lang in ("zh", "en"):
        want = api_names(client, n=10, temperature=0.5, seed=1)
        assert dial(client, lang) == [("invented" if i else "known", n) for n, i in zip(want["names"], want["invented"])]
    assert [n for _, n in dial(client, t="1.2", n="5", seed="7")] == api_names(client, n=5, temperature=1.2, seed=7)["names"]


def test_the_chapter_shows_each_dial_at_its_starting_state(client):
    r = client.get("/en/chapter/7")
    assert 'id="w-temperature"' in r.text and 'id="w-temperature-2"' in r.text
    assert [(k, n) for k, n, _ in names_in(r.text)] == dial(client)
    # the second dial starts where the content says: t=1.2 n=5 seed=7
    assert [(k, n) for k, n, _ in names_in(r.text, "temperature-2")] == dial(client, t="1.2", n="5", seed="7")


def test_invented_names_are_the_ones_not_in_the_book(client):
    rows = dial(client, "zh", n="50", t="1")
    assert len(rows) == 50
    known = data.known_names()
    for kind, name in rows:
        assert (kind == "invented") == (name not in known)
    assert any(k == "invented" for k, _ in rows) and any(k == "known" for k, _ in rows)
    assert sum(k == "invented" for k, _ in rows) == twin(client, "temperature", "zh", n="50", t="1")["n_invented"]


def test_invented_names_are_marked_in_words(client):
    for lang, words in (("zh", {"invented": "新编", "known": "作品集里有"}),
                        ("en", {"invented": "invented", "known": "in the book"})):
        r = client.get(f"/{lang}/chapter/7?temperature.n=50&temperature.t=1")
        rows = names_in(r.text)
        assert [(k, n) for k, n, _ in rows] == dial(client, lang, n="50", t="1")
        assert all(tag == words[kind] for kind, _, tag in rows)


@pytest.mark.parametrize("query", ["", "t=0&n=3&seed=99", "t=1.3&n=50&seed=7", "t=4.5&n=1"])
def test_the_dial_shows_what_its_twin_computes(client, query):
    for lang in ("zh", "en"):
        d = twin(client, "temperature", lang, dict(parse_qsl(query)))
        r = client.get(f"/{lang}/widget/temperature?{query}")
        assert r.status_code == 200
        assert f'<p class="sample-summary">{shown(d["summary"])}</p>' in r.text
        assert [(k, n) for k, n, _ in names_in(r.text)] == [("invented" if x["invented"] else "known", x["text"]) for x in d["names"]]
        # the dial's range reaches as far as the data says
        assert f'max="{d["t_dial_max"]}"' in r.text


def test_htmx_asking_from_the_dials_form_is_sent_only_what_it_swaps(client):
    """The form swaps the output (and the embed snippet, out of band): htmx naming that
    target gets those two, the same as in the whole partial, and not the form again."""
    path = "/en/widget/temperature?temperature.t=1.1&temperature.seed=12"
    htmx = {"HX-Request": "true", "HX-Current-URL": "http://testserver/en/chapter/7"}
    whole = client.get(path, headers=htmx)
    for target in ("temperature-out", "div#temperature-out"):   # htmx 2 names the id, htmx 4 tag#id
        part = client.get(path, headers={**htmx, "HX-Target": target})
        assert part.status_code == 200 and "HX-Target" in part.headers["vary"]
        assert part.headers["hx-replace-url"] == whole.headers["hx-replace-url"]
        assert "<form" not in part.text and "<section" not in part.text
        out = part.text.split("<details", 1)[0].strip()
        assert out.startswith('<div class="widget-out" id="temperature-out"') and out in whole.text
        assert part.text[part.text.index("<details"):] == whole.text[whole.text.index("<details"):]
        assert names_in(part.text) == names_in(whole.text) and len(names_in(part.text)) == 10
    # another target, or no htmx, gets the whole partial
    assert client.get(path, headers={**htmx, "HX-Target": "w-temperature"}).text == whole.text
    assert "<form" in client.get(path, headers={"HX-Target": "temperature-out"}).text
    # a refused state: the message, in the output htmx swaps in
    bad = client.get("/zh/widget/temperature?temperature.t=9", headers={**htmx, "HX-Target": "temperature-out"})
    assert bad.status_code == 422 and "<form" not in bad.text and 'role="alert"' in bad.text.split("<details")[0]


def test_temperature_zero_never_takes_a_risk(client):
    got = [n for _, n in dial(client, "zh", t="0", n="3", seed="99")]
    assert got == api_names(client, n=3, temperature=0, seed=99)["names"]
    # every table gets the same, most likely names
    assert got == [n for _, n in dial(client, "zh", t="0", n="3", seed="5")]
    assert len(set(got)) == 1


def test_state_in_the_url_sets_the_dial(client):
    r = client.get("/zh/chapter/7?temperature.t=0&temperature.n=3&temperature.seed=99")
    assert r.status_code == 200
    assert 'name="temperature.t" min="0" max="2" step="0.1"\n               value="0"' in r.text
    assert [(k, n) for k, n, _ in names_in(r.text)] == dial(client, "zh", t="0", n="3", seed="99")


def test_no_js_form_targets_the_chapter_and_keeps_other_widgets_state(client):
    r = client.get("/zh/chapter/7?temperature-2.t=1.5&temperature-2.n=4&utm=mail")
    form = r.text.split('id="w-temperature"', 1)[1].split("</form>", 1)[0]
    assert 'method="get" action="/zh/chapter/7#w-temperature"' in form
    # the other state is written nowhere in the form; sent without JavaScript, the form keeps it
    assert '<input type="hidden" name="keep" value="temperature">' in form
    assert 'name="temperature-2.t"' not in form and 'name="utm"' not in form
    pairs, again = submit_without_js(client, "/zh/chapter/7?temperature-2.t=1.5&temperature-2.n=4&utm=mail", form)
    assert pairs[:3] == [("temperature-2.t", "1.5"), ("temperature-2.n", "4"), ("utm", "mail")]
    assert [k for k, _ in pairs[3:]] == ["temperature.t", "temperature.n", "temperature.seed"]
    assert [(k, n) for k, n, _ in names_in(again.text, "temperature-2")] == dial(client, "zh", t="1.5", n="4", seed="7")
    assert 'name="temperature.t"' in form and 'name="temperature.n"' in form and 'name="temperature.seed"' in form
    # the second dial took its state from the query
    assert [(k, n) for k, n, _ in names_in(r.text, "temperature-2")] == dial(client, "zh", t="1.5", n="4", seed="7")


def test_fragment_is_the_same_partial_with_bare_or_namespaced_keys(client):
    bare = client.get("/en/widget/temperature?t=0.8&n=5&seed=3")
    spaced = client.get("/en/widget/temperature?temperature.t=0.8&temperature.n=5&temperature.seed=3")
    for r in (bare, spaced):
        assert r.status_code == 200
        assert "<html" not in r.text
        assert r.text.lstrip().startswith('<section class="widget widget-temperature" id="w-temperature"')
        assert [(k, n) for k, n, _ in names_in(r.text)] == dial(client, t="0.8", n="5", seed="3")
    assert bare.text == spaced.text
    assert "HX-Replace-Url" not in bare.headers  # not an htmx request


def test_htmx_request_replaces_the_address_with_the_chapter_and_whole_state(client):
    r = client.get(
        "/zh/widget/temperature?temperature.t=0.8&temperature.n=5&temperature.seed=3&temperature-2.t=0.1",
        headers={
            "HX-Request": "true",
            "HX-Current-URL": "http://testserver/zh/chapter/7?temperature-2.t=1.5&temperature.t=0.5&utm=x",
        },
    )
    assert r.status_code == 200
    url = urlsplit(r.headers["HX-Replace-Url"])
    assert url.path == "/zh/chapter/7"
    # the other dial's state comes from the page the reader is on, not the stale hidden input
    assert parse_qsl(url.query) == [
        ("temperature-2.t", "1.5"),
        ("utm", "x"),
        ("temperature.t", "0.8"),
        ("temperature.n", "5"),
        ("temperature.seed", "3"),
    ]
    assert "hx-request" in r.headers["vary"].lower()


def test_second_instance_fragment_uses_its_own_namespace_and_defaults(client):
    r = client.get(
        "/en/widget/temperature?ns=temperature-2&temperature-2.t=0.3",
        headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/en/chapter/7"},
    )
    assert r.status_code == 200
    assert 'id="w-temperature-2"' in r.text and 'data-hx-get="/en/widget/temperature?ns=temperature-2"' in r.text
    assert [(k, n) for k, n, _ in names_in(r.text, "temperature-2")] == dial(client, t="0.3", n="5", seed="7")
    assert r.headers["HX-Replace-Url"] == "/en/chapter/7?temperature-2.t=0.3&temperature-2.n=5&temperature-2.seed=7"


@pytest.mark.parametrize(
    "query, zh, en",
    [
        ("t=9", "冒险程度（温度）要是 0 到 5 之间的数。", "The adventurousness (temperature) must be a number from 0 to 5."),
        ("t=-0.1", "0 到 5", "from 0 to 5"),
        ("t=nan", "0 到 5", "from 0 to 5"),
        ("t=inf", "0 到 5", "from 0 to 5"),
        ("t=abc", "0 到 5", "from 0 to 5"),
        ("t=", "0 到 5", "from 0 to 5"),
        ("t=1e400", "0 到 5", "from 0 to 5"),
        ("n=0", "名字的个数要是 1 到 50 之间的整数。", "The number of names must be a whole number from 1 to 50."),
        ("n=51", "1 到 50", "from 1 to 50"),
        ("n=2.5", "1 到 50", "from 1 to 50"),
        ("n=" + "9" * 400, "1 到 50", "from 1 to 50"),
        ("seed=-1", "桌号", "seed"),
        ("seed=99999999999999999999", "桌号", "seed"),
    ],
)
def test_bad_state_is_a_422_with_a_message_in_the_page_language(client, query, zh, en):
    assert_refused(client, "temperature", 7, query, zh, en)


def test_fragment_without_a_home_page_posts_to_itself(client, fixture_site):
    fixture_site.library.pages, saved = {}, fixture_site.library.pages
    try:
        r = client.get("/zh/widget/temperature?t=1", headers={"HX-Request": "true"})
    finally:
        fixture_site.library.pages = saved
    assert r.status_code == 200
    assert 'action="/zh/widget/temperature#w-temperature"' in r.text
    assert "HX-Replace-Url" not in r.headers


def test_widget_registry_matches_the_design():
    from app import widgets

    assert list(widgets.NAMES) == [
        "recipe-book", "tokenizer", "flavor-cards", "sous-chefs", "prep-room", "next-dish", "kitchen-map",
        "scorecard", "guess", "trace-back", "knob-wall", "practice", "temperature", "sampling", "notebook",
        "michelin",
    ]
    assert widgets.NAMES["temperature"] == 7
    for name, widget in widgets.BUILT.items():
        assert widget.name == name and widget.chapter == widgets.NAMES[name]
        assert (widgets.base.__file__ and widget.template == f"widgets/_{name}.html")


def test_every_built_widget_has_its_partial_with_a_stable_root_id(fixture_site):
    from app.web import settings
    from app import widgets
    from app.widgets import view

    for name, widget in widgets.BUILT.items():
        path = settings.TEMPLATES_DIR / widget.template
        assert path.is_file(), path
        for lang in ("zh", "en"):
            html, state = view.render(view.Instance(widget, name), lang, [], action="/x")
            assert state is not None
            assert html.lstrip().startswith("<") and f'id="w-{name}"' in html and f'id="{name}-out"' in html


def test_every_widget_form_leaves_checking_to_the_server(fixture_site):
    """The browser's own checks would block a bad value with a popup in the browser's
    language (or, under htmx, silently send nothing); the server's message is in the page's."""
    from app.web import settings
    from app import widgets
    from app.widgets import view

    for path in sorted((settings.TEMPLATES_DIR / "widgets").glob("_*.html")):
        for tag in re.findall(r"<form\b[^>]*>", path.read_text(encoding="utf-8")):
            assert " novalidate" in tag, (path.name, tag)
    for name, widget in widgets.BUILT.items():
        html, _ = view.render(view.Instance(widget, name), "en", [], action="/x")
        tags = re.findall(r"<form\b[^>]*>", html)
        assert tags and all(" novalidate" in t for t in tags), name


def test_each_widget_is_one_record_its_partial_and_embed_snippet_read(fixture_site):
    """Title, concept, limits and embed height come from the widget itself: the partial
    shows its title and the real term, and no number field offers a value its parse
    refuses (a field may be narrower, as a station's rows are)."""
    import html as html_mod

    from app.pages import embed
    from app import widgets
    from app.widgets import view

    for name, widget in widgets.BUILT.items():
        assert widget.height >= 200, name
        states = [[]]
        if name == "knob-wall":
            states.append([("knob", "5"), ("set", "1")])  # the turning field shows only for a chosen knob
        for lang in ("zh", "en"):
            for query in states:
                html, _ = view.render(view.Instance(widget, name), lang, query, action="/x")
                title = re.search(r'class="widget-title"[^>]*>(.*?)</p>', html, re.S).group(1)
                assert html_mod.unescape(title).startswith(widget.title_in(lang)), (name, lang)
                if widget.concept:
                    assert f'<small class="term">{html_mod.escape(widget.concept_in(lang), quote=False)}</small>' in title
                params = {f"{name}.{p.key}": p for p in widget.params}
                for tag in re.findall(r'<input type="number"[^>]*>', html):
                    field = re.search(r'name="([^"]+)"', tag)
                    key = field.group(1) if field else None
                    if key is None:  # a typed twin of a range: paired by id
                        pair = re.search(r'data-pair-of="([^"]+)"', tag).group(1)
                        key = f"{name}." + pair.split("-")[-1]
                    p = params[key]
                    lo = re.search(r' min="([^"]+)"', tag)
                    hi = re.search(r' max="([^"]+)"', tag)
                    assert lo and float(lo.group(1)) >= p.lo, (name, key, "min")
                    if hi:
                        assert float(hi.group(1)) <= p.hi, (name, key, "max")
            snippet = embed.snippet(lang, widget, widget.parse({}), widget.title_in(lang))
            assert f'height="{widget.height}"' in snippet
            assert f'title="{embed._attr(widget.title_in(lang))}"' in snippet


def test_the_kept_state_comes_only_from_the_same_page():
    from app.widgets import view

    from app import widgets
    inst = view.Instance(widgets.get("temperature"), "temperature", {})
    sent = [("keep", "temperature"), ("temperature.t", "0.9")]
    page = "/en/chapter/7"
    # the page the reader was on: its other state kept, this widget's own keys (bare or not) replaced
    came = "http://x/en/chapter/7?temperature.t=0.1&t=2&temperature-2.n=4&utm=m"
    assert view.kept_address(page, sent, came, inst) == "/en/chapter/7?temperature-2.n=4&utm=m&temperature.t=0.9"
    # another page, another site's origin, nothing, or a widget the page does not hold: only what was sent
    for came_from, which in (("http://x/en/chapter/1?utm=m", inst), ("http://x/", inst), (None, inst), (came, None)):
        assert view.kept_address(page, sent, came_from, which) == "/en/chapter/7?temperature.t=0.9"
    # what is kept is bounded as the carried state is, however long the Referer
    long = "http://x/en/chapter/7?" + "&".join(f"w{i}.k=" + "z" * 3000 for i in range(40))
    assert len(view.kept_address(page, sent, long, inst)) < view.MAX_CARRY_BYTES + 200


def test_a_kept_reload_is_never_stored_and_stays_on_the_site(client):
    headers = {"Referer": "http://testserver/en/chapter/7?temperature-2.n=4"}
    for _ in range(2):   # the second would come from the store of answers if it kept redirects
        r = client.get("/en/chapter/7?keep=temperature&temperature.t=0.9", headers=headers, follow_redirects=False)
        assert r.status_code == 303 and r.headers["cache-control"] == "no-store" and "etag" not in r.headers
        assert r.headers["location"] == "/en/chapter/7?temperature-2.n=4&temperature.t=0.9"
    # the pages' referrer policy sends a page's whole address on its own site's navigations
    page = client.get("/en/chapter/7")
    assert page.headers["referrer-policy"] in ("same-origin", "strict-origin-when-cross-origin")
    other = client.get("/en/chapter/7?keep=temperature&temperature.t=0.9", follow_redirects=False)
    assert other.headers["location"] == "/en/chapter/7?temperature.t=0.9"
    assert client.get("/en/chapter/9?keep=temperature", follow_redirects=False).status_code == 404
    # htmx sends the marker with the form: the fragment reads the page from HX-Current-URL as before
    h = client.get("/en/widget/temperature?keep=temperature&temperature.t=0.9",
                   headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/en/chapter/7?utm=m"})
    assert h.status_code == 200 and "keep" not in h.headers["hx-replace-url"]
    assert h.headers["hx-replace-url"].startswith("/en/chapter/7?utm=m&temperature.t=0.9")
