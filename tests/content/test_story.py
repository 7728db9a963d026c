"""The story's files: present, twinned, consistent, typographically clean, and
free of model figures typed by hand."""

import re
from dataclasses import dataclass, field

import autocorrect_py
import pytest
from fastapi.testclient import TestClient

from app import widgets
from app.story import content
from app.web import settings
from engine import checkpoint, data

FENCE = re.compile(r"^\s*(```+|~~~+)")
WIDGET = re.compile(r"^\s*:::+\s*widget\s+(\S+)(.*)$")
FIGURE = re.compile(r"^\s*:::+\s*figure\s+(\S+)")
SUMMARY = re.compile(r"^\s*:::+\s*summary\s*$")
H1 = re.compile(r"^# ")
H2 = re.compile(r"^## ")


@dataclass
class Scan:
    lang: str
    slug: str
    path: object
    text: str
    widgets: list = field(default_factory=list)
    figures: list = field(default_factory=list)
    placeholders: list = field(default_factory=list)
    h1: int = 0
    h2: int = 0
    summary_blocks: int = 0


def scan(path, lang):
    text = path.read_text(encoding="utf-8")
    s = Scan(lang=lang, slug=path.stem, path=path, text=text)
    fence = None
    for line in text.splitlines():
        m = FENCE.match(line)
        if fence:
            if m and m.group(1).startswith(fence):
                fence = None
            continue
        if m:
            fence = m.group(1)[:3]
            continue
        if (w := WIDGET.match(line)):
            s.widgets.append(w.group(1))
        elif (f := FIGURE.match(line)):
            s.figures.append(f.group(1))
        elif SUMMARY.match(line):
            s.summary_blocks += 1
        elif H1.match(line):
            s.h1 += 1
        elif H2.match(line):
            s.h2 += 1
        s.placeholders.extend(p.strip() for p in re.findall(r"\{\{(.*?)\}\}", line))
    return s


def story_files():
    out = {}
    for lang in settings.LANGS:
        for path in sorted((settings.CONTENT_DIR / lang).glob("*.md")):
            if path.name.lower() != "readme.md":
                out[(lang, path.stem)] = path
    return out


@pytest.fixture(scope="session")
def scans():
    return {key: scan(path, key[0]) for key, path in story_files().items()}


@pytest.fixture(scope="session")
def library():
    """The real story, rendered as the server renders it."""
    return content.load()


def test_the_story_has_pages():
    files = story_files()
    assert files, "content/zh and content/en hold no pages"
    assert ("zh", "index") in files and ("en", "index") in files


def test_chapter_seven_serves_the_temperature_dial(scans):
    for lang in settings.LANGS:
        s = scans.get((lang, "chapter-7"))
        assert s is not None, f"content/{lang}/chapter-7.md is missing"
        assert "temperature" in s.widgets


def test_every_file_is_a_known_page(scans):
    for lang, slug in scans:
        assert slug in content.PAGES, f"content/{lang}/{slug}.md is not a page of the story"


def test_every_zh_file_has_its_en_twin_and_back(scans):
    zh = {slug for lang, slug in scans if lang == "zh"}
    en = {slug for lang, slug in scans if lang == "en"}
    assert zh == en, f"only in zh: {sorted(zh - en)}; only in en: {sorted(en - zh)}"


def twins(scans):
    return [(scans[("zh", slug)], scans[("en", slug)]) for lang, slug in scans if lang == "zh" and ("en", slug) in scans]


def test_twins_have_the_same_widgets_in_the_same_order(scans):
    pairs = twins(scans)
    assert pairs
    for zh, en in pairs:
        assert zh.widgets == en.widgets, zh.slug


def test_every_widget_resolves_to_a_design_name(scans):
    for s in scans.values():
        for name in s.widgets:
            assert name in widgets.NAMES, f"{s.path}: unknown widget {name!r}"


def test_twins_have_the_same_figures_placeholders_and_sections(scans):
    for zh, en in twins(scans):
        assert zh.figures == en.figures, zh.slug
        assert set(zh.placeholders) == set(en.placeholders), zh.slug
        assert zh.h2 == en.h2, f"{zh.slug}: {zh.h2} sections in zh, {en.h2} in en"


def test_each_page_has_one_title_from_its_front_matter_and_a_summary(library):
    assert library.pages
    for (lang, slug), page in library.pages.items():
        assert page.title.strip(), page.file
        assert page.summary.strip(), f"{page.file}: front matter needs a summary"
        assert page.h1_count == 0, f"{page.file}: the title comes from front matter; use ## for sections"


def test_every_chapter_ends_with_its_summary(scans):
    for (lang, slug), s in scans.items():
        if slug.startswith("chapter-"):
            assert s.summary_blocks == 1, f"{s.path}: one ::: summary block"
            tail = s.text.rstrip().splitlines()
            assert tail[-1].strip() == ":::" and any(re.match(r"^\s*:::+\s*summary", l) for l in tail[-6:]), (
                f"{s.path}: the summary block comes last"
            )


def test_the_real_site_builds_and_every_page_renders(library):
    from app.main import create_app
    from app.pages.site import Site

    facts = __import__("app.model_facts.facts", fromlist=["build"]).build()
    site = Site(library=library, facts=facts, htmx="cdn")
    with TestClient(create_app(site)) as client:
        for (lang, slug), page in library.pages.items():
            r = client.get(page.path)
            assert r.status_code == 200, page.path
            assert page.title.replace("'", "&#39;").split("&")[0] in r.text


# --- figures from the model are never typed by hand ---------------------------------------

def forbidden_patterns():
    log = checkpoint.default_log()
    ref = checkpoint.reference_samples()
    known = data.known_names()
    pats = {
        "the parameter count": r"(?<![\d.,])4[,，\s]?192(?![\d])",
        "the number of names": r"(?<![\d.,])32[,，\s]?033(?![\d])",
    }
    for step in (1, 100, 500, 1000):
        pats[f"the loss at step {step}"] = rf"(?<![\d.]){re.escape(f'{log[step - 1]:.2f}')}(?!\d)"
    for name in ref:
        if name not in known:
            pats[f"the invented sample {name!r}"] = rf"(?i)\b{name}\b"
    for a, b in zip(ref, ref[1:]):
        pats[f"the samples {a}, {b}"] = rf"(?i)\b{a}\b\W{{1,3}}\b{b}\b"
    return pats


def test_the_forbidden_patterns_catch_hand_typed_figures():
    pats = forbidden_patterns()
    ref = checkpoint.reference_samples()
    log = checkpoint.default_log()
    samples = [
        "墙上有 4,192 个旋钮", "4192 knobs", "32,033 names", "32033 套", f"score {log[0]:.2f} at first",
        f"ended near {log[999]:.2f}.", f"{ref[0]}, {ref[1]}",
    ]
    for text in samples:
        assert any(re.search(p, text) for p in pats.values()), text
    for text in ["{{n_params}} knobs", "3.14159", "14,192", "emma"]:
        assert not any(re.search(p, text) for p in pats.values()), text


@pytest.mark.parametrize("key", sorted(story_files()), ids=lambda k: f"{k[0]}/{k[1]}")
def test_no_model_figure_is_typed_by_hand(key, scans):
    s = scans[key]
    for number, line in enumerate(s.text.splitlines(), 1):
        for what, pat in forbidden_patterns().items():
            assert not re.search(pat, line), (
                f"{s.path}:{number}: {what} is typed by hand; use a placeholder (content/README.md)"
            )


# --- Chinese typography ------------------------------------------------------------------

def test_the_typography_lint_finds_mistakes():
    result = autocorrect_py.lint_for("---\ntitle: 测试\n---\n\n小明有4192个旋钮,真的.\n", "sample.md")
    assert len(result.lines) > 0


@pytest.mark.parametrize("path", sorted((settings.CONTENT_DIR / "zh").glob("*.md")), ids=lambda p: p.name)
def test_chinese_typography(path):
    result = autocorrect_py.lint_for(path.read_text(encoding="utf-8"), str(path))
    findings = [f"{path}:{l.line}:{l.col}: {l.old!r} -> {l.new!r}" for l in result.lines]
    assert not findings, "\n".join(findings)


# --- the thread ----------------------------------------------------------------------------

LINK_LENGTH = 24  # a shared link, as the copy button adds it: a space and a shortened address of 23


def test_thread_posts_fit_a_post(library):
    for lang, limit in (("zh", 140), ("en", 280)):
        page = library.get(lang, "thread")
        if page is None:
            continue
        assert len(page.posts) == 10, f"{page.file}: the thread has ten posts"
        sources = re.findall(r"^\d+\. (.*)$", page.file.read_text(encoding="utf-8"), re.M)
        assert len(sources) == 10, f"{page.file}: ten numbered posts in the source"
        for k, (post, source) in enumerate(zip(page.posts, sources), 1):
            size = len(post) + LINK_LENGTH * source.count("](")
            assert size <= limit, f"{page.file}: post {k} has {size} characters with its links (at most {limit})"
