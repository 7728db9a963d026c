"""Every answer the site gives, written to a folder, to compare two versions of the code.

Renders each widget's fragment and embed page in its starting state and a few
others, in both languages, every page, the JSON API and oEmbed, with the store
of answers off, and writes one file per address (the address, the status and
the body). Run it on the code before a change and after, then compare:

    KITCHEN_NAMES=../shared/data/names.txt .venv/bin/python bench/snapshot.py save /tmp/before
    ... change the code ...
    KITCHEN_NAMES=../shared/data/names.txt .venv/bin/python bench/snapshot.py save /tmp/after
    .venv/bin/python bench/snapshot.py compare /tmp/before /tmp/after

``compare`` lists the addresses whose answers differ (or exist on one side
only) and exits 1 if there is any. What the site does not say is left out of
the comparison (``tests/answers.py``, ``said``): an apostrophe written as
``&#39;`` or as itself, the pages' commit dates, a static file's content hash.
The addresses are the ones the test of recorded answers reads
(``tests/answers.py``, ``tests/app/test_same_answers.py``).
"""

import argparse
import hashlib
import os
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SHARED_NAMES = ROOT.parent / "shared" / "data" / "names.txt"
if not os.environ.get("KITCHEN_NAMES") and SHARED_NAMES.exists():
    os.environ["KITCHEN_NAMES"] = str(SHARED_NAMES)
from tests.answers import TRAIN_SECONDS, addresses, said  # noqa: E402  the one list of addresses

os.environ.setdefault("KITCHEN_TRAIN_SECONDS", TRAIN_SECONDS)


def file_name(address):
    readable = "".join(c if c.isalnum() else "_" for c in address)[:80]
    return hashlib.sha1(address.encode()).hexdigest()[:10] + "_" + readable + ".txt"


def save(folder):
    from fastapi.testclient import TestClient

    from app.main import create_app

    folder = pathlib.Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    with TestClient(create_app(answer_bytes=0)) as client:
        found = addresses()
        for address in found:
            r = client.get(address)
            (folder / file_name(address)).write_text(f"{address}\n{r.status_code}\n{r.text}", encoding="utf-8")
    print(f"{len(found)} answers in {folder}")


def compare(a, b):
    a, b = pathlib.Path(a), pathlib.Path(b)
    names = sorted({p.name for p in a.glob("*.txt")} | {p.name for p in b.glob("*.txt")})
    differ = 0
    for name in names:
        pa, pb = a / name, b / name
        if not pa.exists() or not pb.exists():
            print("only in", a if pa.exists() else b, ":", (pa if pa.exists() else pb).read_text().split("\n", 1)[0])
            differ += 1
        elif said(pa.read_bytes()) != said(pb.read_bytes()):
            print("differs:", pa.read_text().split("\n", 1)[0])
            differ += 1
    print(f"{differ} of {len(names)} answers differ")
    return 1 if differ else 0


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    sub = p.add_subparsers(dest="command", required=True)
    sub.add_parser("save").add_argument("folder")
    c = sub.add_parser("compare")
    c.add_argument("a")
    c.add_argument("b")
    args = p.parse_args()
    if args.command == "save":
        save(args.folder)
    else:
        sys.exit(compare(args.a, args.b))


if __name__ == "__main__":
    main()
