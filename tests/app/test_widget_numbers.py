"""The widgets' words take the model's numbers from the engine: change the number and the words follow."""

import dataclasses
import html
import json
import re
import types
from pathlib import Path

import pytest

from app.model_facts import knob_words, limits
from app.widgets import BUILT, view
from app.widgets.base import Letters
from engine import model, tokenizer


def with_letters(widget, most):
    """``widget`` with every name field taking at most ``most`` letters."""
    params = tuple(dataclasses.replace(p, max_len=most) if isinstance(p, Letters) else p for p in widget.params)
    return dataclasses.replace(widget, params=params)


def render(widget, lang, query=()):
    out, _ = view.render(view.Instance(widget, widget.name), lang, list(query), action="/x")
    return html.unescape(out)


def test_the_longest_name_is_the_models_positions_less_the_opening_bell():
    assert tokenizer.MAX_NAME_LEN == model.CONFIG.block_size - 1
    assert limits.MAX_LETTERS == tokenizer.MAX_NAME_LEN
    letters = [(w.name, p.key, p.max_len) for w in BUILT.values() for p in w.params if isinstance(p, Letters)]
    assert len(letters) >= 8
    assert all(most == limits.MAX_LETTERS for _, _, most in letters), letters


LETTER_WIDGETS = sorted(name for name, w in BUILT.items() if any(isinstance(p, Letters) for p in w.params))


@pytest.mark.parametrize("name", LETTER_WIDGETS)
def test_a_name_fields_words_and_bounds_follow_its_limit(name):
    widget = with_letters(BUILT[name], 9)
    typed = str(limits.MAX_LETTERS)
    for lang in ("zh", "en"):
        text = render(widget, lang)
        # no word, maxlength or pattern still holds the engine's usual limit
        assert f"最多 {typed} 个" not in text and f"at most {typed}" not in text.lower(), (name, lang)
        assert f'maxlength="{typed}"' not in text and "{1,%s}" % typed not in text, (name, lang)
        for p in widget.params:
            if isinstance(p, Letters):
                for tag in re.findall(r'<input [^>]*name="%s\.%s"[^>]*>' % (name, p.key), text):
                    # the limit itself, or the longest raw value read (a longer name then gets its message)
                    most = re.search(r'maxlength="(\d+)"', tag)
                    assert most is None or most.group(1) in ("9", str(view.MAX_RAW)), (name, lang, tag)
        # the help beside the field says the new limit
        if re.search(r'id="[^"]*-name-help"', text):
            assert ("最多 9 个" if lang == "zh" else "at most 9.") in text, (name, lang)


def test_the_shared_name_field_says_its_limit_in_both_languages():
    widget = with_letters(BUILT["sous-chefs"], 7)
    assert "字母 a–z，最多 7 个。" in render(widget, "zh")
    en = render(widget, "en")
    assert "Letters a–z, at most 7." in en
    assert 'maxlength="7"' in en or "at most 7" in en


def test_a_name_too_long_is_refused_with_the_limit_the_field_has():
    widget = with_letters(BUILT["scorecard"], 6)
    text = render(widget, "en", [("scorecard.name", "abcdefg")])
    assert "at most 6 of them" in text
    assert "at most 6 of them" not in render(with_letters(BUILT["scorecard"], 7), "en", [("scorecard.name", "abcdefg")])


def test_the_vote_stops_at_the_longest_menu_the_field_allows():
    widget = with_letters(BUILT["next-dish"], 5)
    zh = render(widget, "zh", [("next-dish.prefix", "abcde")])
    en = render(widget, "en", [("next-dish.prefix", "abcde")])
    assert "这套菜已经 5 道了" in zh
    assert "This menu already has 5 courses" in en
    assert f"The {tokenizer.VOCAB_SIZE} courses, most votes first" in en
    assert f"{tokenizer.VOCAB_SIZE} 道菜的票数" in zh
    assert "already has" not in render(widget, "en", [("next-dish.prefix", "abcd")])


def test_the_walls_axes_count_rows_per_sous_chef_from_the_head_size():
    def shaped(**kw):
        return types.SimpleNamespace(config=model.Config(**kw))

    usual = knob_words.axis_help("attn_wq", shaped())
    assert usual[2] == f"the sous-chefs' questions ({model.CONFIG.head_size} rows each)"
    assert f"每位副厨 {model.CONFIG.head_size} 行" in usual[0]
    wider = knob_words.axis_help("attn_wq", shaped(n_embd=24, n_head=4))   # head_size 6
    assert wider[2] == "the sous-chefs' questions (6 rows each)" and "每位副厨 6 行" in wider[0]
    assert "(6 columns per sous-chef)" in knob_words.axis_help("attn_wo", shaped(n_embd=24, n_head=4))[3]
    assert "每位 6 列" in knob_words.axis_help("attn_wo", shaped(n_embd=24, n_head=4))[1]
    bell, letters = tokenizer.BOS + 1, len(tokenizer.VOCAB)
    for key in ("wte", "lm_head"):
        zh, _, en, _ = knob_words.axis_help(key, shaped())
        assert f"1–{letters} = a–z，{bell} = 服务铃" in zh
        assert f"1–{letters} = a–z, {bell} = the bell" in en
    for texts in (knob_words.axis_help(k, shaped()) for k in knob_words.ORDER):
        assert not any("{" in t for t in texts)


def test_the_knob_wall_shows_its_stations_and_axes_from_the_model():
    en = render(BUILT["knob-wall"], "en", [("knob-wall.station", "attn_wq")])
    zh = render(BUILT["knob-wall"], "zh", [("knob-wall.station", "attn_wq")])
    n = len(knob_words.ORDER)
    assert f"The {n} stations add up to" in en and f"{n} 个工位加起来" in zh
    assert f'aria-label="{n} stations"' in en and f'aria-label="{n} 个工位"' in zh
    assert "nine" not in en and "九个" not in zh
    assert f"({model.CONFIG.head_size} rows each)" in en and f"每位副厨 {model.CONFIG.head_size} 行" in zh


def test_the_kitchen_map_counts_its_sous_chefs_and_card_numbers_from_the_model():
    en = render(BUILT["kitchen-map"], "en")
    zh = render(BUILT["kitchen-map"], "zh")
    assert f"4. The {model.CONFIG.n_head} sous-chefs look back" in en
    assert f"4. {model.CONFIG.n_head} 位副厨回头看" in zh
    assert en.count(f'viewBox="0 0 {model.CONFIG.n_embd} 1"') == 3
    refused = render(BUILT["kitchen-map"], "en", [("kitchen-map.name", "em1")])
    assert f'min="0" max="{limits.MAX_LETTERS}"' in refused


def replaced(widget, **changes):
    """``widget`` with some parameters changed: key -> dict of new field values."""
    params = tuple(dataclasses.replace(p, **changes[p.key]) if p.key in changes else p for p in widget.params)
    return dataclasses.replace(widget, params=params)


def test_the_practice_kitchens_help_follows_its_bounds_and_the_engines_hand():
    from engine import optim

    usual = render(BUILT["practice"], "en", [("practice.steps", "0")])
    assert f"starts at {optim.AdamConfig().lr:g} and eases off" in usual
    assert f"At most {limits.PRACTICE_STEPS_MAX:,} menus" in usual
    widget = replaced(BUILT["practice"], lr={"default": 0.02, "lo": 0.001, "hi": 2}, steps={"hi": 300})
    en = render(widget, "en", [("practice.steps", "0")])
    zh = render(widget, "zh", [("practice.steps", "0")])
    assert "Anywhere from 0.001 to 2; Xiao Ming's master starts at 0.02 and eases off every menu. At most 300 menus." in en
    assert "手劲在 0.001 到 2 之间；小明的师傅用 0.02，之后逐套减小。最多练 300 套。" in zh


def test_the_three_star_kitchens_words_count_pairs_and_dishes_from_the_engine():
    from engine import tune

    assert BUILT["michelin"].numbers == {"pairs_you": tune.PAIRS_YOU, "rl_batch": tune.RL_BATCH}
    widget = dataclasses.replace(BUILT["michelin"], numbers={"pairs_you": 5, "rl_batch": 11})
    en = render(widget, "en", [("michelin.book", "nonsense")])
    zh = render(widget, "zh", [("michelin.book", "nonsense")])
    assert "I pick the better of two dishes, 5 times" in en and "挑 5 次" in zh
    assert "Each round Xiao Ming cooks 11 dishes" in en and "每轮小明做 11 道菜" in zh


def test_the_practice_script_reads_its_marks_and_bounds_from_the_page():
    from engine import train

    raw, _ = view.render(view.Instance(BUILT["practice"], "practice"), "en", [], action="/x")
    geom = json.loads(html.unescape(re.search(r'data-geom="([^"]*)"', raw).group(1)))
    text = html.unescape(raw)
    assert geom["marks"] == list(train.MILESTONES)
    assert f"Once he practises, his dishes after menus {', '.join(f'{m:,}' for m in train.MILESTONES)} and the last one" in text
    params = {p.key: p for p in BUILT["practice"].params}
    for key, hi in (("lr", limits.PRACTICE_LR_MAX), ("steps", limits.PRACTICE_STEPS_MAX), ("seed", limits.SEED_MAX)):
        field = re.search(r'<input type="number" id="practice-%s"[^>]*>' % key, text).group(0)
        assert f'max="{params[key].format(hi)}"' in field, field
    script = (Path(__file__).parents[2] / "static/js/widgets/practice.js").read_text()
    for typed in ("1000", "2000", "0.0001", "2147483647"):   # none typed into the script (the SVG namespace's /2000/ aside)
        assert not re.search(r"(?<![/\w.])%s(?![/\w])" % re.escape(typed), script), typed


def test_the_apis_words_and_defaults_are_the_engines(client):
    from engine import checkpoint, optim

    spec = client.get("/openapi.json").json()["paths"]

    def param(path, name):
        return next(p for p in spec[path]["get"]["parameters"] if p["name"] == name)

    most = limits.MAX_LETTERS
    assert param("/api/knobs", "name")["description"].endswith(f"at most {most}")
    assert param("/api/tokenize", "text")["description"].endswith(f"at most {most}")
    assert param("/api/sample", "prefix")["description"].endswith(f"(at most {most})")
    assert param("/api/knobs", "knob")["description"] == f"a knob's number, 0-{model.N_PARAMS - 1}"
    assert f"{model.N_PARAMS:,} numbers each" in spec["/api/knobs"]["get"]["description"]
    assert f"({tokenizer.VOCAB_SIZE} probabilities" in spec["/api/knobs"]["get"]["description"]
    assert spec["/api/next"]["get"]["summary"].startswith(f"The vote over the {tokenizer.VOCAB_SIZE} next courses")
    assert f"all {model.CONFIG.block_size} positions" in spec["/api/beam"]["get"]["description"]
    # the live run's defaults are the reference run the shipped model was trained by
    train = spec["/api/train"]["get"]
    assert param("/api/train", "steps")["schema"]["default"] == len(checkpoint.default_log())
    assert param("/api/train", "lr")["schema"]["default"] == optim.AdamConfig().lr
    assert param("/api/train", "seed")["schema"]["default"] == checkpoint.REFERENCE_SEED
    assert f"With steps={len(checkpoint.default_log())}, lr={optim.AdamConfig().lr:g}" in train["description"]


def test_the_commands_defaults_are_the_reference_runs(monkeypatch, capsys):
    from app import cli
    from engine import checkpoint, optim, train

    args = cli.build_parser().parse_args(["train"])
    assert (args.steps, args.seed, args.lr) == (len(checkpoint.default_log()), checkpoint.REFERENCE_SEED, optim.AdamConfig().lr)
    monkeypatch.setattr(checkpoint, "REFERENCE_SAMPLES", 7)
    monkeypatch.setattr(checkpoint, "REFERENCE_TEMPERATURE", 0.25)
    monkeypatch.setattr(train.reference_run, "__defaults__", (300, 5, 0.02, "adam", None))
    p = cli.build_parser()
    sample, again = p.parse_args(["sample"]), p.parse_args(["train"])
    assert (sample.n, sample.temperature) == (7, 0.25)
    assert (again.steps, again.seed, again.lr) == (300, 5, 0.02)
    with pytest.raises(SystemExit):
        p.parse_args(["sample", "--help"])
    assert f"(1-{tokenizer.VOCAB_SIZE}; default: all)" in " ".join(capsys.readouterr().out.split())
