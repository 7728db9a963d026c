"""Fragment speed of the chapter 1-2 widgets, run by hand (not part of the tests):

    KITCHEN_NAMES=../shared/data/names.txt .venv/bin/python bench/widgets_ch1_ch2.py

For a 7-letter name, the median time to answer ``/{lang}/widget/<name>?...``
(target: at most 10 ms), measured two ways in one process: server side, the
whole route inside the ASGI app (routing, parse, engine call, template,
response; the test client's own transport is outside the clock), and the
partial alone (parse, engine call, template) as the route calls it.
"""

import argparse
import os
import pathlib
import statistics
import sys
import time

_HERE = pathlib.Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if pathlib.Path(p or ".").resolve() != _HERE]
# every request is computed: a worker's store of answers would time a lookup instead
os.environ["KITCHEN_ANSWER_CACHE_MB"] = "0"

from fastapi.testclient import TestClient  # noqa: E402

from app import widgets  # noqa: E402
from app.main import create_app  # noqa: E402
from app.pages import site
from app.widgets import view  # noqa: E402

ROOT = _HERE.parent
FIXTURES = ROOT / "tests" / "fixtures"

CASES = [
    ("recipe-book", {"q": "abigail", "page": "1234", "by": "last"}),
    ("tokenizer", {"text": "Abigail"}),
    ("flavor-cards", {"c": "a", "vs": "e"}),
]


class Timed:
    """The app, with a clock around each request it serves."""

    def __init__(self, app):
        self.app = app
        self.last = None

    async def __call__(self, scope, receive, send):
        t = time.perf_counter()
        await self.app(scope, receive, send)
        self.last = time.perf_counter() - t


def median_ms(fn, repeats):
    fn()  # warm caches (the names, the model)
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return 1000 * statistics.median(times)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=200)
    args = ap.parse_args()
    built = site.build(FIXTURES / "content", FIXTURES / "templates", lambda name, lang: {})
    timed = Timed(create_app(built))
    client = TestClient(timed)
    for name, query in CASES:
        widget = widgets.get(name)
        for lang in ("zh", "en"):
            r = client.get(f"/{lang}/widget/{name}", params=query)
            assert r.status_code == 200, (name, r.status_code)
            served = []
            for _ in range(args.repeats + 1):
                client.get(f"/{lang}/widget/{name}", params=query)
                served.append(timed.last)
            route = 1000 * statistics.median(served[1:])
            inst = view.Instance(widget, name)
            pairs = list(query.items())
            partial = median_ms(lambda: view.render(inst, lang, pairs, action="/x"), args.repeats)
            verdict = "ok" if route <= 10 else "SLOW"
            print(f"{name:13s} {lang}  route {route:6.2f} ms   partial {partial:6.2f} ms   "
                  f"{len(r.content):6d} bytes  {verdict}")


if __name__ == "__main__":
    main()
