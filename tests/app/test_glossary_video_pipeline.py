"""Glossary entries, their links from the chapters, and video scenes, on small made-up files."""

import re

import pytest

from app.story import content, video
from tests.app.test_content_pipeline import HEAD, error_of, load

GLOSSARY = HEAD + """
::: term knob kitchen="Knob" real="parameters" find="parameters|knob setting" chapter=1 widget=knob-wall
One number on the wall.
:::

::: term score kitchen="Score" real="loss" find="loss" chapter=1
How badly a guess did.
:::
"""

CHAPTER = HEAD + """
## The parameters in a heading are not linked

The knob setting comes first, then parameters, then parameters again, and [a loss link](/x) is left alone,
then the loss.

::: figure f alt="a"
A caption that says loss.
:::

::: summary
In one sentence: parameters and loss.
:::
"""


def html_of(page):
    return "".join(s for s in page.segments if isinstance(s, str))


def story(tmp_path, chapter=CHAPTER, glossary=GLOSSARY):
    files = {f"{lang}/glossary.md": glossary for lang in ("zh", "en")}
    files.update({f"{lang}/chapter-1.md": chapter for lang in ("zh", "en")})
    return load(tmp_path, files, figures={"f": '<svg xmlns="http://www.w3.org/2000/svg"><title>{{ alt }}</title></svg>'})


def test_a_chapter_links_each_terms_first_mention_and_nothing_else(tmp_path):
    lib = story(tmp_path)
    page = lib.get("en", "chapter-1")
    out = html_of(page)
    assert page.term_links == ["knob", "score"]
    links = re.findall(r'<a href="([^"]+)" class="term-link">([^<]+)</a>', out)
    # the earliest phrase of a term wins, once per chapter; headings and existing links are skipped
    assert links == [("/en/glossary#term-knob", "knob setting"), ("/en/glossary#term-score", "loss")]
    assert "<h2" in out and "term-link" not in out.split("</h2>")[0]
    assert '<a href="/x">a loss link</a>' in out
    assert "then the <a" in out.replace("\n", " ")
    # the Chinese page links to the Chinese glossary
    assert '/zh/glossary#term-knob' in html_of(lib.get("zh", "chapter-1"))


def test_a_term_is_never_linked_inside_a_longer_latin_word(tmp_path):
    chapter = HEAD + "\nLosses and lossy are not the loss.\n"
    out = html_of(story(tmp_path, chapter=chapter).get("en", "chapter-1"))
    assert re.findall(r'class="term-link">([^<]+)<', out) == ["loss"]


def test_glossary_entries_name_word_term_and_where_they_are_shown(tmp_path):
    lib = story(tmp_path)
    page = lib.get("zh", "glossary")
    assert [t.id for t in page.terms] == ["knob", "score"]
    out = html_of(page)
    entry = out[out.index('id="term-knob"'):out.index('id="term-score"')]
    assert '<span class="term-word">Knob</span>' in entry and '<span class="term-real">parameters</span>' in entry
    assert 'href="/zh/chapter/1"' in entry
    assert 'href="/zh/chapter/5#w-knob-wall"' in entry and "（第 5 章）" in entry
    assert "One number on the wall." in entry
    rest = out[out.index('id="term-score"'):]
    assert "#w-" not in rest, "an entry without a widget links only its chapter"


@pytest.mark.parametrize("block, message", [
    ('::: term knob kitchen="K" real="r" find="r" chapter=9', "chapter must be one of"),
    ('::: term knob kitchen="K" real="r" find="r" chapter=1 widget=nope', "unknown widget 'nope'"),
    ('::: term knob kitchen="K" real="r" chapter=1', 'needs find="..."'),
    ('::: term Knob! kitchen="K" real="r" find="r" chapter=1', "needs one id"),
    ('::: term knob kitchen="K" real="r" find="r" chapter=1 colour=red', "unknown term argument"),
])
def test_a_bad_term_stops_start_up_naming_file_and_line(tmp_path, block, message):
    text = HEAD + "\n" + block + "\nA sentence.\n:::\n"
    err = error_of(tmp_path, {"zh/glossary.md": text})
    assert "glossary.md:6:" in err and message in err


def test_terms_and_scenes_stay_on_their_own_pages(tmp_path):
    term = HEAD + '\n::: term knob kitchen="K" real="r" find="r" chapter=1\nA.\n:::\n'
    assert "belongs in glossary.md" in error_of(tmp_path / "a", {"zh/chapter-1.md": term})
    scene = HEAD + '\n::: scene script=long seconds=5 screen="page:index"\nA.\n:::\n'
    assert "belongs in video.md" in error_of(tmp_path / "b", {"zh/chapter-1.md": scene})
    assert "belongs in video.md" in error_of(tmp_path / "c", {"zh/chapter-1.md": HEAD + "\n::: runtime long\n"})


VIDEO = HEAD + """
## Long

::: runtime long

::: scene script=long seconds=65 screen="page:index"
First.
:::

::: scene script=long seconds=50 screen="figure:f"
Second.
:::

## Short

::: runtime short

::: scene script=short seconds=20 screen="widget:temperature t=0.5 n=3"
Third.
:::
"""


def test_scene_times_and_running_times_are_added_up_from_the_scenes(tmp_path):
    files = {f"{lang}/video.md": VIDEO for lang in ("zh", "en")}
    files.update({f"{lang}/chapter-1.md": CHAPTER for lang in ("zh", "en")})
    files.update({f"{lang}/chapter-7.md": HEAD + "\n::: widget temperature\n" for lang in ("zh", "en")})
    lib = load(tmp_path, files, figures={"f": '<svg xmlns="http://www.w3.org/2000/svg"><title>{{ alt }}</title></svg>'})
    page = lib.get("en", "video")
    assert [(s.script, s.number, s.start, s.seconds) for s in page.scenes] == [
        ("long", 1, 0, 65), ("long", 2, 65, 50), ("short", 1, 0, 20)]
    out = html_of(page)
    assert '<p class="runtime" data-script="long" data-seconds="115">Running time 1 min 55 s, 2 scenes.</p>' in out
    assert 'data-seconds="20">Running time 20 s, 1 scene.' in out
    assert '<time datetime="PT65S">1:05</time>–<time datetime="PT115S">1:55</time> · 50 s' in out
    assert 'href="/en/chapter/1#figure-f">a</a>' in out
    assert 'href="/en/chapter/7?temperature.t=0.5&amp;temperature.n=3#w-temperature"' in out
    assert "</a> <code>t=0.5 n=3</code></p>" in out
    assert 'href="/en/">' in out
    zh = html_of(lib.get("zh", "video"))
    assert "全长 1 分 55 秒，共 2 个场景。" in zh and "20 秒" in zh


@pytest.mark.parametrize("block, message", [
    ('::: scene script=long seconds=0 screen="page:index"', "seconds=N"),
    ('::: scene script=long seconds=5 screen="photo:x"', 'screen="figure:NAME"'),
    ('::: scene script=long seconds=5 screen="widget:temperature t=99"', "temperature"),
    ('::: scene script=long seconds=5 screen="widget:nope"', "unknown widget"),
    ('::: scene script=long seconds=5 screen="figure:nowhere"', "no page in zh carries the figure 'nowhere'"),
    ('::: scene seconds=5 screen="page:index"', "script=NAME"),
])
def test_a_bad_scene_stops_start_up_naming_file_and_line(tmp_path, block, message):
    err = error_of(tmp_path, {"zh/video.md": HEAD + "\n" + block + "\nNarration.\n:::\n"})
    assert "video.md:" in err and message in err


def test_a_running_time_needs_its_scenes(tmp_path):
    err = error_of(tmp_path, {"zh/video.md": HEAD + "\n::: runtime long\n"})
    assert "video.md:6:" in err and "no scene has script=long" in err


def test_lengths_in_words():
    assert video.length(60, "zh") == "1 分钟" and video.length(60, "en") == "1 min"
    assert video.length(450, "zh") == "7 分 30 秒" and video.length(450, "en") == "7 min 30 s"
    assert video.length(59, "en") == "59 s" and video.clock(3599) == "59:59"
    assert content.PAGES[-2:] == ("glossary", "video")


def test_an_entry_without_a_widget_says_only_where_it_is_explained(tmp_path):
    lib = story(tmp_path)
    out = html_of(lib.get("en", "glossary"))
    knob = out[out.index('id="term-knob"'):out.index('id="term-score"')]
    score = out[out.index('id="term-score"'):]
    assert "Explained and shown in: " in knob and "Explained in: " in score
