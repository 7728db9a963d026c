"""Shared test set-up: the names file and the project's paths."""

import os
import pathlib

ROOT = pathlib.Path(__file__).resolve().parents[1]
SHARED_NAMES = ROOT.parent / "shared" / "data" / "names.txt"

if not os.environ.get("KITCHEN_NAMES") and SHARED_NAMES.exists():
    os.environ["KITCHEN_NAMES"] = str(SHARED_NAMES)
