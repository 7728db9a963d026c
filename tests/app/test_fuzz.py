"""Property-based fuzzing of the JSON API from its own OpenAPI document.

Schemathesis generates requests for every documented operation (valid and
invalid values), sends them to the app in-process and checks: no 5xx, the
status code and content type are documented, and the body matches the
documented response schema. Derandomized with a fixed number of examples, so
a run is repeatable and bounded in time.

The practice stream (/api/train) is left out here: an accepted request is a
training run of up to 2,000 steps. Its bounds are walked with hostile values in
test_hostile_input.py and its disconnect and 503 behaviour in its own tests.
So are the JSON twins of the practice kitchen and the three-star kitchen (a
training or tuning run per state: tests/app/test_twin.py calls them). The
widgets' twins take part in the valid half only: their schemas describe the
values, and each widget's own parse judges them, forgiving more than a
schema can say (spaces around a value, capitals folded).
"""

import pytest

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.generation.modes import GenerationMode  # noqa: E402
from schemathesis.specs.openapi.checks import (  # noqa: E402
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

EXAMPLES = {GenerationMode.POSITIVE: 40, GenerationMode.NEGATIVE: 40}
CHECKS = {
    GenerationMode.POSITIVE: [not_a_server_error, status_code_conformance, content_type_conformance,
                              response_schema_conformance],
    GenerationMode.NEGATIVE: [not_a_server_error, status_code_conformance, content_type_conformance,
                              response_schema_conformance, negative_data_rejection],
}


@pytest.fixture(scope="module")
def api_schema():
    from app.main import create_app

    return (schemathesis.openapi.from_asgi("/openapi.json", create_app()).exclude(path="/api/train")
            .exclude(path="/api/widget/practice").exclude(path="/api/widget/michelin"))


def operations(schema):
    ops = [result.ok() for result in schema.get_all_operations()]
    assert {op.path for op in ops} >= {"/api/sample", "/api/next", "/api/knobs", "/api/attention", "/api/tokenize"}
    assert "/api/train" not in {op.path for op in ops}
    return ops


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=str)
def test_api_holds_to_its_schema(api_schema, mode):
    seen = {}
    statuses = set()
    for op in operations(api_schema):
        if op.method.upper() != "GET":
            continue
        if mode == GenerationMode.NEGATIVE and not len(op.query):
            continue  # nothing to get wrong
        if mode == GenerationMode.NEGATIVE and op.path.startswith("/api/widget/"):
            continue

        @given(case=op.as_strategy(generation_mode=mode))
        @settings(max_examples=EXAMPLES[mode], derandomize=True, database=None, deadline=None,
                  suppress_health_check=list(HealthCheck))
        def run(case):
            response = case.call()
            where = (op.path, case.query, response.status_code)
            assert response.status_code < 500, where
            case.validate_response(response, checks=CHECKS[mode])
            ctype = response.headers["content-type"][0]
            # an echoed value is JSON, never HTML, and the browser may not sniff it
            assert ctype.startswith("application/json"), where
            assert response.headers["x-content-type-options"][0] == "nosniff"
            seen[op.path] = seen.get(op.path, 0) + 1
            statuses.add(response.status_code)

        run()
    assert len(seen) >= 5
    # the generated data really was valid, or really was not
    assert (200 in statuses) if mode == GenerationMode.POSITIVE else (422 in statuses), statuses
