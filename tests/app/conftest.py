"""Route tests run against a small fixture story (tests/fixtures), so they do
not depend on how far the real chapters have come; tests/content checks those."""

import pathlib

import pytest
from fastapi.testclient import TestClient

FIXTURES = pathlib.Path(__file__).resolve().parents[1] / "fixtures"


def no_figure_context(name, lang):
    return {}


@pytest.fixture(scope="session")
def fixture_site():
    from app import site

    return site.build(FIXTURES / "content", FIXTURES / "templates", no_figure_context)


@pytest.fixture(scope="session")
def client(fixture_site):
    from app.main import create_app

    with TestClient(create_app(fixture_site)) as c:
        yield c
