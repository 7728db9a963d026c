import hashlib
import io
import os

import pytest

from engine import data


def test_the_data_set_has_32033_names():
    names = data.load_names()
    assert len(names) == 32033
    assert names[0] == "emma"
    assert all(2 <= len(n) <= 15 and n.isalpha() and n.islower() for n in names)
    assert "emma" in data.known_names()


def test_shared_copy_is_the_pinned_file():
    raw = open(os.environ["KITCHEN_NAMES"], "rb").read()
    assert hashlib.sha256(raw).hexdigest() == data.NAMES_SHA256


def _fresh(monkeypatch, **env):
    data._load.cache_clear()
    data._known.cache_clear()
    for k, v in env.items():
        if v is None:
            monkeypatch.delenv(k, raising=False)
        else:
            monkeypatch.setenv(k, v)


@pytest.fixture
def restore_cache():
    yield
    data._load.cache_clear()
    data._known.cache_clear()


def test_missing_file_names_the_variable(monkeypatch, tmp_path, restore_cache):
    _fresh(monkeypatch, KITCHEN_NAMES=str(tmp_path / "nope.txt"))
    with pytest.raises(data.DataError, match="KITCHEN_NAMES"):
        data.load_names()


def test_corrupt_file_names_the_variable(monkeypatch, tmp_path, restore_cache):
    bad = tmp_path / "names.txt"
    bad.write_text("emma\nJohn Smith\n")
    _fresh(monkeypatch, KITCHEN_NAMES=str(bad))
    with pytest.raises(data.DataError, match="KITCHEN_NAMES.*name 2"):
        data.load_names()
    bad.write_bytes(b"\xff\xfe\x00")
    data._load.cache_clear()
    with pytest.raises(data.DataError, match="UTF-8"):
        data.load_names()
    bad.write_text("\n\n")
    data._load.cache_clear()
    with pytest.raises(data.DataError, match="no names"):
        data.load_names()


class _Resp(io.BytesIO):
    def __enter__(self):
        return self

    def __exit__(self, *a):
        return False


def test_download_is_checked_and_cached(monkeypatch, tmp_path, restore_cache):
    good = open(os.environ["KITCHEN_NAMES"], "rb").read()
    calls = []

    def fake_urlopen(url, timeout):
        calls.append(url)
        return _Resp(good)

    monkeypatch.setattr(data.urllib.request, "urlopen", fake_urlopen)
    _fresh(monkeypatch, KITCHEN_NAMES=None, XDG_CACHE_HOME=str(tmp_path))
    assert len(data.load_names()) == 32033
    assert calls == [data.NAMES_URL]
    assert (tmp_path / "apprentice-kitchen" / "names.txt").read_bytes() == good
    data._load.cache_clear()
    assert len(data.load_names()) == 32033
    assert calls == [data.NAMES_URL], "the cached copy is used, not a second download"


def test_tampered_download_is_refused(monkeypatch, tmp_path, restore_cache):
    monkeypatch.setattr(data.urllib.request, "urlopen", lambda url, timeout: _Resp(b"emma\nmallory\n"))
    _fresh(monkeypatch, KITCHEN_NAMES=None, XDG_CACHE_HOME=str(tmp_path))
    with pytest.raises(data.DataError, match="sha256.*KITCHEN_NAMES"):
        data.load_names()
    assert not (tmp_path / "apprentice-kitchen" / "names.txt").exists()


def test_offline_download_says_what_to_do(monkeypatch, tmp_path, restore_cache):
    def fail(url, timeout):
        raise data.urllib.error.URLError("no network")

    monkeypatch.setattr(data.urllib.request, "urlopen", fail)
    _fresh(monkeypatch, KITCHEN_NAMES=None, XDG_CACHE_HOME=str(tmp_path))
    with pytest.raises(data.DataError, match="Set KITCHEN_NAMES"):
        data.load_names()


def test_the_book_is_counted_from_the_names_and_looked_up_in_it():
    from engine.data import book_stats, load_names, look_up

    names = load_names()
    b = book_stats()
    assert b.names == tuple(names) and sum(b.lengths.values()) == len(names)
    assert b.n_courses == sum(b.letters["all"].values()) == sum(map(len, names))
    assert sum(b.letters["first"].values()) == sum(b.letters["last"].values()) == len(names)
    found = look_up(b, "emma")
    assert names[found.card - 1] == "emma" and "emma" not in names[: found.card - 1]
    assert found.copies == names.count("emma")
    missing = look_up(b, "emmq")
    assert missing.card is None and len(missing.before) == len(missing.after) == 3
    assert missing.before == tuple(sorted({n for n in names if n < "emmq"})[-3:])
    assert missing.after == tuple(sorted({n for n in names if n > "emmq"})[:3])
