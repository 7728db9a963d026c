"""How big a page's answer grows with the state it carries, two copies of the site side by side.

    .venv/bin/python bench/page_size.py [--tree before=/tmp/kitchen-before] [--tree after=.]

A tree is a checkout of the project (``git archive main | tar -x -C /tmp/kitchen-before``
gives main's code); each is served by ``python -m app.cli serve --workers 1
--max-header-kb 128`` from its own folder on a free 127.0.0.1 port: the header limit is
raised from its 32 KB so the 60 KB queries reach the app, as they would through a server
or proxy that allows them (plain uvicorn, say).

For each address: the answer's size in its starting state, with a 60 KB query of keys
no widget reads (40 keys of 1,500 letters each) and with 60 KB of keys shaped like
widgets' keys (``w0.k=…``), in bytes as sent uncompressed (``Accept-Encoding:
identity``) and as sent to a browser (``Accept-Encoding: br, gzip``). The fragment
row is the fragment an htmx request gets when the page it is sent from
(``HX-Current-URL``) carries the same 60 KB.
"""

import argparse
import pathlib
import sys
import urllib.error
import urllib.request

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
import abuse  # noqa: E402  (its server from a tree)

JUNK = "&".join(f"k{i}=" + "x" * 1500 for i in range(40))
KEYED = "&".join(f"w{i}.k=" + "y" * 1500 for i in range(40))
ADDRESSES = [
    "/en/chapter/3", "/zh/chapter/3", "/en/chapter/5", "/en/chapter/7", "/en/chapter/8", "/embed/en/next-dish",
]
FRAGMENT = "/en/widget/next-dish?next-dish.prefix=an"


class Server(abuse.Server):
    """``python -m app.cli serve`` from a tree (bench/abuse.py's), its header limit raised."""

    def __init__(self, tree):
        super().__init__(tree, options=("--max-header-kb", "128"))

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    def size(self, path, encoding="identity", headers=None):
        """(status, bytes of the body as sent) for a GET of ``path``."""
        req = urllib.request.Request(self.url(path), headers={"Accept-Encoding": encoding, **(headers or {})})
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                return r.status, len(r.read())
        except urllib.error.HTTPError as exc:
            return exc.code, len(exc.read())


def measure(server):
    rows = {}
    for path in ADDRESSES:
        row = []
        for query in ("", JUNK, KEYED):
            full = path + ("?" + query if query else "")
            status, raw = server.size(full)
            _, wire = server.size(full, "br, gzip")
            row.append((status, raw, wire))
        rows[path] = row
    row = []
    for query in ("", JUNK, KEYED):
        came = server.url("/en/chapter/3") + ("?" + query if query else "")
        headers = {"HX-Request": "true", "HX-Current-URL": came}
        status, raw = server.size(FRAGMENT, headers=headers)
        _, wire = server.size(FRAGMENT, "br, gzip", headers=headers)
        row.append((status, raw, wire))
    rows["fragment " + FRAGMENT] = row
    return rows


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--tree", action="append", metavar="NAME=PATH",
                   help="a checkout to measure (repeatable); default before=/tmp/kitchen-before after=.")
    args = p.parse_args()
    trees = [t.split("=", 1) for t in (args.tree or ["before=/tmp/kitchen-before", f"after={ROOT}"])]
    results = {}
    for name, path in trees:
        server = Server(path)
        try:
            results[name] = measure(server)
        finally:
            server.stop()
    print("bytes uncompressed / as sent with br (status when not 200)")
    print(f"{'address':44} {'tree':8} {'starting state':>18} {'+60 KB query':>24} {'+60 KB widget-like keys':>24}")
    for path in results[trees[0][0]]:
        for name, _ in trees:
            cells = []
            for status, raw, wire in results[name][path]:
                cell = f"{raw:,} / {wire:,}" + ("" if status == 200 else f" ({status})")
                cells.append(cell)
            print(f"{path:44} {name:8} {cells[0]:>18} {cells[1]:>24} {cells[2]:>24}")


if __name__ == "__main__":
    main()
