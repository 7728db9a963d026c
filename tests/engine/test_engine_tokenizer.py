import pytest

from engine.tokenizer import BOS, VOCAB_SIZE, check_name, decode, encode, encode_prefix, token_label


def test_emma_becomes_courses_between_two_bells():
    assert encode("emma") == [26, 4, 12, 12, 0, 26]
    assert BOS == 26 and VOCAB_SIZE == 27


def test_decode_drops_bells():
    assert decode([26, 4, 12, 12, 0, 26]) == "emma"


def test_capitals_are_folded():
    assert check_name("  Emma ") == "emma"
    assert encode("EMMA") == encode("emma")


def test_only_the_capitals_a_to_z_are_folded():
    # the kelvin sign lower-cases to a plain k in Python, but it is not a capital K
    with pytest.raises(ValueError, match="'\u212a'"):
        check_name("\u212aate")
    with pytest.raises(ValueError, match="'\u0130'"):
        check_name("\u0130vy")


@pytest.mark.parametrize("text, words", [
    ("", "empty"),
    ("em ma", "' '"),
    ("zoë", "'ë'"),
    ("r2d2", "'2'"),
    ("a" * 16, "at most 15"),
])
def test_bad_names_are_refused_with_a_reason(text, words):
    with pytest.raises(ValueError, match=words):
        check_name(text)


def test_prefix_may_be_empty():
    assert encode_prefix("") == [BOS]
    assert encode_prefix("Em") == [BOS, 4, 12]


def test_non_text_is_refused():
    with pytest.raises(ValueError):
        check_name(None)


def test_token_labels():
    assert token_label(0) == "a"
    assert token_label(25) == "z"
    assert "\U0001F6CE" in token_label(26)
    with pytest.raises(ValueError):
        token_label(27)
