"""Saving and loading the knobs, and the shipped default model.

A checkpoint is an ``.npz`` of float64 arrays named as the reference's
parameters (``wte``, ``wpe``, ``lm_head``, ``layer0.attn_wq`` …), each of
shape (n_out, n_in). The package ships ``data/default.npz`` and
``data/default_log.txt``: exactly what ``kitchen train`` writes with its
defaults. The log has one line per step: the 1-based step and the loss as
Python's ``repr`` of the float.
"""

import functools
import pathlib
import zipfile

import numpy as np

from engine.model import CONFIG, Params

DATA_DIR = pathlib.Path(__file__).parent / "data"
DEFAULT_CHECKPOINT = DATA_DIR / "default.npz"
DEFAULT_LOG = DATA_DIR / "default_log.txt"
REFERENCE_SEED = 42
REFERENCE_SAMPLES = 20
REFERENCE_TEMPERATURE = 0.5


def save(params, path):
    """Write ``params`` to ``path`` (an .npz file)."""
    path = pathlib.Path(path)
    with open(path, "wb") as fh:
        np.savez(fh, **params.as_dict())
    return path


def load(path, config=CONFIG):
    """Read a checkpoint; a wrong or missing file is a ValueError that says why."""
    path = pathlib.Path(path)
    try:
        with np.load(path, allow_pickle=False) as npz:
            arrays = {name: npz[name] for name in npz.files}
    except FileNotFoundError:
        raise ValueError(f"no checkpoint at {path}") from None
    except (OSError, ValueError, zipfile.BadZipFile) as exc:
        raise ValueError(f"{path} is not a checkpoint (.npz of named arrays): {exc}") from None
    for name, a in arrays.items():
        if a.dtype != np.float64:
            raise ValueError(f"{path}: parameter {name} is {a.dtype}, expected float64")
    try:
        return Params.from_dict(arrays, config)
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from None


def write_log(records, path):
    """One line per step: ``step repr(loss)``."""
    with open(path, "w", encoding="utf-8") as fh:
        for rec in records:
            fh.write(f"{rec.step} {rec.loss!r}\n")


def read_log(path):
    losses = []
    for lineno, line in enumerate(pathlib.Path(path).read_text(encoding="utf-8").splitlines(), 1):
        step, loss = line.split()
        if int(step) != lineno:
            raise ValueError(f"{path}: line {lineno} is step {step}")
        losses.append(float(loss))
    return losses


@functools.lru_cache(maxsize=1)
def default_params():
    """The shipped trained apprentice, read-only: copy it before changing anything."""
    return load(DEFAULT_CHECKPOINT).freeze()


@functools.lru_cache(maxsize=1)
def _default_log():
    return tuple(read_log(DEFAULT_LOG))


def default_log():
    """The 1,000 per-step losses of the default training run, step 1 first."""
    return list(_default_log())


@functools.lru_cache(maxsize=1)
def _reference_samples():
    from engine.sample import sample_reference
    from engine.train import reference_start

    _, _, rng = reference_start(REFERENCE_SEED)  # training draws nothing, so this is the stream after it
    return tuple(sample_reference(default_params(), rng, REFERENCE_SAMPLES, REFERENCE_TEMPERATURE))


def reference_samples():
    """The 20 names the reference run prints at temperature 0.5 (kamon, ann, karai, …)."""
    return list(_reference_samples())
