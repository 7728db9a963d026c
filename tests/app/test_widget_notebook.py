"""The sous-chefs' notebook (chapter 7): one page per course, what is read, one course at a time.

The pages must be the positions served so far, the shares the engine's
attention for the newest course, and walking from the bell must serve the very
name ``engine.sample.sample`` serves at that table and temperature.
"""

import html as html_mod
import pathlib
import re
from urllib.parse import parse_qsl, urlsplit

import numpy as np
import pytest

from engine import checkpoint, data, inspect as inspection, model, sample as sampling
from engine.tokenizer import encode_prefix, token_label

from tests.app import inside_site
from tests.app.widget_checks import assert_refused, submit_without_js

ROOT = pathlib.Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def client():
    return inside_site.client()


def out_of(text, ns="notebook"):
    return text.split(f'id="{ns}-out"', 1)[1].split("</section>", 1)[0]


def pages(text):
    """Per page: (number, label, new?, [share per sous-chef])."""
    out = out_of(text)
    rows = re.findall(r'<tr class="nb-page( new)?" data-page="(\d+)">\s*<th scope="row"><span class="course-chip">([^<]+)<small.*?</tr>', out, re.S)
    bodies = re.findall(r'<tr class="nb-page[^"]*" data-page="\d+">(.*?)</tr>', out, re.S)
    result = []
    for (new, n, label), body in zip(rows, bodies):
        shares = [float(x) for x in re.findall(r'<td class="nb-read[^"]*" data-w="([^"]+)">', body)]
        result.append((int(n), label, bool(new), shares))
    return result


def next_link(text):
    m = re.search(r'id="notebook-next" href="([^"]+)"', text)
    return html_mod.unescape(m.group(1)) if m else None


def engine_attention(menu):
    """The newest course's attention over the notebook, straight from engine.model.step."""
    params = checkpoint.default_params()
    kv = model.new_kv(params.config, 1)
    for pos, tok in enumerate(encode_prefix(menu)):
        _, attn = model.step(params, np.array([tok]), pos, kv)
    return attn[0][0]  # (H, pages)


def test_the_content_places_the_notebook_in_chapter_7():
    for lang in ("zh", "en"):
        text = (ROOT / "content" / lang / "chapter-7.md").read_text(encoding="utf-8")
        assert re.search(r"^::: widget notebook\s*$", text, re.M)


@pytest.mark.parametrize("menu", ["", "e", "emm", "olivia", "abcdefghijklmno"])
def test_pages_are_the_positions_and_the_reading_is_the_engines(client, menu):
    r = client.get(f"/en/widget/notebook?menu={menu}&t=0.5&seed=3")
    assert r.status_code == 200
    got = pages(r.text)
    tokens = encode_prefix(menu)
    assert [n for n, _, _, _ in got] == list(range(len(tokens)))
    assert [label for _, label, _, _ in got] == [token_label(t) for t in tokens]
    assert [new for _, _, new, _ in got] == [False] * (len(tokens) - 1) + [True]
    assert f'data-pages="{len(tokens)}"' in r.text
    att = engine_attention(menu)
    shares = np.array([s for _, _, _, s in got]).T  # (H, pages)
    assert np.array_equal(shares, att)
    assert np.allclose(shares.sum(axis=1), 1.0, atol=1e-12)
    # the same numbers as the whole-menu inspection's last row
    ins = inspection.inspect(checkpoint.default_params(), menu, is_prefix=True)
    assert np.allclose(shares, ins.attn[0][:, -1, :], atol=1e-12)
    text = html_mod.unescape(out_of(r.text))
    P = len(tokens)
    assert f"the kitchen has cooked {P} course{'s' if P != 1 else ''} so far, each once." in text
    assert f"every step would cook all the earlier courses again: {P * (P + 1) // 2} in all." in text
    for h in range(4):
        top = int(att[h].argmax())
        assert f"Sous-chef {h + 1} lingered longest on page {top} " in text
    if len(menu) == 15:
        assert next_link(r.text) is None and "The notebook is full at 16 pages" in text


@pytest.mark.parametrize("seed, t", [(1, 0.5), (2, 1.0), (7, 0.0), (11, 1.5), (42, 0.8)])
def test_walking_from_the_bell_serves_the_dials_name(client, seed, t):
    want = sampling.sample(checkpoint.default_params(), n=1, temperature=t, seed=seed).names[0]
    url = f"/en/chapter/7?notebook.t={t}&notebook.seed={seed}"
    served = []
    for _ in range(17):
        r = client.get(url)
        assert r.status_code == 200
        link = next_link(r.text)
        if link is None:
            break
        q = dict(parse_qsl(urlsplit(link).query, keep_blank_values=True))
        assert q["notebook.seed"] == str(seed)
        served.append(q["notebook.menu"])
        assert len(pages(client.get(link).text)) == len(served[-1]) + 1  # one more page each time
        url = link
    menu = served[-1] if served else ""
    assert menu == want
    text = html_mod.unescape(out_of(r.text))
    if menu:
        assert f"the menu “{menu}” is done." in text
        assert ("It's in the master's book." if menu in data.known_names() else "Xiao Ming invented it.") in text
    # every step added exactly one course to the one before
    for a, b in zip([""] + served, served):
        assert b[:-1] == a and len(b) == len(a) + 1


def test_links_keep_the_table_and_the_other_widgets(client):
    r = client.get("/zh/chapter/7?notebook.menu=em&notebook.seed=5&notebook.t=1&temperature.n=3")
    q = parse_qsl(urlsplit(next_link(r.text)).query)
    assert q[0] == ("keep", "notebook")
    sent = client.get(next_link(r.text).split("#")[0], follow_redirects=False, headers={
        "Referer": "http://testserver/zh/chapter/7?notebook.menu=em&notebook.seed=5&notebook.t=1&temperature.n=3"})
    assert parse_qsl(urlsplit(sent.headers["location"]).query) == [("temperature.n", "3")] + q[1:]
    assert q[1][0] == "notebook.menu" and q[1][1].startswith("em") and len(q[1][1]) == 3
    assert q[2:] == [("notebook.t", "1"), ("notebook.seed", "5")]
    restart = html_mod.unescape(re.search(r'id="notebook-restart" href="([^"]+)"', r.text).group(1))
    assert ("notebook.menu", "") in parse_qsl(urlsplit(restart).query, keep_blank_values=True)
    table = html_mod.unescape(re.search(r'id="notebook-table" href="([^"]+)"', r.text).group(1))
    assert ("notebook.seed", "6") in parse_qsl(urlsplit(table).query)
    a = re.search(r'id="notebook-next" [^>]*>', r.text).group(0)
    assert 'data-hx-get="/zh/widget/notebook"' in a
    # the links swap the whole widget (the output area passes that down to them)
    assert 'id="notebook-out" aria-live="polite" data-hx-target="#w-notebook" data-hx-select="#w-notebook" data-hx-swap="outerHTML"' in r.text


def test_fragment_in_both_languages_and_the_no_js_form(client):
    zh = client.get("/zh/widget/notebook?menu=emm")
    en = client.get("/en/chapter/7?notebook.menu=emm&utm=x")
    assert zh.status_code == 200 and en.status_code == 200
    assert zh.text.lstrip().startswith('<section class="widget widget-notebook inside" id="w-notebook"')
    assert "新做的只有 3 号位的“m”，本子上新添第 3 页" in zh.text and zh.text.count("KV cache") == 1
    assert "✎ 新写的" in zh.text and "副厨 4" in zh.text
    form = en.text.split('id="w-notebook"', 1)[1].split("</form>", 1)[0]
    assert 'method="get" action="/en/chapter/7#w-notebook"' in form
    assert '<input type="hidden" name="keep" value="notebook">' in form and 'name="utm"' not in form
    pairs, _ = submit_without_js(client, "/en/chapter/7?notebook.menu=emm&utm=x", form)
    assert ("utm", "x") in pairs and ("notebook.menu", "emm") in pairs
    assert 'name="notebook.menu" value="emm"' in form and 'name="notebook.t"' in form and 'name="notebook.seed"' in form


@pytest.mark.parametrize(
    "query, zh, en",
    [
        ("menu=e%20m", "已经上的菜只能用字母 a–z", "The courses so far may use only the letters a–z"),
        ("menu=" + "a" * 16, "最多 15 个", "at most 15"),
        ("t=6", "冒险程度（温度）要是 0 到 5 之间的数。", "The adventurousness (temperature) must be a number from 0 to 5."),
        ("seed=-3", "桌号", "seed"),
        ("seed=1.5", "桌号", "seed"),
    ],
)
def test_bad_state_is_a_422(client, query, zh, en):
    assert_refused(client, "notebook", 7, query, zh, en)
