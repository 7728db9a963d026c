"""The sous-chefs' notebook (chapter 7): one page per course, what is read, one course at a time.

The pages must be the positions served so far, the shares the engine's
attention for the newest course, and walking from the bell must serve the very
name ``engine.sample.sample`` serves at that table and temperature.
"""

import html as html_mod
import pathlib
import re
from urllib.parse import parse_qsl, urlsplit

import numpy as np
import pytest

from engine import checkpoint, data, inspect as inspection, model, sample as sampling
from engine.tokenizer import encode_prefix, token_label

from tests.app import inside_site
from tests.app.widget_checks import assert_refused, shown, submit_without_js, twin

ROOT = pathlib.Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def client():
    return inside_site.client()


def out_of(text, ns="notebook"):
    return text.split(f'id="{ns}-out"', 1)[1].split("</section>", 1)[0]


def pages(text):
    """Per page: (number, label, new?, [share per sous-chef])."""
    out = out_of(text)
    rows = re.findall(r'<tr class="nb-page( new)?" data-page="(\d+)">\s*<th scope="row"><span class="course-chip">([^<]+)<small.*?</tr>', out, re.S)
    bodies = re.findall(r'<tr class="nb-page[^"]*" data-page="\d+">(.*?)</tr>', out, re.S)
    result = []
    for (new, n, label), body in zip(rows, bodies):
        shares = [float(x) for x in re.findall(r'<td class="nb-read[^"]*" data-w="([^"]+)">', body)]
        result.append((int(n), label, bool(new), shares))
    return result


def next_link(text):
    m = re.search(r'id="notebook-next" href="([^"]+)"', text)
    return html_mod.unescape(m.group(1)) if m else None


def engine_attention(menu):
    """The newest course's attention over the notebook, straight from engine.model.step."""
    params = checkpoint.default_params()
    kv = model.new_kv(params.config, 1)
    for pos, tok in enumerate(encode_prefix(menu)):
        _, attn = model.step(params, np.array([tok]), pos, kv)
    return attn[0][0]  # (H, pages)


def test_the_content_places_the_notebook_in_chapter_7():
    for lang in ("zh", "en"):
        text = (ROOT / "content" / lang / "chapter-7.md").read_text(encoding="utf-8")
        assert re.search(r"^::: widget notebook\s*$", text, re.M)


@pytest.mark.parametrize("menu", ["", "e", "emm", "olivia", "abcdefghijklmno"])
def test_pages_are_the_positions_and_the_reading_is_the_engines(client, menu):
    d = twin(client, "notebook", menu=menu, t="0.5", seed="3")
    got = d["pages"]
    tokens = encode_prefix(menu)
    assert [p["n"] for p in got] == list(range(len(tokens))) and d["n_pages"] == len(tokens)
    assert [p["label"] for p in got] == [token_label(t) for t in tokens]
    assert [p["new"] for p in got] == [False] * (len(tokens) - 1) + [True]
    att = engine_attention(menu)
    shares = np.array([[r["w"] for r in p["reads"]] for p in got]).T  # (H, pages)
    assert np.array_equal(shares, att)
    assert np.allclose(shares.sum(axis=1), 1.0, atol=1e-12)
    assert [[r["top"] for r in p["reads"]] for p in got] == (att == att.max(axis=1, keepdims=True)).T.tolist()
    # the same numbers as the whole-menu inspection's last row
    ins = inspection.inspect(checkpoint.default_params(), menu, is_prefix=True)
    assert np.allclose(shares, ins.attn[0][:, -1, :], atol=1e-12)
    P = len(tokens)
    assert f"the kitchen has cooked {P} course{'s' if P != 1 else ''} so far, each once." in d["cost"]
    assert f"every step would cook all the earlier courses again: {P * (P + 1) // 2} in all." in d["cost"]
    for h in range(4):
        top = int(att[h].argmax())
        assert d["lingers"][h].startswith(f"Sous-chef {h + 1} lingered longest on page {top} ")
    if len(menu) == 15:
        assert d["chosen"] is None and "The notebook is full at 16 pages" in d["end"]


@pytest.mark.parametrize("query", ["", "menu=emm&seed=3", "menu=abcdefghijklmno", "menu=emma&seed=1&t=0"])
def test_the_notebook_shows_what_its_twin_computes(client, query):
    for lang in ("zh", "en"):
        d = twin(client, "notebook", lang, dict(parse_qsl(query)))
        r = client.get(f"/{lang}/widget/notebook?{query}")
        assert r.status_code == 200
        out = out_of(r.text)
        assert pages(r.text) == [(p["n"], shown(p["label"]), p["new"], [x["w"] for x in p["reads"]]) for p in d["pages"]]
        assert f'data-pages="{d["n_pages"]}"' in out
        for p in d["pages"]:
            for x in p["reads"]:
                assert f'<rect width="{x["bar"]}" height="1"/></svg>{x["pct"]}' in out
        assert out.count('<td class="nb-read top"') == sum(x["top"] for p in d["pages"] for x in p["reads"])
        assert re.findall(r"<td>([^<]*)</td>", out.split("<tfoot>", 1)[1].split("</tfoot>", 1)[0]) == d["totals"]
        assert [html_mod.unescape(c) for c in re.findall(r'<span class="course-chip">([^<]*)</span>', out.split("</p>", 1)[0])] == d["so_far"]
        assert f'<p class="inside-summary">{shown(d["step_line"])}</p>' in out
        assert f'id="notebook-caption">{shown(d["caption"])}</p>' in out
        assert re.findall(r"<li>([^<]*)</li>", out.split('<ul class="nb-lingers">', 1)[1].split("</ul>", 1)[0]) == [shown(x) for x in d["lingers"]]
        assert f'<p class="nb-cost">{shown(d["cost"])}</p>' in out and f'<p class="nb-end">{shown(d["end"])}</p>' in out
        link = next_link(r.text)
        assert (link is None) == (d["chosen"] is None)
        if link:
            assert dict(parse_qsl(urlsplit(link).query))["notebook.menu"] == d["chosen"]["menu"]
            assert f'{shown(d["chosen"]["label"])} →</a>' in out
        table = html_mod.unescape(re.search(r'id="notebook-table" href="([^"]+)"', out).group(1))
        assert dict(parse_qsl(urlsplit(table).query))["notebook.seed"] == str(d["next_seed"])


@pytest.mark.parametrize("seed, t", [(1, 0.5), (2, 1.0), (7, 0.0), (11, 1.5), (42, 0.8)])
def test_walking_from_the_bell_serves_the_dials_name(client, seed, t):
    want = sampling.sample(checkpoint.default_params(), n=1, temperature=t, seed=seed).names[0]
    menu, served = "", []
    for _ in range(17):
        d = twin(client, "notebook", menu=menu, t=str(t), seed=str(seed))
        assert d["seed"] == seed and len(d["pages"]) == len(menu) + 1   # one more page each time
        if d["chosen"] is None:
            break
        menu = d["chosen"]["menu"]
        served.append(menu)
    assert menu == want
    if menu:
        assert f"the menu “{menu}” is done." in d["end"]
        assert ("It's in the master's book." if menu in data.known_names() else "Xiao Ming invented it.") in d["end"]
    # every step added exactly one course to the one before
    for a, b in zip([""] + served, served):
        assert b[:-1] == a and len(b) == len(a) + 1


def test_walking_follows_the_next_course_links(client):
    url = "/en/chapter/7?notebook.t=0.8&notebook.seed=42"
    want = sampling.sample(checkpoint.default_params(), n=1, temperature=0.8, seed=42).names[0]
    for _ in range(17):
        link = next_link(client.get(url).text)
        if link is None:
            break
        url = link
    assert dict(parse_qsl(urlsplit(url).query)).get("notebook.menu") == want


def test_links_keep_the_table_and_the_other_widgets(client):
    r = client.get("/zh/chapter/7?notebook.menu=em&notebook.seed=5&notebook.t=1&temperature.n=3")
    q = parse_qsl(urlsplit(next_link(r.text)).query)
    assert q[0] == ("keep", "notebook")
    sent = client.get(next_link(r.text).split("#")[0], follow_redirects=False, headers={
        "Referer": "http://testserver/zh/chapter/7?notebook.menu=em&notebook.seed=5&notebook.t=1&temperature.n=3"})
    assert parse_qsl(urlsplit(sent.headers["location"]).query) == [("temperature.n", "3")] + q[1:]
    assert q[1][0] == "notebook.menu" and q[1][1].startswith("em") and len(q[1][1]) == 3
    assert q[2:] == [("notebook.t", "1"), ("notebook.seed", "5")]
    restart = html_mod.unescape(re.search(r'id="notebook-restart" href="([^"]+)"', r.text).group(1))
    assert ("notebook.menu", "") in parse_qsl(urlsplit(restart).query, keep_blank_values=True)
    table = html_mod.unescape(re.search(r'id="notebook-table" href="([^"]+)"', r.text).group(1))
    assert ("notebook.seed", "6") in parse_qsl(urlsplit(table).query)
    a = re.search(r'id="notebook-next" [^>]*>', r.text).group(0)
    assert 'data-hx-get="/zh/widget/notebook"' in a
    # the links swap the whole widget (the output area passes that down to them)
    assert 'id="notebook-out" aria-live="polite" data-hx-target="#w-notebook" data-hx-select="#w-notebook" data-hx-swap="outerHTML"' in r.text


def test_fragment_in_both_languages_and_the_no_js_form(client):
    zh = client.get("/zh/widget/notebook?menu=emm")
    en = client.get("/en/chapter/7?notebook.menu=emm&utm=x")
    assert zh.status_code == 200 and en.status_code == 200
    assert zh.text.lstrip().startswith('<section class="widget widget-notebook inside" id="w-notebook"')
    step_line = twin(client, "notebook", "zh", menu="emm")["step_line"]
    assert "新做的只有 3 号位的“m”，本子上新添第 3 页" in step_line and shown(step_line) in zh.text
    assert zh.text.count("KV cache") == 1
    assert "✎ 新写的" in zh.text and "副厨 4" in zh.text
    form = en.text.split('id="w-notebook"', 1)[1].split("</form>", 1)[0]
    assert 'method="get" action="/en/chapter/7#w-notebook"' in form
    assert '<input type="hidden" name="keep" value="notebook">' in form and 'name="utm"' not in form
    pairs, _ = submit_without_js(client, "/en/chapter/7?notebook.menu=emm&utm=x", form)
    assert ("utm", "x") in pairs and ("notebook.menu", "emm") in pairs
    assert 'name="notebook.menu" value="emm"' in form and 'name="notebook.t"' in form and 'name="notebook.seed"' in form


@pytest.mark.parametrize(
    "query, zh, en",
    [
        ("menu=e%20m", "已经上的菜只能用字母 a–z", "The courses so far may use only the letters a–z"),
        ("menu=" + "a" * 16, "最多 15 个", "at most 15"),
        ("t=6", "冒险程度（温度）要是 0 到 5 之间的数。", "The adventurousness (temperature) must be a number from 0 to 5."),
        ("seed=-3", "桌号", "seed"),
        ("seed=1.5", "桌号", "seed"),
    ],
)
def test_bad_state_is_a_422(client, query, zh, en):
    assert_refused(client, "notebook", 7, query, zh, en)
