"""The ``kitchen`` command: serve the site, train the apprentice, sample names.

    kitchen serve  [--host 127.0.0.1] [--port 8000] [--workers N] [limits: see --help]
    kitchen train  [--steps 1000] [--seed 42] [--lr 0.01] [--optimizer adam|sgd]
                   [--out PATH.npz] [--loss-log FILE] [--names FILE] [--init PATH.npz]
    kitchen sample [-n 20] [--temperature 0.5] [--seed S] [--prefix P] [--checkpoint PATH.npz]
                   [--top-k K] [--top-p P] [--min-p M]

With its defaults ``kitchen train`` replays the reference run and ends by
printing the same 20 names at temperature 0.5.
"""

import argparse
import sys
import time


def _progress(done, total, loss, start, stream):
    width = 30
    filled = int(width * done / total)
    rate = done / max(time.perf_counter() - start, 1e-9)
    bar = "#" * filled + "-" * (width - filled)
    stream.write(f"\rtraining [{bar}] {done}/{total}  loss {loss:.4f}  {rate:,.0f} steps/s")
    if done == total:
        stream.write("\n")
    stream.flush()


def _names_from(path):
    from engine.data import DataError, parse_names

    try:
        text = open(path, encoding="utf-8").read()
    except OSError as exc:
        raise ValueError(f"cannot read {path}: {exc.strerror}") from None
    try:
        return parse_names(text, path)
    except DataError as exc:
        raise ValueError(str(exc)) from None


def cmd_train(args):
    from engine import checkpoint, sample, train

    names = _names_from(args.names) if args.names else None
    docs, params, rng = train.reference_start(args.seed, names)
    if args.init:
        params = checkpoint.load(args.init).copy()
    records = []
    start = time.perf_counter()
    every = max(1, args.steps // 200)
    show = sys.stderr.isatty() or args.progress
    for rec in train.train(params, docs, steps=args.steps, lr=args.lr, optimizer=args.optimizer):
        records.append(rec)
        if show and (rec.step % every == 0 or rec.step == args.steps):
            _progress(rec.step, args.steps, rec.loss, start, sys.stderr)
    elapsed = time.perf_counter() - start
    print(f"trained {args.steps} steps in {elapsed:.2f} s; final loss {records[-1].loss:.4f}", file=sys.stderr)
    if args.out:
        checkpoint.save(params, args.out)
        print(f"wrote {args.out}", file=sys.stderr)
    if args.loss_log:
        checkpoint.write_log(records, args.loss_log)
        print(f"wrote {args.loss_log}", file=sys.stderr)
    for name in sample.sample_reference(params, rng, n=20, temperature=0.5):
        print(name)


def cmd_sample(args):
    from engine import checkpoint, sample

    params = checkpoint.load(args.checkpoint) if args.checkpoint else checkpoint.default_params()
    seed = args.seed if args.seed is not None else int.from_bytes(__import__("os").urandom(4), "big")
    result = sample.sample(params, n=args.n, temperature=args.temperature, seed=seed, prefix=args.prefix,
                           top_k=args.top_k, top_p=args.top_p, min_p=args.min_p)
    for name, invented in zip(result.names, result.invented):
        print(f"{name}\t{'invented' if invented else 'in the book'}" if args.mark else name)


# `kitchen serve` options that are settings of each worker: (option, variable)
SERVE_SETTINGS = (
    ("max_header_kb", "KITCHEN_MAX_HEADER_KB"),
    ("header_timeout", "KITCHEN_HEADER_TIMEOUT"),
    ("keep_alive", "KITCHEN_KEEP_ALIVE"),
    ("max_connections", "KITCHEN_MAX_CONNECTIONS"),
    ("heavy_at_once", "KITCHEN_HEAVY_AT_ONCE"),
    ("heavy_queue", "KITCHEN_HEAVY_QUEUE"),
    ("heavy_wait", "KITCHEN_HEAVY_WAIT"),
)


def cmd_serve(args):
    """Every setting is checked before the port is bound; the workers read the same.

    The checks and the one measurement of training run in a child process
    (``python -m app.startup``): this process then only supervises the workers, and
    stays as small as uvicorn alone (it imports neither the model nor the site)."""
    import os
    import resource
    import subprocess

    import uvicorn

    from app.web import settings

    for option, name in SERVE_SETTINGS:
        value = getattr(args, option)
        if value is not None:
            os.environ[name] = value   # the workers (other processes) read it from here
    checked = subprocess.run([sys.executable, "-m", "app.startup"], capture_output=True, text=True)
    if checked.returncode != 0:
        said = checked.stderr.strip().splitlines()
        raise ValueError(said[-1] if said else f"the settings check stopped (exit {checked.returncode})")
    # the story says how long training takes: measured once, so every worker says the same
    os.environ[settings.TRAIN_SECONDS_ENV] = checked.stdout.strip()
    limits = settings.Limits()
    # room for the connections each worker may hold, its files and the training helper's pipes
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = limits.connections + 256
    if soft != resource.RLIM_INFINITY and soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want if hard == resource.RLIM_INFINITY else min(want, hard), hard))
    uvicorn.run("app.main:app", host=args.host, port=args.port, workers=args.workers,
                log_level=args.log_level, proxy_headers=True,
                http="app.web.server:BoundedHttpTools", timeout_keep_alive=limits.keep_alive)


def build_parser(serve_only=False):
    """The ``kitchen`` command's options. ``serve_only``: just ``serve``'s, which import
    nothing of the model (the other commands' defaults come from the engine)."""
    p = argparse.ArgumentParser(prog="kitchen", description="The Apprentice's Kitchen: a live microGPT, told as a kitchen.")
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("serve", help="serve the site")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=8000)
    s.add_argument("--workers", type=int, default=1)
    s.add_argument("--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"])
    g = s.add_argument_group("limits per worker (each also a KITCHEN_* variable; the option wins)")
    g.add_argument("--max-header-kb", metavar="KB",
                   help="request line and headers together, at most (431 beyond; KITCHEN_MAX_HEADER_KB, default 32)")
    g.add_argument("--header-timeout", metavar="S",
                   help="seconds from a request's first byte to the end of its headers (408 beyond; "
                        "KITCHEN_HEADER_TIMEOUT, default 10)")
    g.add_argument("--keep-alive", metavar="S",
                   help="seconds an idle connection stays open, a new one included (KITCHEN_KEEP_ALIVE, default 5)")
    g.add_argument("--max-connections", metavar="N",
                   help="open connections; past it the longest idle is closed, or the new one gets 503 "
                        "(KITCHEN_MAX_CONNECTIONS, default 1000)")
    g.add_argument("--heavy-at-once", metavar="N",
                   help="heavy jobs (a new tuning or practice run) under way at once (KITCHEN_HEAVY_AT_ONCE, default 1)")
    g.add_argument("--heavy-queue", metavar="N",
                   help="heavy jobs waiting for their turn; a request finding it full waits for room up to half "
                        "its wait, then 503 (KITCHEN_HEAVY_QUEUE, default 4)")
    g.add_argument("--heavy-wait", metavar="S",
                   help="seconds a request waits for its heavy jobs' turn before 503 (KITCHEN_HEAVY_WAIT, default 4)")
    s.set_defaults(func=cmd_serve)
    if serve_only:
        return p

    from inspect import signature

    from engine import checkpoint, train
    from engine.tokenizer import VOCAB_SIZE

    ref = {k: p.default for k, p in signature(train.reference_run).parameters.items()}  # the reference run

    t = sub.add_parser("train", help="train the apprentice (defaults replay the reference run)")
    t.add_argument("--steps", type=int, default=ref["steps"])
    t.add_argument("--seed", type=int, default=ref["seed"])
    t.add_argument("--lr", type=float, default=ref["lr"])
    t.add_argument("--optimizer", choices=["adam", "sgd"], default="adam")
    t.add_argument("--out", metavar="PATH.npz", help="write the trained knobs here")
    t.add_argument("--loss-log", metavar="FILE", help="write 'step loss' per line here")
    t.add_argument("--names", metavar="FILE", help="train on these names instead of the data set")
    t.add_argument("--init", metavar="PATH.npz", help="start from this checkpoint instead of random knobs")
    t.add_argument("--progress", action="store_true", help="show the progress bar even when not on a terminal")
    t.set_defaults(func=cmd_train)

    m = sub.add_parser("sample", help="invent names with a trained apprentice")
    m.add_argument("-n", type=int, default=checkpoint.REFERENCE_SAMPLES)
    m.add_argument("--temperature", type=float, default=checkpoint.REFERENCE_TEMPERATURE)
    m.add_argument("--seed", type=int)
    m.add_argument("--prefix", default="")
    m.add_argument("--checkpoint", metavar="PATH.npz")
    m.add_argument("--top-k", type=int, metavar="K", help=f"keep only the K most likely courses at each roll (1-{VOCAB_SIZE}; default: all)")
    m.add_argument("--top-p", type=float, default=1.0, metavar="P",
                   help="keep the smallest set of courses whose shares reach P (above 0, up to 1; default 1: all)")
    m.add_argument("--min-p", type=float, default=0.0, metavar="M",
                   help="drop courses below M times the favourite's share (0-1; default 0: none)")
    m.add_argument("--mark", action="store_true", help="say for each name whether it is in the data set")
    m.set_defaults(func=cmd_sample)
    return p


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    # `kitchen serve` supervises the workers for as long as the site runs: it reads its own
    # options without importing the model, so it stays as small as uvicorn alone
    args = build_parser(serve_only=argv[:1] == ["serve"]).parse_args(argv)
    try:
        args.func(args)
    except ValueError as exc:  # DataError is a ValueError: a clear message, not a traceback
        print(f"kitchen: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
