"""CPU of one dial call, two copies of the engine side by side in one run.

    .venv/bin/python bench/dial_sample.py [--tree before=/tmp/kitchen-before] [--tree after=.]
                                          [--rounds 20] [--calls 200]

A tree is a checkout of the project (``git archive main | tar -x -C /tmp/kitchen-before``
gives main's code). Each tree's engine runs in a process of its own (both are the package
``engine``); the processes take turns, round after round (the first to go alternates), so
a busy moment on the shared cores falls on both. In a round a process makes ``--calls``
calls as the temperature dial does, ``sample(default_params(), n=10, temperature=t,
seed=s)`` with t drawn from 0..2 and s from 0..2**32 (the same draws in every tree), and
times each with ``time.process_time()`` (CPU, not wall time). Before the rounds each
process makes 200 calls of its own (the name set is read, tables are made).

Printed: per tree the median CPU per call over all rounds, and the ratio of each tree to
the first, overall and as the median, lowest and highest of the rounds' ratios.
"""

import argparse
import json
import pathlib
import statistics
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
SHARED_NAMES = ROOT.parent / "shared" / "data" / "names.txt"


def worker(tree):
    import os
    import random
    import time

    sys.path[:] = [tree] + [p for p in sys.path if pathlib.Path(p or ".").resolve() != pathlib.Path(__file__).parent]
    if not os.environ.get("KITCHEN_NAMES") and SHARED_NAMES.exists():
        os.environ["KITCHEN_NAMES"] = str(SHARED_NAMES)
    import engine
    from engine.checkpoint import default_params
    from engine.sample import sample

    assert pathlib.Path(engine.__file__).resolve().parents[1] == pathlib.Path(tree).resolve(), engine.__file__
    params = default_params()
    warm = random.Random(7)
    for _ in range(200):
        sample(params, n=10, temperature=warm.uniform(0, 2), seed=warm.randrange(2**32))
    draws = random.Random(11)
    print("ready", flush=True)
    for line in sys.stdin:
        times = []
        for _ in range(int(line)):
            t, s = draws.uniform(0, 2), draws.randrange(2**32)
            start = time.process_time()
            sample(params, n=10, temperature=t, seed=s)
            times.append(time.process_time() - start)
        print(json.dumps(times), flush=True)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tree", action="append", metavar="NAME=PATH",
                    help="a copy of the project (default: before=/tmp/kitchen-before, after=this tree)")
    ap.add_argument("--rounds", type=int, default=20)
    ap.add_argument("--calls", type=int, default=200, help="calls per tree per round")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        return worker(args.worker)
    trees = [t.split("=", 1) for t in (args.tree or ["before=/tmp/kitchen-before", f"after={ROOT}"])]
    procs = {}
    try:
        for name, path in trees:
            procs[name] = subprocess.Popen([sys.executable, __file__, "--worker", str(pathlib.Path(path).resolve())],
                                           stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
            if procs[name].stdout.readline().strip() != "ready":
                raise SystemExit(f"{name}: the engine at {path} did not start")
        times = {name: [] for name, _ in trees}
        rounds = {name: [] for name, _ in trees}
        for r in range(args.rounds):
            order = trees if r % 2 == 0 else trees[::-1]
            for name, _ in order:
                procs[name].stdin.write(f"{args.calls}\n")
                procs[name].stdin.flush()
                got = json.loads(procs[name].stdout.readline())
                times[name] += got
                rounds[name].append(statistics.median(got))
    finally:
        for p in procs.values():
            if p.stdin:
                p.stdin.close()
            p.wait(timeout=30)
    first = trees[0][0]
    base = statistics.median(times[first])
    print(f"sample(n=10, t in 0..2, random seed): {args.rounds} rounds x {args.calls} calls per tree, in turn")
    for name, path in trees:
        med = statistics.median(times[name])
        ratios = [b / a for a, b in zip(rounds[first], rounds[name])]
        print(f"{name:8} {med * 1e3:7.3f} ms CPU per call (median)   {name}/{first} {med / base:.3f}   "
              f"rounds: median {statistics.median(ratios):.3f}, {min(ratios):.3f}-{max(ratios):.3f}   ({path})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
