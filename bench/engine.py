"""Engine speed, run by hand (not part of the tests):

    KITCHEN_NAMES=../shared/data/names.txt .venv/bin/python bench/engine.py

Measures, as medians over repeated runs in one process:
- the 1,000-step reference training run (target: at most 0.4 s);
- the speed-up per training step over the project's scalar-autograd model;
- 20 names at temperature 0.5 (target: at most 2 ms);
- a full inspection of a 7-letter name (target: at most 2 ms).
"""

import argparse
import itertools
import pathlib
import statistics
import sys
import time

# this file is named engine.py: keep its folder off the path so "engine" is the package
_HERE = pathlib.Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if pathlib.Path(p or ".").resolve() != _HERE]

from engine import checkpoint, inspect, reference, sample, train  # noqa: E402
from engine.tokenizer import encode  # noqa: E402


def median_time(fn, repeats):
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--train-repeats", type=int, default=7)
    ap.add_argument("--scalar-steps", type=int, default=3)
    args = ap.parse_args(argv)

    docs, start, _ = train.reference_start()
    params = checkpoint.default_params()
    rows = []

    def run_training():
        for _ in train.train(start.copy(), docs, steps=1000):
            pass

    t_train = median_time(run_training, args.train_repeats)
    rows.append(("1,000 reference training steps", f"{t_train:.3f} s", "<= 0.4 s"))

    token_lists = [encode(d) for d in docs[: args.scalar_steps]]
    sd = reference.to_values(start)
    t = time.perf_counter()
    for _ in reference.train(sd, token_lists, steps=args.scalar_steps):
        pass
    scalar_step = (time.perf_counter() - t) / args.scalar_steps

    def run_same_steps():  # the numpy engine on the very same names, so their lengths match
        for _ in train.train(start.copy(), docs[: args.scalar_steps], steps=args.scalar_steps):
            pass

    numpy_step = median_time(run_same_steps, 200) / args.scalar_steps
    rows.append(("scalar-autograd step (same model)", f"{scalar_step * 1000:.0f} ms", ""))
    rows.append(("numpy step (same names)", f"{numpy_step * 1e6:.0f} us", ""))
    rows.append(("speed-up per step", f"{scalar_step / numpy_step:,.0f}x", ""))

    sample.sample(params, n=20, temperature=0.5, seed=0)  # load the name set once
    seeds = iter(range(10**6))
    t_sample = median_time(lambda: sample.sample(params, n=20, temperature=0.5, seed=next(seeds)), 300)
    rows.append(("20 names at temperature 0.5", f"{t_sample * 1000:.2f} ms", "<= 2 ms"))

    t_inspect = median_time(lambda: inspect.inspect(params, "jessica"), 1000)
    rows.append(("full inspection of 'jessica'", f"{t_inspect * 1000:.2f} ms", "<= 2 ms"))
    t_grad = median_time(lambda: inspect.gradient(params, "jessica"), 1000)
    rows.append(("gradient of all knobs for 'jessica'", f"{t_grad * 1000:.2f} ms", ""))

    width = max(len(r[0]) for r in rows)
    print(f"{'measure':<{width}}  {'median':>10}  target")
    for name, value, target in rows:
        print(f"{name:<{width}}  {value:>10}  {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
