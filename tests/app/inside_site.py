"""A small story for the widgets inside the kitchen line (chapters 3, 4 and 7).

The shared fixture story (tests/fixtures) plus a chapter 3 holding the
sous-chefs, the prep room and two next-dish votes, and a chapter 4 holding the
scorecard. Chapter 7 of the fixture story already holds the notebook.
"""

import functools
import tempfile

from tests.app.stories import story_site

CHAPTER_3 = """---
title: {title}
summary: {summary}
---

## The line

::: widget sous-chefs

::: widget prep-room

::: widget next-dish

::: widget next-dish prefix=ann t=0.5

::: summary
{one}
:::
"""

CHAPTER_4 = """---
title: {title}
summary: {summary}
---

## The score

::: widget scorecard

::: summary
{one}
:::
"""

TEXT = {
    ("zh", 3): ("流水线", "下一道上什么。", "一句话：流水线。"),
    ("en", 3): ("The line", "What comes next.", "In one sentence: the line."),
    ("zh", 4): ("评分", "食客打分。", "一句话：评分。"),
    ("en", 4): ("The score", "The diners score.", "In one sentence: the score."),
}


@functools.lru_cache(maxsize=1)
def client():
    from fastapi.testclient import TestClient

    from app.main import create_app

    chapters = {
        (lang, f"chapter-{n}"): (CHAPTER_3 if n == 3 else CHAPTER_4).format(title=title, summary=summary, one=one)
        for (lang, n), (title, summary, one) in TEXT.items()
    }
    return TestClient(create_app(story_site(tempfile.mkdtemp(prefix="inside-story-"), chapters)))
