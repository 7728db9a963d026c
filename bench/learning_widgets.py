"""Speed of chapter 6's practice kitchen and chapter 8's three-star kitchen, run by hand
(not part of the tests):

    KITCHEN_NAMES=../shared/data/names.txt .venv/bin/python bench/learning_widgets.py

It builds the fixture story plus a chapter 6 and a chapter 8 holding the two
widgets, then measures in one process, through the ASGI app (no socket):
1. the fragment ``/{lang}/widget/<name>?…`` for states already computed once
   (a link someone has opened before): median wall time and median CPU time
   (the process's own, which other programs on a busy machine don't inflate);
2. the first computation of each kind of state (a real training run, a new
   recipe book, the judges), in wall and CPU time;
3. how long ``/api/train`` takes to deliver the 1,000 steps of the reference
   run at the default pace (500 steps a second) and unpaced.
"""

import os
import pathlib
import shutil
import statistics
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
_HERE = pathlib.Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if pathlib.Path(p or ".").resolve() != _HERE]  # bench/engine.py
# every request is computed: a worker's store of answers would time a lookup instead
os.environ["KITCHEN_ANSWER_CACHE_MB"] = "0"
sys.path.insert(0, str(ROOT))

FIXTURES = ROOT / "tests" / "fixtures"
CHAPTER = "---\ntitle: T\nsummary: S\n---\n\n## S\n\nText.\n\n::: widget {name}\n\n::: summary\nOne.\n:::\n"


def build_client():
    from fastapi.testclient import TestClient

    from app.pages import site
    from app.main import create_app

    tmp = pathlib.Path(tempfile.mkdtemp())
    shutil.copytree(FIXTURES / "content", tmp / "content")
    for lang in ("zh", "en"):
        (tmp / "content" / lang / "chapter-6.md").write_text(CHAPTER.format(name="practice"), encoding="utf-8")
        (tmp / "content" / lang / "chapter-8.md").write_text(CHAPTER.format(name="michelin"), encoding="utf-8")
    return TestClient(create_app(site.build(tmp / "content", FIXTURES / "templates", lambda n, l: {})))


def timed(client, url):
    w, c = time.perf_counter(), time.process_time()
    r = client.get(url)
    assert r.status_code == 200, (url, r.status_code)
    return (time.perf_counter() - w) * 1000, (time.process_time() - c) * 1000, len(r.content)


def main():
    client = build_client()
    print("1. fragments for states computed once before (median of 50)")
    for url in (
        "/en/widget/practice",
        "/zh/widget/practice?go=1",
        "/en/widget/practice?go=1&opt=both&steps=2000",
        "/en/widget/michelin",
        "/zh/widget/michelin?judge=vowel",
        "/en/widget/michelin?book=list&names=emma,olivia&picks=abababab",
    ):
        client.get(url)
        runs = [timed(client, url) for _ in range(50)]
        wall = statistics.median(r[0] for r in runs)
        cpu = statistics.median(r[1] for r in runs)
        print(f"   {wall:6.2f} ms wall  {cpu:6.2f} ms CPU  {runs[0][2] / 1024:5.1f} KB  {url}")
    print("2. first computation of a state")
    for url in (
        "/en/widget/practice?go=1&seed=777",
        "/en/widget/practice?go=1&opt=both&steps=2000&seed=778",
        "/en/widget/michelin?book=start&letter=k&sft_steps=200",
        "/en/widget/michelin?judge=short&jseed=11",
        "/en/widget/michelin?judge=short&jseed=12&rounds=60",
    ):
        wall, cpu, _ = timed(client, url)
        print(f"   {wall:6.0f} ms wall  {cpu:6.0f} ms CPU  {url}")
    print("3. /api/train, the reference run's 1,000 steps")
    from app.api import streams

    for pace in (streams.STATS.pace, 0):
        saved, streams.STATS.pace = streams.STATS.pace, pace
        wall, cpu, size = timed(client, "/api/train?steps=1000&lr=0.01&seed=42&optimizer=adam")
        streams.STATS.pace = saved
        print(f"   pace {pace or 'none':>4}: {wall / 1000:5.2f} s wall  {cpu / 1000:5.2f} s CPU  {size / 1024:.0f} KB")


if __name__ == "__main__":
    main()
