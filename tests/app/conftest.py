"""Route tests run against a small fixture story (tests/fixtures), so they do
not depend on how far the real chapters have come; tests/content checks those."""

import pytest
from fastapi.testclient import TestClient

from tests.app.stories import FIXTURES, no_figure_context, per_language, story_client


@pytest.fixture(scope="session")
def fixture_site():
    from app.pages import site

    return site.build(FIXTURES / "content", FIXTURES / "templates", no_figure_context)


@pytest.fixture(scope="session")
def client(fixture_site):
    from app.main import create_app

    with TestClient(create_app(fixture_site)) as c:
        yield c


CHAPTER_5 = {
    "zh": "---\ntitle: 追源\nsummary: 从盘子追回旋钮墙。\n---\n\n## 追源\n\n一步一步追。\n\n::: widget trace-back\n\n"
          "## 墙\n\n整面墙。\n\n::: widget knob-wall\n\n::: summary\n一句话：追回去。\n:::\n",
    "en": "---\ntitle: Tracing back\nsummary: From the plate back to the wall.\n---\n\n## Tracing\n\nStep by step.\n\n"
          "::: widget trace-back\n\n## The wall\n\nThe whole wall.\n\n::: widget knob-wall\n\n::: summary\n"
          "In one sentence: trace it back.\n:::\n",
}


@pytest.fixture(scope="session")
def ch5(tmp_path_factory):
    """A client for the fixture story plus a chapter 5 that holds trace-back and knob-wall."""
    with story_client(tmp_path_factory.mktemp("story-ch5"), per_language("chapter-5", CHAPTER_5)) as c:
        yield c
