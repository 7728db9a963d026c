"""The six illustrations: each renders in both languages as a well-formed, accessible SVG
that uses only the site's colours, and the growth curve shows the engine's own numbers."""

import pathlib
import re
import xml.etree.ElementTree as ET

import pytest

from app.story.content import render_figure
from app.model_facts.figures import FIGURES, SNAPSHOT_N, SNAPSHOT_SEED, SNAPSHOT_STEPS, SNAPSHOT_TEMPERATURE, curve_steps, figure_context

ROOT = pathlib.Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates"
SVG = "{http://www.w3.org/2000/svg}"
ALT = {"zh": "测试用的替代文字", "en": "alt text for the test"}

# Anything that can carry a colour must be "none" or one of the site's custom properties.
COLOUR_PROPS = ("fill", "stroke", "color", "stop-color", "flood-color", "lighting-color")
VAR_WITH_FALLBACK = re.compile(r"var\(--[a-z0-9-]+(?:\s*,\s*#[0-9a-fA-F]{3,8})?\s*\)")
HEX = re.compile(r"#[0-9a-fA-F]{3,8}\b")
FUNC = re.compile(r"\b(?:rgba?|hsla?|hwb|lab|lch|oklab|oklch|color)\(", re.I)


def render(name, lang, alt=None):
    """The figure as the content pipeline renders it (its words from the language's catalog)."""
    return render_figure(name, lang, ALT[lang] if alt is None else alt, TEMPLATES, figure_context)


def parse(svg):
    return ET.fromstring(svg)


def texts(root):
    """Every piece of visible text, in document order."""
    out = []
    for el in root.iter():
        if el.tag in (SVG + "text", SVG + "tspan") and el.text and el.text.strip():
            out.append(el.text.strip())
    return out


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("name", FIGURES)
def test_renders_as_accessible_svg(name, lang):
    root = parse(render(name, lang))
    assert root.tag == SVG + "svg"
    assert root.get("role") == "img"
    assert root.get("aria-label") == ALT[lang]
    assert "figure-svg" in root.get("class", "").split()
    assert re.fullmatch(r"0 0 \d+ \d+", root.get("viewBox", ""))
    assert root.get("height") is None and root.get("width") in (None, "100%")
    title = root.find(SVG + "title")
    assert title is not None and title.text == ALT[lang]
    assert texts(root), "a figure with no labels"


@pytest.mark.parametrize("name", FIGURES)
def test_alt_text_is_escaped(name):
    svg = render(name, "en", alt='knobs <b>&</b> "menus"')
    root = parse(svg)
    assert root.get("aria-label") == 'knobs <b>&</b> "menus"'
    assert "<b>" not in svg


@pytest.mark.parametrize("name", FIGURES)
def test_labels_are_translated(name):
    zh, en = texts(parse(render(name, "zh"))), texts(parse(render(name, "en")))
    assert len(zh) == len(en), "both languages carry the same labels"
    assert zh != en
    assert any(re.search(r"[\u4e00-\u9fff]", s) for s in zh), "Chinese labels on the Chinese page"
    assert not any(re.search(r"[\u4e00-\u9fff]", s) for s in en), "no Chinese left on the English page"


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("name", FIGURES)
def test_only_the_site_colours(name, lang):
    root = parse(render(name, lang))
    styles = []
    for el in root.iter():
        if el.tag == SVG + "style":
            styles.append(el.text or "")
        for attr, value in el.attrib.items():
            if attr in COLOUR_PROPS:
                assert value == "none" or VAR_WITH_FALLBACK.fullmatch(value), f"{el.tag} {attr}={value}"
            elif attr == "style":
                styles.append(value)
    css = VAR_WITH_FALLBACK.sub("", "\n".join(styles))
    assert not HEX.search(css), HEX.search(css)
    assert not FUNC.search(css), FUNC.search(css)
    for prop, value in re.findall(r"(?<![-\w])(fill|stroke|color|stop-color)\s*:\s*([^;}]*)", css):
        assert value.strip() in ("", "none", "inherit"), f"{prop}: {value}"


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("name", FIGURES)
def test_small_self_contained_and_readable(name, lang):
    source = (TEMPLATES / "figures" / f"{name}.svg").read_text(encoding="utf-8")
    assert len(source.encode("utf-8")) <= 8 * 1024, "keep each figure under 8 KB"
    svg = render(name, lang)
    assert len(svg.encode("utf-8")) <= 8 * 1024
    root = parse(svg)
    for el in root.iter():
        assert el.tag not in (SVG + "script", SVG + "image", SVG + "foreignObject")
        for attr, value in el.attrib.items():
            if attr.endswith("href"):
                assert value.startswith("#"), "no external references"
    ids = [el.get("id") for el in root.iter() if el.get("id")]
    assert len(ids) == len(set(ids))
    prefix = {"kitchen": "fk-", "line": "fl-", "trace": "ft-", "techniques": "fq-", "growth": "fg-", "scale": "fs-", "wall": "fw-", "loop": "fo-"}[name]
    assert all(i.startswith(prefix) for i in ids), "ids are shared with the page: keep them prefixed"
    css = "".join(el.text or "" for el in root.iter(SVG + "style"))
    assert all(c.startswith(prefix) for c in re.findall(r"\.([a-zA-Z][\w-]*)\s*[{,]", css))
    for size in re.findall(r"font-size\s*:\s*([\d.]+)", css) + [el.get("font-size") for el in root.iter() if el.get("font-size")]:
        assert float(size) >= 13, "no text smaller than 13 units"


def test_kitchen_and_scale_numbers_come_from_the_engine():
    from engine import data, tokenizer
    from engine.model import N_PARAMS

    knobs, menus = f"{N_PARAMS:,}", f"{len(data.load_names()):,}"
    for name in ("kitchen", "scale"):
        for lang in ("zh", "en"):
            words = " ".join(texts(parse(render(name, lang))))
            assert knobs in words and menus in words
    assert str(tokenizer.VOCAB_SIZE) in texts(parse(render("scale", "en")))


def test_menus_on_the_wall_are_real_names():
    names = set(__import__("engine.data", fromlist=["load_names"]).load_names())
    root = parse(render("kitchen", "en"))
    slips = [el.text.strip() for el in root.iter(SVG + "text") if el.get("class", "").endswith("fk-n")]
    assert slips and all(s in names for s in slips)


def test_growth_shows_the_engines_names_and_the_averages_the_chapter_gives():
    from app.model_facts.figures import SMOOTH_WINDOW, SNAPSHOT_TALLY
    from engine.checkpoint import default_log
    from engine.data import known_names
    from engine.train import snapshots

    expected = snapshots(steps=SNAPSHOT_STEPS, n=SNAPSHOT_TALLY, temperature=SNAPSHOT_TEMPERATURE, seed=SNAPSHOT_SEED)
    losses = default_log()
    known = known_names()
    assert SMOOTH_WINDOW == 100  # chapter 6 gives the means of menus 1-100, 401-500 and 901-1000
    for lang in ("zh", "en"):
        root = parse(render("growth", lang))
        shown = [el.text for el in root.iter(SVG + "tspan")]
        assert shown == [name or "·" for rec in expected for name in rec.names[:SNAPSHOT_N]]
        words = " ".join(texts(root))
        assert f"{losses[0]:.2f}" in words                  # menu 1: its own score
        for step in SNAPSHOT_STEPS[1:]:                      # later: the mean of the last hundred
            mean = sum(losses[step - 100 : step]) / 100
            assert f"{mean:.2f}" in words
        for rec in expected:
            assert f"{rec.step:,}" in words
            assert f"{sum(n in known for n in rec.names)}/{SNAPSHOT_TALLY}" in words


def test_the_growth_cards_tell_the_arc_from_bad_to_good():
    """Scores fall and more of the dishes are real names, card after card: the arc the chapter tells."""
    ctx = figure_context("growth", "en")
    scores = [float(s["loss"]) for s in ctx["snapshots"]]
    in_book = [s["in_book"] for s in ctx["snapshots"]]
    assert scores == sorted(scores, reverse=True) and scores[0] > scores[-1]
    assert in_book == sorted(in_book) and in_book[0] < in_book[-1]


def test_the_growth_figure_follows_the_training_log(monkeypatch):
    """Another training log draws another figure: nothing in it is typed."""
    import app.model_facts.figures as figs
    from engine import checkpoint

    before = figs._growth_data()
    flat = [3.0] * 500 + [2.0] * 500
    monkeypatch.setattr(checkpoint, "default_log", lambda: list(flat))
    figs._growth_data.cache_clear()
    try:
        after = figs._growth_data()
        assert [s["loss"] for s in after["snapshots"]] == ["3.00", "3.00", "3.00", "2.00"]
        assert after["points"] != before["points"]
    finally:
        figs._growth_data.cache_clear()


def test_growth_curve_has_one_point_per_plotted_step():
    from engine.checkpoint import default_log

    n = len(default_log())
    root = parse(render("growth", "en"))
    (line,) = list(root.iter(SVG + "polyline"))
    points = [tuple(map(float, p.split(","))) for p in line.get("points").split()]
    assert len(points) == len(curve_steps(n)) == figure_context("growth", "en")["n_points"]
    xs = [x for x, _ in points]
    assert xs == sorted(xs)
    vb = [float(v) for v in root.get("viewBox").split()]
    assert all(0 <= x <= vb[2] and 0 <= y <= vb[3] for x, y in points)
    # the curve goes down: the last 50 menus score better than the first 50
    assert points[-1][1] > points[0][1]


def test_context_is_cached_and_checks_its_arguments():
    assert figure_context("growth", "zh") is figure_context("growth", "zh")
    assert figure_context("techniques", "en") == {}
    with pytest.raises(KeyError):
        figure_context("nope", "en")
    with pytest.raises(KeyError):
        figure_context("line", "fr")
