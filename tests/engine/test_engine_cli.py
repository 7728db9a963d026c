import numpy as np

from app import cli
from engine import checkpoint
from tests.same_run import assert_same_losses, assert_same_weights, read_loss_log



def test_kitchen_train_prints_the_reference_names(tmp_path, capsys, published_names):
    out, log = tmp_path / "m.npz", tmp_path / "loss.txt"
    assert cli.main(["train", "--out", str(out), "--loss-log", str(log)]) == 0
    assert capsys.readouterr().out.split() == published_names
    assert_same_weights(checkpoint.load(out).flat, checkpoint.default_params().flat)
    steps, losses = read_loss_log(log.read_text())
    assert steps == list(range(1, 1001))
    assert_same_losses(losses, checkpoint.default_log())
    assert read_loss_log(checkpoint.DEFAULT_LOG.read_text()) == (steps, checkpoint.default_log())


def test_progress_bar(capsys):
    assert cli.main(["train", "--steps", "10", "--progress"]) == 0
    err = capsys.readouterr().err
    assert "10/10" in err and "loss" in err


def test_kitchen_sample(capsys):
    assert cli.main(["sample", "-n", "5", "--seed", "3", "--prefix", "an"]) == 0
    names = capsys.readouterr().out.split()
    assert len(names) == 5 and all(n.startswith("an") for n in names)


def test_sample_from_a_checkpoint(tmp_path, capsys):
    path = tmp_path / "c.npz"
    checkpoint.save(checkpoint.default_params(), path)
    assert cli.main(["sample", "-n", "3", "--seed", "1", "--checkpoint", str(path)]) == 0
    assert cli.main(["sample", "-n", "3", "--seed", "1"]) == 0
    out = capsys.readouterr().out.split()
    assert out[:3] == out[3:]


def test_bad_input_is_a_message_not_a_traceback(tmp_path, capsys):
    assert cli.main(["sample", "--temperature", "-1"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("kitchen: ") and "temperature" in err and "Traceback" not in err
    assert cli.main(["sample", "--checkpoint", str(tmp_path / "none.npz")]) == 2
    assert "no checkpoint" in capsys.readouterr().err
    bad = tmp_path / "bad.npz"
    bad.write_text("not a zip")
    assert cli.main(["sample", "--checkpoint", str(bad)]) == 2
    assert "not a checkpoint" in capsys.readouterr().err


def test_missing_names_file_names_the_variable(monkeypatch, tmp_path, capsys):
    from engine import data

    monkeypatch.setenv("KITCHEN_NAMES", str(tmp_path / "missing.txt"))
    data._load.cache_clear()
    try:
        assert cli.main(["train", "--steps", "2"]) == 2
        assert "KITCHEN_NAMES" in capsys.readouterr().err
    finally:
        monkeypatch.undo()
        data._load.cache_clear()


def test_train_on_my_own_names_from_a_checkpoint(tmp_path, capsys):
    names = tmp_path / "book.txt"
    names.write_text("anna\nhanna\nbella\n")
    out = tmp_path / "tuned.npz"
    assert cli.main(["train", "--steps", "50", "--names", str(names), "--init", str(checkpoint.DEFAULT_CHECKPOINT),
                     "--out", str(out)]) == 0
    assert not np.array_equal(checkpoint.load(out).flat, checkpoint.default_params().flat)
