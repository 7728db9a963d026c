"""What sharing and compression cost the server, in one process, medians.

    KITCHEN_NAMES=../shared/data/names.txt .venv/bin/python bench/reach.py

- bytes of a long chapter and the cover as sent plain, gzip (level 6) and brotli
  (quality 5), and the time to compress each (done once per worker and kept by ETag);
- the time to draw a share card (SVG + resvg PNG), done once per card and kept.
"""

import gzip
import pathlib
import statistics
import sys
import time

_HERE = pathlib.Path(__file__).resolve().parent
ROOT = _HERE.parent
# bench/engine.py is a script, not the engine package
sys.path[:] = [p for p in sys.path if pathlib.Path(p or ".").resolve() != _HERE]
sys.path.insert(0, str(ROOT))

import brotli  # noqa: E402

from app.pages import cards, share, site as site_mod  # noqa: E402


def median_ms(fn, n):
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def main():
    site = site_mod.build()
    print("| page | plain bytes | gzip bytes (ms) | brotli bytes (ms) |")
    print("|---|---|---|---|")
    for lang, slug in (("zh", "chapter-3"), ("en", "chapter-5"), ("zh", "index")):
        body = site.page(lang, slug).body
        gz = gzip.compress(body, 6, mtime=0)
        br = brotli.compress(body, quality=5)
        g_ms = median_ms(lambda: gzip.compress(body, 6, mtime=0), 50)
        b_ms = median_ms(lambda: brotli.compress(body, quality=5), 50)
        print(f"| {lang}/{slug} | {len(body):,} | {len(gz):,} ({g_ms:.2f}) | {len(br):,} ({b_ms:.2f}) |")
    svg, _ = share.card(site, "zh", "chapter-3")
    ms = median_ms(lambda: cards.png(svg), 9)
    print(f"\nshare card zh/chapter-3, SVG to 1200x630 PNG: median {ms:.0f} ms over 9, {len(cards.png(svg)):,} bytes")


if __name__ == "__main__":
    main()
