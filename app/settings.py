"""Settings read from the environment, and the pinned front-end files.

KITCHEN_HTMX   "cdn" (default): pages load htmx from its CDN, pinned by version
               and checked by an SRI hash. "local": the server serves the very
               same file, installed from the npm registry into node_modules/.
KITCHEN_NAMES  read by the engine: a local copy of the names file.

Every ``KITCHEN_*`` setting (these and the ones each module reads, listed in
``CHECKS``) is checked by ``check_environment`` before ``kitchen serve`` binds
its port: a bad one stops start-up with one line naming it, what it holds and
what is allowed, and so does a ``KITCHEN_*`` name the site does not know.
"""

import os
import pathlib
from dataclasses import dataclass

ROOT = pathlib.Path(__file__).resolve().parent.parent
CONTENT_DIR = ROOT / "content"
TEMPLATES_DIR = ROOT / "templates"
STATIC_DIR = ROOT / "static"
NODE_MODULES = ROOT / "node_modules"

LANGS = ("zh", "en")


@dataclass(frozen=True)
class Script:
    """One pinned npm file: where the CDN serves it, its hash, its local copy."""

    package: str   # npm package name
    version: str   # exact version, the same as package.json and package-lock.json
    file: str      # path inside the package
    sri: str       # sha384 of the file, as the browser checks it

    @property
    def cdn_url(self):
        return f"https://cdn.jsdelivr.net/npm/{self.package}@{self.version}/{self.file}"

    @property
    def local_path(self):
        return NODE_MODULES / self.package / self.file

    @property
    def local_url(self):
        """Its address on this server; the version in the query lets it be kept a year."""
        return f"/static/vendor/{self.package}/{pathlib.PurePosixPath(self.file).name}?v={self.version}"


HTMX = Script(
    package="htmx.org",
    version="2.0.11",
    file="dist/htmx.min.js",
    sri="sha384-2OatzQy1H+Zd/IIrjr1TcuDGqLXeHhbooAyJY1KdQMKnr4LZ22k31GBLdYKHmVjg",
)
SCRIPTS = {"htmx": HTMX}


class SettingsError(RuntimeError):
    """A setting has a value the site cannot use."""


def env_int(name, default, lo, hi):
    """A whole-number setting from the environment, checked to lie in [lo, hi]."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = None
    if value is None or not lo <= value <= hi:
        raise SettingsError(f"{name} must be a whole number from {lo} to {hi}, not {raw!r}")
    return value


def htmx_mode():
    """'cdn' or 'local', from KITCHEN_HTMX."""
    value = os.environ.get("KITCHEN_HTMX", "cdn").strip().lower() or "cdn"
    if value not in ("cdn", "local"):
        raise SettingsError(f"KITCHEN_HTMX must be 'cdn' or 'local', not {value!r}")
    if value == "local":
        missing = [s.local_path for s in SCRIPTS.values() if not s.local_path.is_file()]
        if missing:
            raise SettingsError(
                f"KITCHEN_HTMX=local but {missing[0]} is missing; run `npm ci` in {ROOT}"
            )
    return value


def _names():
    from engine import data

    if os.environ.get(data.ENV_VAR, "").strip():
        try:
            data.load_names()
        except data.DataError as exc:
            raise SettingsError(str(exc)) from None


def _public_url():
    from app import embed

    embed.public_url()


def _answers():
    from app import answers

    answers.max_bytes_from_env()


def _streams():
    from app import streams

    streams.stats_from_env()


def _heavy():
    from app import admission

    admission.gate_from_env()


def _connections():
    from app import server

    server.Limits()


def _train_seconds():
    from app import facts

    raw = os.environ.get(facts.TIMES_ENV, "").strip()
    if raw:
        try:
            fast, slow = (float(x) for x in raw.split(","))
            good = fast > 0 and slow > 0 and fast < float("inf") and slow < float("inf")
        except ValueError:
            good = False
        if not good:
            raise SettingsError(f"{facts.TIMES_ENV} must be two positive numbers of seconds, "
                                f"'this engine,the reference' (kitchen serve sets it), not {raw!r}")


def _bench_tree():
    raw = os.environ.get("KITCHEN_BENCH_TREE", "")
    if raw and not pathlib.Path(raw).is_dir():
        raise SettingsError(f"KITCHEN_BENCH_TREE must be a folder holding a copy of the site, not {raw!r}")


# every KITCHEN_* setting, and the check that reads it as the site does
CHECKS = {
    "KITCHEN_NAMES": _names,
    "KITCHEN_HTMX": htmx_mode,
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
            raise SettingsError(f"{name} is not a setting of the site (it holds {environ[name]!r}); known: {known}")
    done = set()
    for check in CHECKS.values():
        if check not in done:
            done.add(check)
            check()
