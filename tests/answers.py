"""Every answer the site gives, as a record: what `tests/app/test_same_answers.py`
compares the site with, and what `bench/snapshot.py` writes out to compare two
versions of the code by eye.

The record (`tests/fixtures/answers.json`) holds, per address, the status and a
digest of the body. A change of code that should not change what the site says
keeps every digest; a deliberate change of words, numbers or markup changes some,
and is recorded, with the reason in its commit:

    KITCHEN_NAMES=../shared/data/names.txt .venv/bin/python -m tests.answers record

To see how an answer changed, save the answers before and after with
`bench/snapshot.py save` and compare them (`bench/snapshot.py compare`).
"""

import hashlib
import json
import os
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
RECORD = ROOT / "tests" / "fixtures" / "answers.json"
# the training times the story quotes are measured at start-up; fixed here, so that the
# answers differ only where the code does
TRAIN_SECONDS = "0.5,1200"

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



# what is not what the site says: when a file was last committed (the pages' dates,
# from git) and the content hash in a static file's address
NOT_SAID = [(re.compile(rb"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:[+-]\d{2}:\d{2}|Z)"), b"<date>"),
            (re.compile(rb"\?v=[0-9a-f]{10}\b"), b"?v=<hash>"),
            (re.compile(rb"&#39;"), b"'")]


def said(body):
    """The body with what the site does not say made the same."""
    for pattern, same in NOT_SAID:
        body = pattern.sub(same, body)
    return body


def answers(client):
    """(address, status, body) for every address, from a client of the app."""
    for address in addresses():
        r = client.get(address)
        yield address, r.status_code, r.content


def digests(client):
    return {address: [status, hashlib.sha256(said(body)).hexdigest()[:20]] for address, status, body in answers(client)}


def client():
    """A client of the app with the store of answers off (the training times fixed first:
    KITCHEN_TRAIN_SECONDS=TRAIN_SECONDS)."""
    from fastapi.testclient import TestClient

    from app.main import create_app

    return TestClient(create_app(answer_bytes=0))


def record():
    os.environ["KITCHEN_TRAIN_SECONDS"] = TRAIN_SECONDS
    with client() as c:
        found = digests(c)
    lines = [f"{json.dumps(a, ensure_ascii=False)}: {json.dumps(found[a])}" for a in sorted(found)]
    RECORD.write_text("{\n" + ",\n".join(lines) + "\n}\n", encoding="utf-8")
    print(f"{len(found)} answers recorded in {RECORD.relative_to(ROOT)}")


if __name__ == "__main__":
    if sys.argv[1:] != ["record"]:
        sys.exit("usage: python -m tests.answers record")
    record()
