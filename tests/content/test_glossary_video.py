"""The glossary and the video scripts of the real story: the glossary covers every
term the story names and links both ways, the scripts' running times add up to
the lengths asked for, and both languages are in step."""

import re

import pytest
from fastapi.testclient import TestClient

from app import widgets
from app.story import content
from app.web import settings
from engine import data

LONG_MIN, LONG_MAX = 5 * 60, 8 * 60    # the long film: 5 to 8 minutes
SHORT = 60                             # the short: one minute

# Latin-script words in the Chinese story that are not terms: names of models, products,
# people and sites, and words quoted as words. Anything else written in Latin letters in a
# Chinese chapter is a real term named in passing (STORY.md), and must be in the glossary.
NOT_TERMS = {
    "chatgpt", "gpt-2", "gpt-4", "llama 3", "microgpt", "andrej karpathy", "openai", "ai",
    "omakase", "hello world", "strawberry", "the", "tb", "karpathy.github.io", "https",
}
LATIN = re.compile(r"[A-Za-z][A-Za-z0-9.'+-]*(?: [A-Za-z0-9][A-Za-z0-9.'+-]*)*")


@pytest.fixture(scope="module")
def library():
    return content.load()


def story_prose(lang):
    """The chapters' and the ending's Markdown, without front matter, blocks' own lines and placeholders."""
    out = []
    for slug in [f"chapter-{n}" for n in range(1, 9)] + ["ending"]:
        text = (settings.CONTENT_DIR / lang / f"{slug}.md").read_text(encoding="utf-8")
        text = text.split("---", 2)[2]
        lines = [line for line in text.splitlines() if not line.lstrip().startswith(":::")]
        out.append((slug, re.sub(r"\{\{.*?\}\}|\]\([^)]*\)", " ", "\n".join(lines))))
    return out


def course_example(phrase, name_parts):
    """Letters the story serves as courses or names: 'emma', 'e m m a', 'th', 'ing', 'a 40' (a 40% vote)."""
    words = [w for w in phrase.split() if not w.isdigit()]
    return all(re.fullmatch(r"[a-z]+", w) and w in name_parts for w in words)


@pytest.fixture(scope="module")
def name_parts():
    parts = set()
    for name in data.load_names():
        for i in range(len(name)):
            for j in range(i + 1, len(name) + 1):
                parts.add(name[i:j])
    return parts


def terms_named_in_the_story(name_parts):
    """Each real term the Chinese story names in passing: its Latin-letter phrases, less names and examples."""
    found = {}
    for slug, prose in story_prose("zh"):
        for m in LATIN.finditer(prose):
            phrase = m.group().strip(".'-")
            if len(phrase) < 2 or phrase.lower() in NOT_TERMS or course_example(phrase, name_parts):
                continue
            found.setdefault(phrase, slug)
    return found


def test_the_detection_finds_terms_and_skips_names(name_parts):
    found = terms_named_in_the_story(name_parts)
    for term in ("backpropagation", "RMSNorm", "softmax", "KV cache", "RLHF", "chain rule"):
        assert term in found, term
    for word in ("ChatGPT", "emma", "omakase", "e m m a", "th"):
        assert word not in found, word


def test_the_glossary_covers_every_term_named_in_the_story(library, name_parts):
    terms = library.get("zh", "glossary").terms
    known = " | ".join(f"{t.real} | {' | '.join(t.find)}" for t in terms).lower()
    missing = {p: slug for p, slug in terms_named_in_the_story(name_parts).items() if p.lower() not in known}
    assert not missing, f"terms the story names but the glossary lacks (phrase: first chapter): {missing}"


def test_both_glossaries_are_in_step(library):
    zh, en = library.get("zh", "glossary").terms, library.get("en", "glossary").terms
    assert len(zh) >= 30
    assert [(t.id, t.chapter, t.widget) for t in zh] == [(t.id, t.chapter, t.widget) for t in en]
    assert [t.chapter for t in zh] == sorted(t.chapter for t in zh), "entries follow the story's order"


@pytest.mark.parametrize("lang", settings.LANGS)
def test_each_term_is_linked_from_its_chapter_and_each_entry_links_back(library, lang):
    glossary = library.get(lang, "glossary")
    html = "".join(s for s in glossary.segments if isinstance(s, str))
    for term in glossary.terms:
        chapter = library.get(lang, f"chapter-{term.chapter}")
        assert term.id in chapter.term_links, f"{lang} chapter {term.chapter} never mentions {term.real!r} ({term.find})"
        entry = html[html.index(f'id="term-{term.id}"'):]
        entry = entry[:entry.index("</section>")]
        assert f'href="/{lang}/chapter/{term.chapter}"' in entry
        if term.widget:
            assert f'href="/{lang}/chapter/{widgets.NAMES[term.widget]}#w-{term.widget}"' in entry


@pytest.mark.parametrize("lang", settings.LANGS)
def test_every_chapter_links_each_term_once_to_an_entry_that_exists(library, lang):
    ids = {t.id for t in library.get(lang, "glossary").terms}
    for n in range(1, 9):
        page = library.get(lang, f"chapter-{n}")
        html = "".join(s for s in page.segments if isinstance(s, str))
        hrefs = re.findall(r'<a href="/' + lang + r'/glossary#term-([a-z0-9-]+)" class="term-link">', html)
        assert hrefs == page.term_links and len(set(hrefs)) == len(hrefs)
        assert set(hrefs) <= ids
        for heading in re.findall(r"<h[1-6][^>]*>.*?</h[1-6]>", html, re.S):
            assert "term-link" not in heading


def test_the_video_scripts_add_up_to_their_lengths(library):
    for lang in settings.LANGS:
        page = library.get(lang, "video")
        totals = {}
        for scene in page.scenes:
            assert scene.start == totals.get(scene.script, 0), "scenes follow each other without gaps"
            totals[scene.script] = scene.start + scene.seconds
        assert set(totals) == {"long", "short"}
        assert LONG_MIN <= totals["long"] <= LONG_MAX, f"{lang}: the long film runs {totals['long']} s"
        assert totals["short"] == SHORT, f"{lang}: the short runs {totals['short']} s"
        html = "".join(s for s in page.segments if isinstance(s, str))
        for script, total in totals.items():
            assert f'data-script="{script}" data-seconds="{total}"' in html


def test_the_scripts_are_in_step_and_the_short_tells_the_trace_back(library):
    zh, en = library.get("zh", "video").scenes, library.get("en", "video").scenes
    assert [(s.script, s.seconds, s.screen) for s in zh] == [(s.script, s.seconds, s.screen) for s in en]
    short = [s for s in zh if s.script == "short"]
    assert {s.target for s in short} <= {"trace", "knob-wall", "trace-back"}, "the short is the trace back"
    assert any(s.target == "trace" for s in short)


def test_the_new_pages_are_served_like_the_others(library):
    from app.main import create_app
    from app.pages.site import Site

    facts = __import__("app.model_facts.facts", fromlist=["build"]).build()
    site = Site(library=library, facts=facts, htmx="cdn")
    with TestClient(create_app(site)) as client:
        sitemap = client.get("/sitemap.xml").text
        for lang in settings.LANGS:
            other = "en" if lang == "zh" else "zh"
            for slug in ("glossary", "video"):
                r = client.get(f"/{lang}/{slug}")
                assert r.status_code == 200
                html = r.text
                assert f'<html lang="{lang}">' in html
                assert f'<link rel="canonical" href="http://testserver/{lang}/{slug}">' in html
                assert f'<link rel="alternate" hreflang="{other}" href="http://testserver/{other}/{slug}">' in html
                assert f'class="lang-switch" href="/{other}/{slug}"' in html
                assert f"<loc>http://testserver/{lang}/{slug}</loc>" in sitemap
                assert f'<a href="/{lang}/{slug}"' in client.get(f"/{lang}/chapter/1").text, "in the footer"
            # every scene's screen is a page of the site, with the figure or widget it names
            for scene in library.get(lang, "video").scenes:
                page_html = client.get(f"/{lang}/video").text
                href = re.search(rf'id="scene-{scene.script}-{scene.number}".*?<a href="([^"]+)"', page_html, re.S).group(1)
                path, _, frag = href.replace("&amp;", "&").partition("#")
                target = client.get(path)
                assert target.status_code == 200, href
                if frag:
                    assert f'id="{frag}"' in target.text, href


@pytest.mark.parametrize("lang", settings.LANGS)
def test_the_glossary_lists_its_entries_first(library, lang):
    page = library.get(lang, "glossary")
    html = "".join(s for s in page.segments if isinstance(s, str))
    nav = html[html.index('<nav class="term-index"'):html.index("</nav>")]
    assert re.findall(r'href="#term-([a-z0-9-]+)"', nav) == [t.id for t in page.terms]
    assert html.index("</nav>") < html.index('<section class="term"')


def test_chapter_5s_trace_caption_opens_the_knob_on_the_wall(library):
    f = __import__("app.model_facts.facts", fromlist=["build"]).build()
    for lang in settings.LANGS:
        html = "".join(s for s in library.get(lang, "chapter-5").segments if isinstance(s, str))
        caption = html[html.index('id="figure-trace"'):]
        caption = caption[caption.index("<figcaption>"):caption.index("</figcaption>")]
        assert (f'href="?knob-wall.name={f.trace["dish"]}&amp;knob-wall.view=influence&amp;knob-wall.station=wte'
                f'&amp;knob-wall.knob={f.trace["knob"]}#w-knob-wall"') in caption


@pytest.mark.parametrize("lang", settings.LANGS)
def test_the_link_is_on_a_terms_first_mention_in_its_chapter(library, lang):
    """Not on a later one: a table header or a list item counts as a mention (headings do not)."""
    for term in library.get(lang, "glossary").terms:
        page = library.get(lang, f"chapter-{term.chapter}")
        html = "".join(s for s in page.segments if isinstance(s, str))
        html = re.sub(r"<h[1-6][^>]*>.*?</h[1-6]>", "", html, flags=re.S)
        # tags, and the words inside other terms' links, blanked (places kept)
        others = r'<a href="[^"]*#term-(?!' + re.escape(term.id) + r'")[^"]*" class="term-link">.*?</a>'
        text = re.sub(others, lambda m: "\0" * len(m.group()), html)
        text = re.sub(r"<[^>]+>", lambda m: "\0" * len(m.group()), text)
        # what it is found by, and the real term's own-language words (上下文窗口 of "上下文窗口 context window")
        words = set(term.find) | {w for w in term.real.split() if not w.isascii()}
        first = re.search("|".join(map(re.escape, sorted(words, key=len, reverse=True))), text)
        assert first, f"{lang} chapter {term.chapter}: no mention of {term.find!r}"
        assert html[: first.start()].endswith(f'#term-{term.id}" class="term-link">'), (
            f"{lang} chapter {term.chapter}: the first {first.group()!r} is not the linked one")
