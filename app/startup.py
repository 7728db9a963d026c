"""Every ``KITCHEN_*`` setting, checked before the server binds its port.

``python -m app.startup`` is what ``kitchen serve`` runs first, in a process of
its own: it checks every setting (a bad one: its one line on stderr, exit 2)
and prints the training times the story quotes, measured once (or as
``KITCHEN_TRAIN_SECONDS`` already gives them), for every worker to say the same.
The serving process itself, which only supervises the workers, so imports
neither the model nor the site.

``kitchen serve`` (and any server that imports ``app.main:app``) calls
``check_environment`` first: a bad value stops start-up with one line naming
the variable, what it holds and what is allowed (exit code 2), and so does a
``KITCHEN_*`` name the site does not know (a typo would otherwise be ignored).
Each check reads the variable the way the module that uses it does.
"""

import os
import pathlib
import sys

from engine import data

# a module that reads a bad setting when it is imported raises SettingsError here already
from app.api import streams
from app.model_facts import facts
from app.web import answer_memory as answers, settings
from app.widgets import admission


def _names():
    if os.environ.get(data.ENV_VAR, "").strip():
        try:
            data.load_names()
        except data.DataError as exc:
            raise settings.SettingsError(str(exc)) from None


def _public_url():
    settings.public_url()


def _answers():
    answers.max_bytes_from_env()


def _streams():
    streams.stats_from_env()


def _heavy():
    admission.gate_from_env()


def _connections():
    settings.Limits()


def _train_seconds():
    raw = os.environ.get(facts.TIMES_ENV, "").strip()
    if raw:
        try:
            fast, slow = (float(x) for x in raw.split(","))
            good = fast > 0 and slow > 0 and fast < float("inf") and slow < float("inf")
        except ValueError:
            good = False
        if not good:
            raise settings.SettingsError(f"{facts.TIMES_ENV} must be two positive numbers of seconds, "
                                         f"'this engine,the reference' (kitchen serve sets it), not {raw!r}")


def _bench_tree():
    raw = os.environ.get("KITCHEN_BENCH_TREE", "")
    if raw and not pathlib.Path(raw).is_dir():
        raise settings.SettingsError(f"KITCHEN_BENCH_TREE must be a folder holding a copy of the site, not {raw!r}")


# every KITCHEN_* setting, and the check that reads it as the site does
CHECKS = {
    "KITCHEN_NAMES": _names,
    "KITCHEN_HTMX": settings.htmx_mode,
    "KITCHEN_PUBLIC_URL": _public_url,
    "KITCHEN_ANSWER_CACHE_MB": _answers,
    "KITCHEN_TRAIN_STREAMS": _streams,
    "KITCHEN_TRAIN_PACE": _streams,
    "KITCHEN_HEAVY_AT_ONCE": _heavy,
    "KITCHEN_HEAVY_QUEUE": _heavy,
    "KITCHEN_HEAVY_WAIT": _heavy,
    "KITCHEN_MAX_HEADER_KB": _connections,
    "KITCHEN_HEADER_TIMEOUT": _connections,
    "KITCHEN_KEEP_ALIVE": _connections,
    "KITCHEN_MAX_CONNECTIONS": _connections,
    "KITCHEN_TRAIN_SECONDS": _train_seconds,      # measured once by `kitchen serve` for its workers
    "KITCHEN_BENCH_TREE": _bench_tree,            # bench/sampling_widget.py: the tree it times
}


def check_environment(environ=None):
    """Raises SettingsError (one line) for the first bad or unknown KITCHEN_* setting."""
    environ = os.environ if environ is None else environ
    for name in sorted(environ):
        if name.startswith("KITCHEN_") and name not in CHECKS:
            known = ", ".join(CHECKS)
            raise settings.SettingsError(
                f"{name} is not a setting of the site (it holds {environ[name]!r}); known: {known}")
    done = set()
    for check in CHECKS.values():
        if check not in done:
            done.add(check)
            check()


def serving_times():
    """Every setting checked, then the training times as ``KITCHEN_TRAIN_SECONDS`` says
    them ("this engine,the reference"): as given, or measured now."""
    check_environment()
    return os.environ.get(facts.TIMES_ENV, "").strip() or ",".join(repr(x) for x in facts.training_times())


if __name__ == "__main__":
    try:
        print(serving_times())
    except settings.SettingsError as exc:
        print(exc, file=sys.stderr)
        sys.exit(2)
