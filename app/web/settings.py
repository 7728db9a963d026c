"""Settings read from the environment, and the pinned front-end files.

KITCHEN_HTMX   "cdn" (default): pages load htmx from its CDN, pinned by version
               and checked by an SRI hash. "local": the server serves the very
               same file, installed from the npm registry into node_modules/.
KITCHEN_NAMES  read by the engine: a local copy of the names file.
KITCHEN_PUBLIC_URL  the site's origin (``public_url``).

Every ``KITCHEN_*`` setting, these and the ones each module reads, is checked
before the server binds its port (app/startup.py).
"""

import os
import pathlib
import re
from dataclasses import dataclass

ROOT = pathlib.Path(__file__).resolve().parents[2]
CONTENT_DIR = ROOT / "content"
TEMPLATES_DIR = ROOT / "templates"
LOCALES_DIR = ROOT / "locales"        # the interface's words: one message catalog per language
STATIC_DIR = ROOT / "static"
NODE_MODULES = ROOT / "node_modules"

TRAIN_SECONDS_ENV = "KITCHEN_TRAIN_SECONDS"  # "this engine,the reference": measured once by `kitchen serve`
LANGS = ("zh", "en")   # the site's languages, first first: each is a catalog in locales/ and a folder in content/
FALLBACK_LANG = "en"   # where / sends a reader whose browser asks for none of them


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


PUBLIC_RE = re.compile(r"^https?://(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$")


def public_url():
    """KITCHEN_PUBLIC_URL without a trailing slash, or None when unset."""
    value = os.environ.get("KITCHEN_PUBLIC_URL", "").strip().rstrip("/")
    if not value:
        return None
    if not PUBLIC_RE.match(value):
        raise SettingsError(
            f"KITCHEN_PUBLIC_URL must be the site's origin, http(s)://host[:port] with no path, not {value!r}")
    return value


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


class Limits:
    """Each worker's connection limits (app/web/server.py), from the environment."""

    HEADER_KB = 32        # request line and headers together
    HEADER_TIMEOUT = 10   # seconds from a request's first byte to the end of its headers
    KEEP_ALIVE = 5        # seconds an idle connection stays open
    CONNECTIONS = 1000    # open connections per worker

    def __init__(self):
        self.header_bytes = env_int("KITCHEN_MAX_HEADER_KB", self.HEADER_KB, 1, 1024) * 1024
        self.header_timeout = env_int("KITCHEN_HEADER_TIMEOUT", self.HEADER_TIMEOUT, 1, 600)
        self.keep_alive = env_int("KITCHEN_KEEP_ALIVE", self.KEEP_ALIVE, 1, 600)
        self.connections = env_int("KITCHEN_MAX_CONNECTIONS", self.CONNECTIONS, 1, 1_000_000)
