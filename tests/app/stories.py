"""The fixture story (tests/fixtures) with chapters of a test's own.

Route tests run on a small story so that they do not depend on how far the
real chapters have come. A test module that needs a widget in its home
chapter writes that chapter here, beside the fixture story's own pages.
"""

import contextlib
import pathlib
import shutil

FIXTURES = pathlib.Path(__file__).resolve().parents[1] / "fixtures"


def no_figure_context(name, lang):
    return {}


def story_dir(root, chapters):
    """Copy the fixture story to ``root`` and write ``chapters``: {(lang, slug): Markdown}."""
    content = pathlib.Path(root) / "content"
    shutil.copytree(FIXTURES / "content", content)
    for (lang, slug), text in chapters.items():
        (content / lang / f"{slug}.md").write_text(text, encoding="utf-8")
    return content


def story_site(root, chapters):
    """The site built from the fixture story with ``chapters``."""
    from app.pages import site

    return site.build(story_dir(root, chapters), FIXTURES / "templates", no_figure_context)


@contextlib.contextmanager
def story_client(root, chapters):
    """A test client for the fixture story with ``chapters``."""
    from fastapi.testclient import TestClient

    from app.main import create_app

    with TestClient(create_app(story_site(root, chapters))) as client:
        yield client


def both(slug, text):
    """The same chapter text in both languages: {(lang, slug): text}."""
    return {(lang, slug): text for lang in ("zh", "en")}


def per_language(slug, texts):
    """{lang: text} as {(lang, slug): text}."""
    return {(lang, slug): text for lang, text in texts.items()}
