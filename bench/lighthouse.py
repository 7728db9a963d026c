"""Lighthouse scores for a chapter, the cover and an embed, mobile and desktop.

Run by hand against a running server (Debian's chromium, npm's lighthouse 12):

    KITCHEN_HTMX=local .venv/bin/kitchen serve --port 8123 &
    CHROME_PATH=/usr/bin/chromium .venv/bin/python bench/lighthouse.py http://127.0.0.1:8123 [--runs 3]

``LIGHTHOUSE`` names the lighthouse command (default ``npx --yes lighthouse@12``).
KITCHEN_HTMX=local because the CDN is out of reach on the test machines; the
file served is the same one, checked by the same hash. Prints the median of each
category over the runs, and the largest-contentful-paint, total-blocking-time,
cumulative-layout-shift and bytes transferred of the median performance run.
"""

import argparse
import json
import os
import shlex
import statistics
import subprocess
import tempfile

PAGES = ["/zh/chapter/3", "/en/", "/embed/en/temperature"]
CATEGORIES = ["performance", "accessibility", "best-practices", "seo"]


def run(lighthouse, url, desktop):
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "report.json")
        cmd = lighthouse + [url, "--output=json", f"--output-path={out}", "--quiet",
                            "--chrome-flags=--headless=new --no-sandbox"]
        if desktop:
            cmd.append("--preset=desktop")
        subprocess.run(cmd, check=True, env={**os.environ, "CHROME_PATH": os.environ.get("CHROME_PATH", "/usr/bin/chromium")})
        with open(out, encoding="utf-8") as f:
            report = json.load(f)
    scores = {c: round(report["categories"][c]["score"] * 100) for c in CATEGORIES}
    audits = report["audits"]
    detail = {
        "lcp_ms": round(audits["largest-contentful-paint"]["numericValue"]),
        "tbt_ms": round(audits["total-blocking-time"]["numericValue"]),
        "cls": round(audits["cumulative-layout-shift"]["numericValue"], 3),
        "kib": round(audits["total-byte-weight"]["numericValue"] / 1024),
    }
    return scores, detail


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("base")
    ap.add_argument("--runs", type=int, default=1)
    args = ap.parse_args()
    lighthouse = shlex.split(os.environ.get("LIGHTHOUSE", "npx --yes lighthouse@12"))
    print("| page | form | performance | accessibility | best practices | SEO | LCP ms | TBT ms | CLS | KiB |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for path in PAGES:
        for desktop in (False, True):
            results = [run(lighthouse, args.base + path, desktop) for _ in range(args.runs)]
            med = {c: statistics.median(r[0][c] for r in results) for c in CATEGORIES}
            perf_sorted = sorted(results, key=lambda r: r[0]["performance"])
            d = perf_sorted[len(perf_sorted) // 2][1]
            print(f"| `{path}` | {'desktop' if desktop else 'mobile'} | {med['performance']:g} | {med['accessibility']:g} "
                  f"| {med['best-practices']:g} | {med['seo']:g} | {d['lcp_ms']} | {d['tbt_ms']} | {d['cls']} | {d['kib']} |",
                  flush=True)


if __name__ == "__main__":
    main()
