"""htmx asking from a widget's live form is sent only what it swaps.

A form that targets the widget's output region (``#<ns>-out``) swaps that element and the
elements its ``data-hx-select-oob`` names; the fragment route then renders only the
partial's block ``out`` and the Embed control (app/pages/fragments.py). Every widget
whose form targets its output has that block, unless it is listed in SENT_WHOLE with
the reason; the dial's own checks are in test_widgets.py.
"""

import re

import pytest

from app import widgets
from app.web import templating
from tests.app.stories import FIXTURES, per_language, story_client

# each widget with the block, and a state of it to ask for (its own keys, without the namespace)
OUT_BLOCK = {
    "recipe-book": {"q": "emma", "page": "3", "by": "last"},
    "tokenizer": {"text": "Zoë"},
    "flavor-cards": {"c": "e", "vs": "a"},
    "next-dish": {"prefix": "em", "t": "0.7"},
    "scorecard": {"name": "olivia"},
    "temperature": {"t": "1.1", "seed": "12"},
    "sampling": {"prefix": "k", "t": "0.8", "top_k": "5"},
    "notebook": {"menu": "em", "t": "1", "seed": "3"},
}
# a state each of them refuses: the message is in the output htmx swaps in
REFUSED = {
    "recipe-book": {"page": "0"},
    "tokenizer": {"text": "a" * 41},
    "flavor-cards": {"c": "%"},
    "next-dish": {"t": "99"},
    "scorecard": {"name": "a" * 60},
    "temperature": {"t": "9"},
    "sampling": {"t": "99"},
    "notebook": {"t": "99"},
}
# widgets whose form targets the output region but that are sent whole, and why
SENT_WHOLE = {
    "sous-chefs": "its form also swaps the course picker (#<ns>-courses) out of band, and the picker lies "
                  "inside the form, outside the output region",
    "prep-room": "the same form as sous-chefs (_name_and_course.html): the course picker it swaps out of "
                 "band lies inside the form",
    "kitchen-map": "the same form as sous-chefs (_name_and_course.html): the course picker it swaps out of "
                   "band lies inside the form",
    "michelin": "its forms lie inside the output region, which is all of the widget but its title",
}

CHAPTERS = {
    2: ["tokenizer", "flavor-cards"],
    3: ["sous-chefs", "prep-room", "next-dish", "kitchen-map"],
    4: ["scorecard"],
    8: ["michelin"],
}


def chapter(n, names, lang):
    widgets_md = "\n\n".join(f"::: widget {name}" for name in names)
    title, summary = ("第%s章" % n, "一句话。") if lang == "zh" else (f"Chapter {n}", "In one sentence.")
    return (f"---\ntitle: {title}\nsummary: {summary}\n---\n\n## {title}\n\n{widgets_md}\n\n"
            f"::: summary\n{summary}\n:::\n")


@pytest.fixture(scope="module")
def story(tmp_path_factory):
    """The fixture story (recipe-book in chapter 1; the dial and the notebook in 7) with each
    other widget in its home chapter, and the sampling widget added to chapter 7."""
    chapters = {}
    for n, names in CHAPTERS.items():
        chapters.update(per_language(f"chapter-{n}", {lang: chapter(n, names, lang) for lang in ("zh", "en")}))
    for lang in ("zh", "en"):
        text = (FIXTURES / "content" / lang / "chapter-7.md").read_text(encoding="utf-8")
        chapters[(lang, "chapter-7")] = text.replace("::: summary", "::: widget sampling\n\n::: summary", 1)
    with story_client(tmp_path_factory.mktemp("out-blocks"), chapters) as c:
        yield c


def element(html, id_):
    """The element with id ``id_``, its start tag to its matching end tag."""
    m = re.search(r'<(\w+)\b[^>]*\bid="%s"' % re.escape(id_), html)
    assert m, f"no element #{id_}"
    depth = 0
    for t in re.finditer(r"<(/?)%s\b[^>]*>" % m.group(1), html[m.start():]):
        depth += -1 if t.group(1) else 1
        if depth == 0:
            return html[m.start():m.start() + t.end()]
    raise AssertionError(f"#{id_} is not closed")


def swappers(html, ns):
    """The start tags of the elements whose htmx request names the output region."""
    return re.findall(r'<[^>]*\bdata-hx-target="#%s-out"[^>]*>' % re.escape(ns), html)


def oob_ids(html, ns):
    """The ids the forms that target the output take out of band (``data-hx-select-oob``)."""
    ids = []
    for tag in swappers(html, ns):
        for m in re.finditer(r'data-hx-select-oob="([^"]*)"', tag):
            ids += [s.strip().split(":")[0].lstrip("#") for s in m.group(1).split(",")]
    return ids


def ask(name, state, lang="en"):
    from urllib.parse import urlencode

    return f"/{lang}/widget/{name}?" + urlencode({f"{name}.{k}": v for k, v in state.items()})


def htmx_from(name, lang="en"):
    return {"HX-Request": "true", "HX-Current-URL": f"http://testserver/{lang}/chapter/{widgets.NAMES[name]}"}


@pytest.mark.parametrize("name", sorted(OUT_BLOCK))
def test_htmx_asking_from_a_live_form_is_sent_only_what_it_swaps(story, name):
    ns = name
    for lang in ("zh", "en"):
        path, htmx = ask(name, OUT_BLOCK[name], lang), htmx_from(name, lang)
        whole = story.get(path, headers=htmx)
        assert whole.status_code == 200 and "<form" in whole.text and swappers(whole.text, ns)
        assert whole.headers["hx-replace-url"].startswith(f"/{lang}/chapter/{widgets.NAMES[name]}?")
        out, control = element(whole.text, f"{ns}-out"), element(whole.text, f"{ns}-embed")
        oob = {i: element(whole.text, i) for i in oob_ids(whole.text, ns)}
        for target in (f"{ns}-out", f"div#{ns}-out"):   # htmx 2 names the id, htmx 4 tag#id
            part = story.get(path, headers={**htmx, "HX-Target": target})
            assert part.status_code == 200 and "HX-Target" in part.headers["vary"]
            assert part.headers["hx-replace-url"] == whole.headers["hx-replace-url"]
            assert "<form" not in part.text and "<section" not in part.text
            assert element(part.text, f"{ns}-out") == out
            assert element(part.text, f"{ns}-embed") == control
            assert all(element(part.text, i) == html for i, html in oob.items())
            # nothing else: the output region, what it takes out of band, the Embed control
            assert part.text.split() == " ".join([out, *oob.values(), control]).split()
        # another target, or no htmx, gets the whole partial
        assert story.get(path, headers={**htmx, "HX-Target": f"w-{ns}"}).text == whole.text
        no_htmx = story.get(path, headers={"HX-Target": f"{ns}-out"})
        assert "<form" in no_htmx.text and element(no_htmx.text, f"{ns}-out") == out
        # a refused state: the message, in the output htmx swaps in
        bad = story.get(ask(name, REFUSED[name], lang), headers={**htmx, "HX-Target": f"{ns}-out"})
        assert bad.status_code == 422 and "<form" not in bad.text
        assert 'role="alert"' in element(bad.text, f"{ns}-out")


@pytest.mark.parametrize("name", sorted(SENT_WHOLE))
def test_a_widget_without_the_block_is_sent_whole_with_what_its_form_takes(story, name):
    path, htmx = ask(name, {}), htmx_from(name)
    whole = story.get(path, headers=htmx)
    part = story.get(path, headers={**htmx, "HX-Target": f"{name}-out"})
    assert part.status_code == 200 and part.text == whole.text and swappers(whole.text, name)
    for i in oob_ids(whole.text, name):
        element(part.text, i)


def test_every_widget_whose_form_targets_its_output_has_the_out_block(story):
    """So a new widget cannot forget it: a partial whose form (or link) asks htmx to swap
    ``#<ns>-out`` has the block ``out``, or is listed in SENT_WHOLE with the reason."""
    targeting = set()
    for name in widgets.BUILT:
        html = story.get(ask(name, {}), headers={"HX-Request": "true"}).text
        if swappers(html, name):
            targeting.add(name)
    blocks = {name for name in widgets.BUILT
              if "out" in templating.env("en").get_template(f"widgets/_{name}.html").blocks}
    assert targeting - blocks == set(SENT_WHOLE), "give the partial {% block out %}, or say in SENT_WHOLE why not"
    assert blocks == set(OUT_BLOCK) and blocks <= targeting, "each partial with the block is tested above"
    assert all(SENT_WHOLE.values())
