import os
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
SHARED_NAMES = ROOT.parent / "shared" / "data" / "names.txt"

if "KITCHEN_NAMES" not in os.environ and SHARED_NAMES.exists():
    os.environ["KITCHEN_NAMES"] = str(SHARED_NAMES)


@pytest.fixture(scope="session")
def params():
    from engine.checkpoint import default_params

    return default_params()


@pytest.fixture(scope="session")
def start():
    """The reference run's shuffled names and starting knobs."""
    from engine.train import reference_start

    docs, p, _ = reference_start()
    return docs, p


# what the reference run prints at temperature 0.5 after 1,000 steps
PUBLISHED_NAMES = ["kamon", "ann", "karai", "jaire", "vialan", "karia", "yeran", "anna", "areli", "kaina",
                   "konna", "keylen", "liole", "alerin", "earan", "lenne", "kana", "lara", "alela", "anton"]


@pytest.fixture(scope="session")
def published_names():
    return list(PUBLISHED_NAMES)
