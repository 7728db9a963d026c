"""The JSON API: /api/model and /api/sample."""

import math

import pytest

from engine import checkpoint, data, model, sample
from app.web import i18n


def test_model_matches_the_design(client):
    r = client.get("/api/model")
    assert r.status_code == 200
    assert r.json() == {
        "n_params": model.N_PARAMS,
        "n_embd": 16,
        "n_head": 4,
        "n_layer": 1,
        "block_size": 16,
        "vocab": "abcdefghijklmnopqrstuvwxyz",
        "bos": 26,
        "trained_steps": len(checkpoint.default_log()),
    }
    assert r.json()["n_params"] == 4192 and r.json()["trained_steps"] == 1000


def test_sample_is_the_engine_on_the_shipped_model(client):
    r = client.get("/api/sample?n=10&temperature=0.5&seed=1&prefix=")
    assert r.status_code == 200
    body = r.json()
    want = sample.sample(checkpoint.default_params(), n=10, temperature=0.5, seed=1)
    assert body["names"] == want.names
    assert body["invented"] == [name not in data.known_names() for name in want.names]
    assert body["temperature"] == 0.5 and body["seed"] == 1 and body["n"] == 10 and body["prefix"] == ""
    assert client.get("/api/sample?n=10&temperature=0.5&seed=1").json() == body
    assert client.get("/api/sample?n=10&temperature=0.5&seed=2").json()["names"] != body["names"]


def test_sample_defaults_and_prefix(client):
    body = client.get("/api/sample").json()
    assert len(body["names"]) == 10 and body["temperature"] == 0.5
    body = client.get("/api/sample?prefix=Em&n=20&temperature=1").json()
    assert body["prefix"] == "em"
    assert all(name.startswith("em") for name in body["names"])


def test_temperature_zero_is_the_most_likely_course_every_time(client):
    a = client.get("/api/sample?temperature=0&seed=1&n=5").json()["names"]
    b = client.get("/api/sample?temperature=0&seed=2&n=5").json()["names"]
    assert a == b and len(set(a)) == 1


@pytest.mark.parametrize(
    "query, field",
    [
        ("n=0", "n"),
        ("n=51", "n"),
        ("n=abc", "n"),
        ("n=1.5", "n"),
        ("temperature=-1", "temperature"),
        ("temperature=5.01", "temperature"),
        ("temperature=nan", "temperature"),
        ("temperature=inf", "temperature"),
        ("temperature=abc", "temperature"),
        ("seed=-1", "seed"),
        ("seed=99999999999999999999999", "seed"),
        ("prefix=ab1", "prefix"),
        ("prefix=%3Cscript%3E", "prefix"),
        ("prefix=abcdefghijklmnop", "prefix"),
        ("prefix=" + "a" * 100, "prefix"),
    ],
)
def test_bad_sample_input_is_a_422_with_a_readable_detail(client, query, field):
    r = client.get(f"/api/sample?{query}")
    assert r.status_code == 422
    detail = r.json()["detail"]
    assert isinstance(detail, list) and detail
    assert detail[0]["loc"][-1] == field
    assert detail[0]["msg"] and "<script>" not in r.text


def test_api_is_documented(client):
    schema = client.get("/openapi.json").json()
    assert "/api/model" in schema["paths"] and "/api/sample" in schema["paths"]
    params = {p["name"] for p in schema["paths"]["/api/sample"]["get"]["parameters"]}
    assert params == {"n", "temperature", "seed", "prefix", "top_k", "top_p", "min_p"}
    assert not any(p.startswith("/{lang}") for p in schema["paths"])
    assert client.get("/docs").status_code == 200


def test_uniform_guess_is_what_the_vocabulary_says():
    from app.model_facts import facts

    assert i18n.decimal(math.log(27), 2) == "3.30"
