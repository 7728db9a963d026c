"""The site says what it said: every answer of `tests/answers.py` (each widget's
fragment, embed page and JSON twin in several states, both languages, every page,
the JSON API, oEmbed) against the record in tests/fixtures/answers.json."""

import json

from app.model_facts import facts
from tests import answers


def test_every_answer_is_the_one_recorded(monkeypatch):
    # the training times the story quotes, as recorded: the facts are built once per process,
    # so built again here with them (and again afterwards by whoever asks next)
    monkeypatch.setenv("KITCHEN_TRAIN_SECONDS", answers.TRAIN_SECONDS)
    recorded = json.loads(answers.RECORD.read_text(encoding="utf-8"))
    facts.build.cache_clear()
    try:
        with answers.client() as client:
            now = answers.digests(client)
    finally:
        facts.build.cache_clear()
    changed = sorted(a for a in recorded.keys() | now.keys() if recorded.get(a) != now.get(a))
    assert not changed, (
        f"{len(changed)} of {len(recorded)} answers differ from the record, e.g. {changed[:8]}. "
        "See how with bench/snapshot.py save (before and after) and compare; if the change is "
        "deliberate, record it (python -m tests.answers record) and say why in the commit.")


def test_what_the_site_does_not_say_is_left_out_and_the_rest_is_not():
    page = b'<time datetime="2026-12-06T03:59:09+00:00">x</time><link href="/static/css/kitchen.css?v=0123456789">'
    other = page.replace(b"03:59:09", b"04:00:00").replace(b"0123456789", b"abcdefabcd")
    assert answers.said(page) == answers.said(other)
    assert answers.said(b"Xiao Ming&#39;s") == answers.said(b"Xiao Ming's")
    assert answers.said(b"<li>emma</li>") != answers.said(b"<li>emmy</li>")
    assert answers.said(b"0.28986130432220264") != answers.said(b"0.28986130432220265")
