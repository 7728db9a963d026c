"""The story's newer figures come from the engine: another model, another training log or
another clock gives other words, and the shipped model gives what the engine says."""

import dataclasses
import math

import numpy as np
import pytest

from app.model_facts import facts
from engine import checkpoint, data, inspect, sample, tokenizer
from engine.train import reference_run


@pytest.fixture(scope="module")
def shipped():
    return facts.build()


@pytest.fixture(scope="module")
def barely_trained(shipped):
    """A kitchen after 30 practice menus: its knobs say other things."""
    params, _, _ = reference_run(steps=30)
    return dataclasses.replace(shipped, **facts.model_facts(params.freeze(), data.load_names(), data.known_names()))


def say(expr, f, lang="en"):
    return facts.resolve(expr, lang, f)


def test_odds_speak_the_score_as_a_stake(shipped):
    log = checkpoint.default_log()
    mean = sum(log[900:1000]) / 100
    assert say("odds:901-1000", shipped) == str(round(math.exp(mean)))
    # blind guessing is a stake of one in as many courses as there are
    assert round(math.exp(shipped.uniform_loss)) == tokenizer.VOCAB_SIZE
    other = dataclasses.replace(shipped, losses=tuple([math.log(5.0)] * 1000))
    assert say("odds:901-1000", other) == "5"
    with pytest.raises(facts.PlaceholderError):
        say("odds:10-5", shipped)


def test_the_known_samples_are_the_rest_of_the_twenty(shipped):
    known = data.known_names()
    assert say("n_known", shipped) == str(sum(s in known for s in checkpoint.reference_samples()))
    assert int(say("n_known", shipped)) + int(say("n_invented", shipped)) == len(shipped.samples)


def test_the_sous_chefs_habits_are_measured_over_names_from_the_book(shipped, barely_trained):
    names = data.load_names()[: facts.HABIT_NAMES]
    habits = inspect.head_habits(checkpoint.default_params(), names)
    shares = [f"{round(x * 100)}%" for x in habits.bell[0]]
    assert say("bell_share_low", shipped) == min(shares, key=lambda s: int(s[:-1]))
    assert say("bell_share_high", shipped) == max(shares, key=lambda s: int(s[:-1]))
    assert say("even_share", shipped) == f"{round(habits.even_bell * 100)}%"
    head, course, times = int(say("habit_head", shipped)), say("habit_course", shipped), float(say("habit_times", shipped))
    ratio = habits.course[0, head - 1, tokenizer.VOCAB.index(course)]
    assert abs(ratio - times) < 0.05 and times > 1.5
    assert habits.seen[tokenizer.VOCAB.index(course)] >= facts.HABIT_MIN_SEEN
    # every other sous-chef's liking for any often-seen course is weaker
    liked = habits.course[0][:, habits.seen >= facts.HABIT_MIN_SEEN]
    assert np.isclose(liked.max(), ratio)
    # another model, other habits
    assert (say("habit_head", barely_trained), say("habit_course", barely_trained), say("habit_times", barely_trained)) != (
        str(head), course, f"{times:.1f}")


def test_at_temperature_zero_the_careful_cook_still_invents(shipped, barely_trained):
    known = data.known_names()
    p = checkpoint.default_params()
    assert say("careful_name", shipped) == sample.sample(p, n=1, temperature=0).names[0]
    made_up = [l for l in tokenizer.VOCAB if sample.sample(p, n=1, temperature=0, prefix=l).invented[0]]
    assert say("careful_invented", shipped) == str(len(made_up))
    assert say("careful_openings", shipped) == str(len(tokenizer.VOCAB))
    first = sample.sample(p, n=1, temperature=0, prefix=made_up[0]).names[0]
    assert say("careful_example:1", shipped) == first and first not in known
    assert (say("careful_name", barely_trained), say("careful_invented", barely_trained)) != (
        say("careful_name", shipped), say("careful_invented", shipped))


def test_the_vote_after_a_beginning_comes_from_the_model(shipped, barely_trained):
    p = checkpoint.default_params()
    probs = inspect.next_vote(p, "emm")
    order = np.argsort(-probs, kind="stable")
    for k in (1, 2, 3):
        assert say(f"next:emm:{k}", shipped) == tokenizer.VOCAB[order[k - 1]]
        assert say(f"next_pct:emm:{k}", shipped) == f"{round(probs[order[k - 1]] * 100)}%"
    ins = inspect.inspect(p, "emm", is_prefix=True)
    assert say("passed:emm", shipped) == str(int((ins.mlp_post[-1, -1] > 0).sum()))
    other = [say(f"next_pct:emm:{k}", barely_trained) for k in (1, 2, 3)]
    assert other != [say(f"next_pct:emm:{k}", shipped) for k in (1, 2, 3)]
    # the bell has a name in each language
    assert facts.course_name(tokenizer.BOS, "zh") == "服务铃" and facts.course_name(tokenizer.BOS, "en") == "the bell"
    for bad in ("next:emm", "next:EMM:1", "next:emm:0", "next:emm:28", "passed:", "passed:emm:1"):
        with pytest.raises(facts.PlaceholderError):
            say(bad, shipped)


def test_training_times_are_worded_per_language_and_follow_the_clock(shipped, monkeypatch):
    quick = dataclasses.replace(shipped, train_seconds=0.4, reference_seconds=545.0)
    assert (say("train_time", quick, "zh"), say("train_time", quick)) == ("不到一秒", "under a second")
    assert (say("reference_train_time", quick, "zh"), say("reference_train_time", quick)) == ("大约 9 分钟", "about 9 minutes")
    slow = dataclasses.replace(shipped, train_seconds=3.2, reference_seconds=1300.0)
    assert (say("train_time", slow, "zh"), say("train_time", slow)) == ("大约 3 秒", "about 3 seconds")
    assert say("reference_train_time", slow) == "about 22 minutes"
    # `kitchen serve` measures once and every worker reads the same figures
    monkeypatch.setenv(facts.TIMES_ENV, "0.25,600.0")
    assert facts.training_times() == (0.25, 600.0)
    monkeypatch.setenv(facts.TIMES_ENV, "nonsense")
    fast, slow_s = facts.training_times()           # a bad value is measured afresh
    assert 0 < fast < slow_s


def test_kitchen_serve_measures_once_and_hands_the_figures_to_its_workers(monkeypatch):
    import os
    import sys
    import types

    from app import cli

    seen = {}
    fake = types.SimpleNamespace(run=lambda *a, **k: seen.update(env=os.environ.get(facts.TIMES_ENV)))
    monkeypatch.setitem(sys.modules, "uvicorn", fake)
    monkeypatch.delenv(facts.TIMES_ENV, raising=False)
    assert cli.main(["serve", "--workers", "2"]) == 0
    fast, slow = (float(x) for x in seen["env"].split(","))   # measured once, in the settings check's process
    assert 0 < fast < slow
    # a figure already set (by a supervisor, or by hand) is left alone
    monkeypatch.setenv(facts.TIMES_ENV, "0.7,500.0")
    assert cli.main(["serve"]) == 0
    assert seen["env"] == "0.7,500.0"


def test_kitchen_serve_itself_holds_neither_the_model_nor_the_site():
    """It only supervises the workers: the settings are checked and training timed in a
    child process, and it imports nothing of the model, the templates or the web app."""
    import os
    import subprocess
    import sys

    code = ("import sys, types; seen = {}; "
            "sys.modules['uvicorn'] = types.SimpleNamespace(run=lambda *a, **k: seen.update(m=set(sys.modules))); "
            "from app import cli; assert cli.main(['serve']) == 0; "
            "print(' '.join(sorted(m for m in seen['m'] if m.split('.')[0] in "
            "('numpy', 'engine', 'jinja2', 'babel', 'fastapi', 'starlette') or m in ('app.main', 'app.startup'))))")
    r = subprocess.run([sys.executable, "-c", code], cwd=facts.settings.ROOT, capture_output=True, text=True,
                       env={**os.environ, facts.TIMES_ENV: "0.5,480.0"}, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == ""


def test_a_courses_number_and_a_names_row_come_from_the_tokenizer(shipped, monkeypatch):
    assert say("token:bell", shipped) == str(tokenizer.BOS)
    assert say("token:e", shipped) == str(tokenizer.encode_prefix("e")[-1])
    assert say("tokens:emma", shipped, "zh") == " ".join(str(i) for i in tokenizer.encode("emma"))
    monkeypatch.setattr(tokenizer, "BOS", 99)   # another numbering, other words
    assert say("token:bell", shipped) == "99"
    assert say("tokens:emma", shipped).split()[0] == "99"
    for bad in ("token:A", "token:ab", "token:", "tokens:em1", "tokens:"):
        with pytest.raises(facts.PlaceholderError):
            say(bad, shipped)
