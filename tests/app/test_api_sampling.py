"""The sampling rules through the API and the command line: /api/next, /api/sample, /api/beam, `kitchen sample`.

``tests/fixtures/sampling_before.json`` holds the answers of /api/next, /api/sample
and `kitchen sample` recorded before the rules existed: with the rules left out
they must come back byte for byte.
"""

import contextlib
import io
import json
import math
import pathlib

import numpy as np
import pytest

from app import cli
from engine import checkpoint, data, model, sample as sampling, search
from engine.tokenizer import encode_prefix

BEFORE = json.loads((pathlib.Path(__file__).resolve().parents[1] / "fixtures" / "sampling_before.json").read_text(encoding="utf-8"))


def run_cli(argv):
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        code = cli.main(argv)
    return code, buf.getvalue()


@pytest.mark.parametrize("url", sorted(BEFORE["api"]))
def test_without_rules_the_api_answers_exactly_as_before(client, url):
    r = client.get(url)
    assert r.status_code == 200
    assert r.text == BEFORE["api"][url]


@pytest.mark.parametrize("argv", sorted(BEFORE["cli"]))
def test_without_rules_kitchen_sample_prints_exactly_as_before(argv):
    assert run_cli(argv.split()) == (0, BEFORE["cli"][argv])


def engine_cut(prefix, t, **rules):
    logits, _ = model.forward(checkpoint.default_params(), encode_prefix(prefix))
    return sampling.cut(logits[-1], t, **rules)


@pytest.mark.parametrize("query, prefix, t, rules", [
    ("prefix=emm&top_k=3", "emm", 1.0, {"top_k": 3}),
    ("prefix=emm&temperature=0.7&top_p=0.8", "emm", 0.7, {"top_p": 0.8}),
    ("prefix=&temperature=1.5&min_p=0.2", "", 1.5, {"min_p": 0.2}),
    ("prefix=ol&temperature=1&top_k=10&top_p=0.5&min_p=0.05", "ol", 1.0, {"top_k": 10, "top_p": 0.5, "min_p": 0.05}),
])
def test_next_with_rules_is_the_engines_trimmed_die(client, query, prefix, t, rules):
    body = client.get(f"/api/next?{query}").json()
    c = engine_cut(prefix, t, **rules)
    assert body["probs"] == c.die.tolist() and math.isclose(sum(body["probs"]), 1.0)
    assert body["before_rules"] == c.warmed.tolist()
    assert body["cut"] == c.cut_by
    allowed = set(range(27)) - set().union(*map(set, body["cut"].values()))
    assert {i for i, p in enumerate(body["probs"]) if p > 0} == allowed
    assert body["top_k"] == rules.get("top_k", 27) and body["top_p"] == rules.get("top_p", 1.0)
    assert body["min_p"] == rules.get("min_p", 0.0)


def test_sample_with_rules_is_the_engines(client):
    body = client.get("/api/sample?n=20&temperature=1.2&seed=4&prefix=ka&top_k=4&top_p=0.9&min_p=0.02").json()
    want = sampling.sample(checkpoint.default_params(), n=20, temperature=1.2, seed=4, prefix="ka", top_k=4, top_p=0.9, min_p=0.02)
    assert body["names"] == want.names
    assert body["invented"] == [n not in data.known_names() for n in want.names]
    assert (body["top_k"], body["top_p"], body["min_p"]) == (4, 0.9, 0.02)
    # an explicit "all" serves what leaving the rules out serves
    plain = client.get("/api/sample?n=20&temperature=1.2&seed=4&prefix=ka").json()
    every = client.get("/api/sample?n=20&temperature=1.2&seed=4&prefix=ka&top_k=27&top_p=1&min_p=0").json()
    assert every["names"] == plain["names"] and "top_k" not in plain


@pytest.mark.parametrize("rule", ["top_k=1", "top_p=0.05", "min_p=1"])
def test_keeping_only_the_favourite_serves_temperature_zeros_names(client, rule):
    cold = client.get("/api/sample?n=10&temperature=0&seed=1&prefix=b").json()["names"]
    ruled = client.get(f"/api/sample?n=10&temperature=0.6&seed=9&prefix=b&{rule}").json()["names"]
    assert ruled == cold


def test_beam_is_the_engines_and_never_below_greedy(client):
    for prefix, width in (("", 10), ("emm", 5), ("x", 1), ("abigail", 3)):
        body = client.get(f"/api/beam?prefix={prefix}&width={width}").json()
        params = checkpoint.default_params()
        found = search.beam(params, prefix, width)
        assert [m["name"] for m in body["names"]] == [m.name for m in found]
        assert [m["logprob"] for m in body["names"]] == [m.logprob for m in found]
        g = search.greedy(params, prefix)
        assert body["greedy"] == {"name": g.name, "logprob": g.logprob, "ended": "bell" if g.rang_bell else "full"}
        assert body["names"][0]["logprob"] >= body["greedy"]["logprob"]
        assert body["width"] == width and len(body["names"]) == width and body["prefix"] == prefix
    assert client.get("/api/beam").json()["width"] == 5


@pytest.mark.parametrize("path, field", [
    ("/api/next?top_k=0", "top_k"), ("/api/next?top_k=28", "top_k"), ("/api/next?top_k=2.5", "top_k"),
    ("/api/next?top_p=", "top_p"), ("/api/next?top_p=0.01", "top_p"), ("/api/next?top_p=1.5", "top_p"),
    ("/api/next?top_p=nan", "top_p"), ("/api/next?min_p=-0.1", "min_p"), ("/api/next?min_p=2", "min_p"),
    ("/api/sample?top_k=0", "top_k"), ("/api/sample?top_p=", "top_p"), ("/api/sample?min_p=inf", "min_p"),
    ("/api/beam?width=0", "width"), ("/api/beam?width=11", "width"), ("/api/beam?width=x", "width"),
    ("/api/beam?prefix=ab1", "prefix"), ("/api/beam?prefix=" + "a" * 16, "prefix"),
])
def test_bad_rules_are_a_422_with_a_readable_detail(client, path, field):
    r = client.get(path)
    assert r.status_code == 422
    detail = r.json()["detail"]
    assert detail[0]["loc"][-1] == field and detail[0]["msg"]


def test_the_rules_and_beam_are_documented(client):
    spec = client.get("/openapi.json").json()
    params = {p["name"]: p for p in spec["paths"]["/api/next"]["get"]["parameters"]}
    assert params["top_k"]["schema"]["anyOf"][0]["maximum"] == 27 and params["top_k"]["schema"]["anyOf"][0]["minimum"] == 1
    assert params["top_p"]["schema"]["anyOf"][0]["minimum"] == 0.05 and "reach P" in params["top_p"]["description"]
    assert "favourite" in params["min_p"]["description"]
    sample_params = {p["name"] for p in spec["paths"]["/api/sample"]["get"]["parameters"]}
    assert {"top_k", "top_p", "min_p"} <= sample_params
    beam = {p["name"]: p for p in spec["paths"]["/api/beam"]["get"]["parameters"]}
    assert beam["width"]["schema"]["maximum"] == 10 and beam["width"]["schema"]["minimum"] == 1
    assert "log" in spec["paths"]["/api/beam"]["get"]["description"]


def test_kitchen_sample_takes_the_rules():
    code, out = run_cli(["sample", "-n", "12", "--seed", "2", "--temperature", "1.3", "--top-k", "3", "--top-p", "0.8", "--min-p", "0.1"])
    want = sampling.sample(checkpoint.default_params(), n=12, temperature=1.3, seed=2, top_k=3, top_p=0.8, min_p=0.1)
    assert code == 0 and out.split() == want.names
    code, greedy = run_cli(["sample", "-n", "4", "--seed", "5", "--temperature", "0"])
    assert run_cli(["sample", "-n", "4", "--seed", "8", "--top-k", "1"]) == (0, greedy)
    loose = run_cli(["sample", "-n", "12", "--seed", "2", "--temperature", "1.3"])[1]
    assert loose != out


@pytest.mark.parametrize("argv, words", [
    (["--top-k", "0"], "top-k"), (["--top-k", "28"], "top-k"), (["--top-p", "0"], "top-p"),
    (["--top-p", "1.2"], "top-p"), (["--min-p", "-1"], "min-p"), (["--min-p", "nan"], "min-p"),
])
def test_kitchen_sample_bad_rules_are_a_message(capsys, argv, words):
    assert cli.main(["sample", "-n", "2", *argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith("kitchen: ") and words in err and "Traceback" not in err
