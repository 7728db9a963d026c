"""Courses and the service bell: names become lists of token ids.

The vocabulary is the sorted set of letters in the data set, a..z as ids 0..25,
plus the service bell (BOS) as id 26. One bell opens a menu and one closes it:
"emma" -> [26, 4, 12, 12, 0, 26].
"""

from engine.model import CONFIG

VOCAB = "abcdefghijklmnopqrstuvwxyz"  # course letters, id = position
BOS = 26                              # the service bell: start and end of a menu
VOCAB_SIZE = len(VOCAB) + 1           # every course, the bell included (the model's vocab_size)
MAX_NAME_LEN = CONFIG.block_size - 1  # the longest name the kitchen accepts: its positions, less the opening bell
BELL = "\U0001F6CE\ufe0f"             # how the bell is drawn

_ID = {ch: i for i, ch in enumerate(VOCAB)}
_FOLD = str.maketrans(VOCAB.upper(), VOCAB)  # A-Z read as a-z; nothing else is "a capital"


def check_name(text, *, allow_empty=False, max_len=MAX_NAME_LEN):
    """Return ``text`` lower-cased if it is a usable name, else raise ValueError.

    Capitals A-Z are folded to lower case (only those: the kelvin sign is not a K).
    Anything outside a-z is refused with a message that names the character,
    because the kitchen has no such course.
    """
    if not isinstance(text, str):
        raise ValueError("a name must be text made of the letters a-z")
    name = text.strip().translate(_FOLD)
    if not name and not allow_empty:
        raise ValueError("the name is empty: type at least one letter a-z")
    bad = sorted({ch for ch in name if ch not in _ID})
    if bad:
        shown = ", ".join(repr(ch) for ch in bad)
        raise ValueError(f"only the letters a-z are courses in this kitchen; not allowed: {shown}")
    if len(name) > max_len:
        raise ValueError(f"a name may have at most {max_len} letters; this one has {len(name)}")
    return name


def encode(name):
    """[BOS] + letter ids + [BOS] for a checked name."""
    name = check_name(name)
    return [BOS] + [_ID[ch] for ch in name] + [BOS]


def encode_prefix(prefix):
    """[BOS] + letter ids, for the beginning of a name (may be empty)."""
    prefix = check_name(prefix, allow_empty=True, max_len=MAX_NAME_LEN)
    return [BOS] + [_ID[ch] for ch in prefix]


def decode(ids):
    """Letters for ids, the bell dropped: [26, 4, 12, 12, 0, 26] -> 'emma'."""
    return "".join([VOCAB[i] for i in ids if i != BOS])


def token_label(i):
    """A display label for one token id: its letter, or the bell."""
    if not 0 <= i < VOCAB_SIZE:
        raise ValueError(f"token ids run from 0 to {VOCAB_SIZE - 1}")
    return BELL if i == BOS else VOCAB[i]
