"""The recipe book: the 32,033 past menus (names) the apprentice learns from.

``KITCHEN_NAMES=/path/names.txt`` names a local copy. Without it the file is
downloaded once from a pinned URL, checked against its sha256 and cached.
Documents are the stripped non-empty lines, in file order; training shuffles
them itself.

``book_stats`` counts the book once (lengths, letters, first appearances);
``look_up`` finds a name in it, or its nearest neighbours in alphabetical order.
"""

import bisect
import collections
import dataclasses
import functools
import hashlib
import os
import pathlib
import urllib.error
import urllib.request

from engine.tokenizer import VOCAB

NAMES_URL = "https://raw.githubusercontent.com/karpathy/makemore/988aa59/names.txt"
NAMES_SHA256 = "0a30b5557f192f32ab962680889aac5f6fda0f4cecf40a6d0b5694f58ea8cc4d"
ENV_VAR = "KITCHEN_NAMES"

_ALLOWED = frozenset(VOCAB)


class DataError(ValueError):
    """The names file is missing, unreadable or not a list of a-z names."""


def cache_path():
    """Where a downloaded copy is kept: $XDG_CACHE_HOME/apprentice-kitchen/names.txt."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return pathlib.Path(base) / "apprentice-kitchen" / "names.txt"


def parse_names(text, source):
    """Stripped non-empty lines; every one must be lower-case letters a-z."""
    names = [line.strip() for line in text.splitlines()]
    names = [n for n in names if n]
    if not names:
        raise DataError(f"{source} holds no names; {ENV_VAR} must name a file with one name per line")
    for lineno, name in enumerate(names, 1):
        if not set(name) <= _ALLOWED:
            raise DataError(
                f"{source}: name {lineno} ({name[:20]!r}) has characters outside a-z; "
                f"{ENV_VAR} must name a file of lower-case names, one per line"
            )
    return names


def _read(path, source):
    try:
        data = pathlib.Path(path).read_bytes()
    except FileNotFoundError:
        raise DataError(f"{source}: no such file. Set {ENV_VAR} to the path of names.txt") from None
    except OSError as exc:
        raise DataError(f"{source}: cannot read it ({exc.strerror}). Set {ENV_VAR} to a readable names.txt") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise DataError(f"{source} is not a UTF-8 text file; {ENV_VAR} must name names.txt") from None
    return data, text


def _download(dest):
    try:
        with urllib.request.urlopen(NAMES_URL, timeout=30) as resp:
            data = resp.read()
    except (urllib.error.URLError, OSError) as exc:
        raise DataError(
            f"could not download the names from {NAMES_URL} ({exc}). "
            f"Set {ENV_VAR} to a local copy of names.txt"
        ) from None
    if hashlib.sha256(data).hexdigest() != NAMES_SHA256:
        raise DataError(
            f"the download from {NAMES_URL} does not match its pinned sha256; "
            f"set {ENV_VAR} to a trusted local copy of names.txt"
        )
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_suffix(".part")
    tmp.write_bytes(data)
    tmp.replace(dest)
    return data


@functools.lru_cache(maxsize=None)
def _load(env_value):
    if env_value:
        _, text = _read(env_value, f"{ENV_VAR}={env_value}")
        return tuple(parse_names(text, f"{ENV_VAR}={env_value}"))
    dest = cache_path()
    if dest.exists():
        data, text = _read(dest, str(dest))
        if hashlib.sha256(data).hexdigest() == NAMES_SHA256:
            return tuple(parse_names(text, str(dest)))
    data = _download(dest)
    return tuple(parse_names(data.decode("utf-8"), NAMES_URL))


def load_names():
    """The names, in file order, as a list (a fresh list each call)."""
    return list(_load(os.environ.get(ENV_VAR, "")))


def known_names():
    """The names as a frozen set, for "is this dish in the book?"."""
    return _known(os.environ.get(ENV_VAR, ""))


@functools.lru_cache(maxsize=None)
def _known(env_value):
    return frozenset(_load(env_value))


# ---------------------------------------------------------------- the book, counted

@dataclasses.dataclass(frozen=True)
class BookStats:
    """Everything there is to count about the names, counted once."""

    names: tuple                  # file order
    sorted_names: tuple           # alphabetical, with repeats
    first_card: dict              # name -> 1-based position of its first appearance
    copies: collections.Counter   # name -> how many times it appears
    lengths: dict                 # number of courses (letters) -> how many menus, shortest first
    letters: dict                 # "all" / "first" / "last" -> Counter of letters
    n_courses: int                # letters in the whole book


def book_stats():
    """The counted book for the names the engine reads now."""
    return _book_stats(os.environ.get(ENV_VAR, ""))


@functools.lru_cache(maxsize=4)
def _book_stats(env_value):
    names = _load(env_value)
    first_card = {}
    for i, name in enumerate(names, 1):
        first_card.setdefault(name, i)
    return BookStats(
        names=names,
        sorted_names=tuple(sorted(names)),
        first_card=first_card,
        copies=collections.Counter(names),
        lengths=dict(sorted(collections.Counter(len(n) for n in names).items())),
        letters={
            "all": collections.Counter(ch for n in names for ch in n),
            "first": collections.Counter(n[0] for n in names),
            "last": collections.Counter(n[-1] for n in names),
        },
        n_courses=sum(len(n) for n in names),
    )


@dataclasses.dataclass(frozen=True)
class LookUp:
    name: str
    card: int | None      # 1-based position of its first appearance; None if not in the book
    copies: int           # how many times it appears
    before: tuple         # not in the book: the nearest different names before it, alphabetically
    after: tuple          # ... and after it


def look_up(stats, name, nearest=3):
    """Where ``name`` is in the book, or which names sit nearest it alphabetically."""
    if name in stats.first_card:
        return LookUp(name, stats.first_card[name], stats.copies[name], (), ())
    at = bisect.bisect_left(stats.sorted_names, name)
    before = _distinct(reversed(stats.sorted_names[max(0, at - 8 * nearest):at]))[:nearest][::-1]
    after = _distinct(stats.sorted_names[at:at + 8 * nearest])[:nearest]
    return LookUp(name, None, 0, tuple(before), tuple(after))


def _distinct(seq):
    out = []
    for name in seq:
        if name not in out:
            out.append(name)
    return out
