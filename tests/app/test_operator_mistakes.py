"""What an unlucky operator or a crafted address could get wrong: settings checked before
the server binds, a health check that means it, redirects on no Host the server was not
told to trust, a page's size bounded whatever its query, and one address for one state."""

import os
import re
import subprocess

import pytest

from tests.app.serving import KITCHEN, ROOT, free_port


@pytest.mark.parametrize("name, value", [
    ("KITCHEN_PUBLIC_URL", "https://kitchen.example.org/path"),
    ("KITCHEN_PUBLIC_URL", "kitchen.example.org"),
    ("KITCHEN_ANSWER_CACHE_MB", "-1"),
    ("KITCHEN_TRAIN_STREAMS", "many"),
    ("KITCHEN_TRAIN_PACE", "-5"),
    ("KITCHEN_HTMX", "yes"),
    ("KITCHEN_NAMES", "/nonexistent/names.txt"),
    ("KITCHEN_HEAVY_QUEUE", "-3"),
    ("KITCHEN_MAX_HEADER_KB", "0"),
    ("KITCHEN_PUBLIC_ULR", "https://kitchen.example.org"),   # a misspelt name
])
def test_a_bad_setting_stops_start_up_with_one_line_naming_it(name, value):
    if not KITCHEN.exists():
        pytest.skip("the kitchen command is not installed in this environment")
    port = free_port()
    env = {**os.environ, name: value}
    proc = subprocess.Popen([str(KITCHEN), "serve", "--port", str(port), "--log-level", "warning"], cwd=ROOT,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        out, err = proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, 9)
        proc.communicate()
        pytest.fail(f"the server started with {name}={value!r}")
    assert proc.returncode == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and name in lines[0] and value in lines[0], err
    assert "Traceback" not in err and out == ""


def test_a_bad_option_stops_start_up_too():
    if not KITCHEN.exists():
        pytest.skip("the kitchen command is not installed in this environment")
    r = subprocess.run([str(KITCHEN), "serve", "--port", str(free_port()), "--heavy-wait", "forever"],
                       cwd=ROOT, capture_output=True, text=True, timeout=30)
    assert r.returncode == 2 and "KITCHEN_HEAVY_WAIT" in r.stderr and "'forever'" in r.stderr


def test_every_limit_is_an_option_listed_by_help():
    if not KITCHEN.exists():
        pytest.skip("the kitchen command is not installed in this environment")
    text = subprocess.run([str(KITCHEN), "serve", "--help"], capture_output=True, text=True, timeout=30).stdout
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for option in ("--max-header-kb", "--header-timeout", "--keep-alive", "--max-connections",
                   "--heavy-at-once", "--heavy-queue", "--heavy-wait"):
        assert option in text and option in readme, option


def test_healthz_is_200_only_when_a_page_and_a_widget_can_be_served(client, monkeypatch):
    r = client.get("/healthz")
    assert r.status_code == 200 and r.json() == {"status": "ok"}
    monkeypatch.setenv("KITCHEN_PUBLIC_URL", "https://kitchen.example.org/path")
    r = client.get("/healthz")
    assert r.status_code == 503 and "KITCHEN_PUBLIC_URL" in r.json()["detail"]
    assert r.headers["cache-control"] == "no-store"


# --- redirects -------------------------------------------------------------------------

def test_the_trailing_slash_redirect_is_relative_whatever_the_host(client):
    r = client.get("/en", headers={"Host": "evil.com"}, follow_redirects=False)
    assert r.status_code == 307 and r.headers["location"] == "/en/"
    r = client.get("/zh/chapter/7/?temperature.t=0.8", headers={"Host": "evil.com"}, follow_redirects=False)
    assert r.status_code == 307 and r.headers["location"] == "/zh/chapter/7?temperature.t=0.8"
    r = client.get("/", headers={"Host": "evil.com", "Accept-Language": "zh"}, follow_redirects=False)
    assert r.headers["location"] == "/zh/"
    # a path that would make a protocol-relative address is no redirect at all
    r = client.get("http://testserver//evil.com", headers={"Host": "evil.com"}, follow_redirects=False)
    assert r.status_code == 404 and "location" not in r.headers


def test_the_trailing_slash_redirect_uses_the_public_url_when_set(client, monkeypatch):
    monkeypatch.setenv("KITCHEN_PUBLIC_URL", "https://kitchen.example.org")
    r = client.get("/en", headers={"Host": "evil.com"}, follow_redirects=False)
    assert r.status_code == 307 and r.headers["location"] == "https://kitchen.example.org/en/"


# --- one state, one address ---------------------------------------------------------------

def test_minus_zero_is_zero(client):
    a, b = client.get("/en/widget/temperature?t=0&seed=4"), client.get("/en/widget/temperature?t=-0&seed=4")
    assert a.status_code == b.status_code == 200
    assert a.headers["etag"] == b.headers["etag"]
    r = client.get("/zh/chapter/7?temperature.t=-0.0000001", headers={"HX-Request": "true"})
    assert 'value="-0"' not in r.text
    h = client.get("/en/widget/temperature?t=-0", headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/en/chapter/7"})
    assert "temperature.t=0&" in h.headers["hx-replace-url"]
    s = client.get("/api/sample?n=3&seed=2&temperature=-0").json()
    assert s == client.get("/api/sample?n=3&seed=2&temperature=0").json()
    assert str(s["temperature"]) == "0.0"


@pytest.mark.parametrize("path", [
    "/en/widget/michelin?book=start&letter=%E2%84%AA",            # the kelvin sign
    "/en/widget/michelin?book=list&names=anna,%E2%84%AAate",
    "/en/widget/flavor-cards?c=%E2%84%AA",
])
def test_look_alike_letters_are_refused_as_the_tokenizer_refuses_them(client, path):
    r = client.get(path)
    assert r.status_code == 422 and 'role="alert"' in r.text


def test_plain_capitals_still_count(client):
    assert client.get("/en/widget/michelin?book=start&letter=K&sft_steps=10").status_code == 200


# --- a page's size -----------------------------------------------------------------------

def test_a_page_is_bounded_in_size_whatever_its_query(client):
    plain = len(client.get("/en/chapter/7").content)
    junk = "&".join(f"k{i}=" + "x" * 1500 for i in range(40))          # 60 KB of query
    r = client.get("/en/chapter/7?" + junk)
    assert r.status_code == 200 and len(r.content) < plain + 12_000
    # the widgets' own keys, each at its longest, are carried no further than they are read
    longest = "&".join(f"notebook.{k}=" + "y" * 3000 for k in ("menu", "t", "seed"))
    r = client.get("/en/chapter/7?" + longest)
    assert len(r.content) < plain + 12_000
    assert not re.search("y{66}", r.text)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_carried_state_is_written_once_per_page_not_in_every_widget(lang):
    """A chapter 3 with four widgets and over fifty links to their states: the other
    widgets' state is in none of them, only in the page's own addresses (the language
    switch, og:url, the oEmbed link), so the answer grows by a few times the cap, however
    many widgets, forms and links the page has."""
    from app.widgets import view
    from tests.app import inside_site

    client = inside_site.client()
    plain = client.get(f"/{lang}/chapter/3")
    for junk in ("&".join(f"k{i}=" + "x" * 1500 for i in range(40)),             # 60 KB of query
                 "&".join(f"w{i}.k=" + "x" * 1500 for i in range(40))):          # shaped like widgets' keys
        r = client.get(f"/{lang}/chapter/3?" + junk)
        assert r.status_code == 200
        assert len(r.content) - len(plain.content) < 4 * view.MAX_CARRY_BYTES
        widgets = re.findall(r'<section class="widget .*?</section>', r.text, re.S)
        assert len(widgets) == 4 and not any("xxxx" in w for w in widgets)
        assert sum(w.count("<a ") for w in widgets) > 50
        assert len(re.findall(r"\b(?:k0|w0\.k)=x", r.text)) <= 3   # the first carried key: in three addresses at most


# --- headers the app reads ------------------------------------------------------------------

def test_hx_current_url_is_trimmed_before_it_is_parsed(monkeypatch):
    from app.widgets import view

    seen = []
    real = view.urlsplit

    def spy(url, *args, **kwargs):
        seen.append(len(url))
        return real(url, *args, **kwargs)

    monkeypatch.setattr(view, "urlsplit", spy)
    path, pairs = view.current_pairs("http://x/en/chapter/7?" + "a=1&" * 50_000)   # 200 KB
    assert path == "/en/chapter/7" and len(pairs) == view.MAX_KEYS
    assert seen and max(seen) <= view.MAX_CURRENT_URL


def test_accept_language_is_read_only_as_far_as_a_browser_writes_it():
    from app.pages.routes import choose_lang

    assert choose_lang("fr-CA,fr;q=0.9,zh-CN;q=0.8") == "zh"
    assert choose_lang("x," * 50_000 + "zh") == "en"   # the tail of a 100 KB header is not read
