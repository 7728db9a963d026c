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
only) and exits 1 if there is any. An apostrophe written as ``&#39;`` or as
itself is the same text (a message from the catalogs keeps its own ``'``).
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
# the training times the story quotes are measured at start-up; fixed here, so that two
# snapshots differ only where the code does
os.environ.setdefault("KITCHEN_TRAIN_SECONDS", "0.5,1200")

# a few states of each widget besides its start, bad ones included
STATES = {
    "recipe-book": ["q=emma", "q=zzzq&page=3&by=last", "page=2671&by=first", "page=0"],
    "tokenizer": ["text=Zoë", "text=abc"],
    "flavor-cards": ["c=e&vs=a", "c=bell&vs=bell", "c=q&vs=x", "c=%"],
    "sous-chefs": ["name=isabella&pos=5"],
    "prep-room": ["name=zoe&pos=1"],
    "next-dish": ["prefix=&t=0", "prefix=k&t=2.5"],
    "scorecard": ["name=xqz"],
    "trace-back": ["step=3", "step=6&name=olivia&station=wpe&row=2&col=5", "station=attn_wq&row=7&col=3",
                   "station=attn_wv&row=9&col=2", "station=mlp_fc1&row=30&col=4", "station=wte&row=1&col=7&name=anna",
                   "station=lm_head&row=27&col=16", "station=attn_wo", "station=attn_wk&row=16&col=16",
                   "station=mlp_fc2&row=1&col=64", "row=99"],
    "knob-wall": ["view=influence&knob=5", "knob=5&set=1.5", "station=mlp_fc1&view=influence"],
    "practice": ["go=1", "go=1&opt=both&steps=120&lr=0.05&seed=3", "go=1&lr=1&opt=sgd&steps=300",
                 "go=1&lr=0.9&steps=200&opt=adam"],
    "temperature": ["t=0&n=5&seed=9", "t=2"],
    "notebook": ["menu=em&t=1&seed=3"],
    "michelin": ["book=start&letter=k&sft_steps=30", "book=list&names=bob,amy&sft_steps=20", "picks=abab",
                 "picks=abababab&rounds=8", "judge=short&rounds=6", "judge=vowel&rounds=6&jseed=5", "book=a&letter=%21"],
}
API = ["/api/model", "/api/sample", "/api/sample?n=3&temperature=0&seed=5&prefix=ka", "/api/knobs?name=anna",
       "/api/knobs?name=anna&knob=7&set=0.3", "/api/backprop-example", "/api/tokenize?text=Emma",
       "/api/attention?name=bob", "/api/next?prefix=em&temperature=0.7", "/api/sample?temperature=99",
       "/oembed?url=http://testserver/embed/en/temperature%3Ft%3D1&format=json"]
PAGES = ["/zh/", "/en/", "/zh/ending", "/en/ending", "/zh/thread", "/en/thread",
         "/en/chapter/6?practice.go=1&practice.steps=50", "/zh/chapter/8?michelin.judge=short&michelin.rounds=6",
         "/en/chapter/5?trace-back.step=4&knob-wall.view=influence"]


def addresses():
    from app import widgets

    out = []
    for name in widgets.BUILT:
        for query in [""] + STATES.get(name, []):
            for lang in ("zh", "en"):
                out += [f"/{lang}/widget/{name}?{query}", f"/embed/{lang}/{name}?{query}",
                        f"/api/widget/{name}?{query}&lang={lang}"]
    out += [f"/{lang}/chapter/{n}" for lang in ("zh", "en") for n in range(1, 9)]
    return out + PAGES + API


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


def same_text(body):
    return body.replace(b"&#39;", b"'")


def compare(a, b):
    a, b = pathlib.Path(a), pathlib.Path(b)
    names = sorted({p.name for p in a.glob("*.txt")} | {p.name for p in b.glob("*.txt")})
    differ = 0
    for name in names:
        pa, pb = a / name, b / name
        if not pa.exists() or not pb.exists():
            print("only in", a if pa.exists() else b, ":", (pa if pa.exists() else pb).read_text().split("\n", 1)[0])
            differ += 1
        elif same_text(pa.read_bytes()) != same_text(pb.read_bytes()):
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
