"""The wall's knobs named for readers, in both languages.

The nine stations in the order a course meets them on the line, their names,
the real term for each, what a row and a column mean, and a label for any
single knob (the English one is ``engine.inspect.knob_label``). Used by the
knob widgets, the figures, the story's placeholders and the JSON API.
"""

from engine import inspect as ins
from engine.tokenizer import BELL, BOS, VOCAB

# station key (matrix name without the layer) in the order a course meets them
ORDER = ("wte", "wpe", "attn_wq", "attn_wk", "attn_wv", "attn_wo", "mlp_fc1", "mlp_fc2", "lm_head")

STATION_ZH = {
    "wte": "风味档案卡",
    "wpe": "上菜顺序标签",
    "attn_wq": "副厨的问题旋钮",
    "attn_wk": "副厨的标签旋钮",
    "attn_wv": "副厨的配方旋钮",
    "attn_wo": "副厨的汇报旋钮",
    "mlp_fc1": "加工间·进",
    "mlp_fc2": "加工间·出",
    "lm_head": "出菜口投票",
}
STATION_EN = {key: ins.STATIONS[key] for key in ORDER}  # the engine's own names

# the real term, shown once in small type
TERM = {
    "wte": "token embedding · wte",
    "wpe": "position embedding · wpe",
    "attn_wq": "attention query · Wq",
    "attn_wk": "attention key · Wk",
    "attn_wv": "attention value · Wv",
    "attn_wo": "attention output · Wo",
    "mlp_fc1": "MLP fc1",
    "mlp_fc2": "MLP fc2",
    "lm_head": "lm_head",
}

# what a row and a column mean at each station; {courses}, {bell} and {hs} are
# filled in from the engine by axis_help
AXES = {
    "wte": ("哪道菜（{courses}，{bell} = 服务铃）", "卡上第几个数", "which course ({courses}, {bell} = the bell)", "which number on the card"),
    "wpe": ("第几个位置", "标签上第几个数", "which position", "which number on the tag"),
    "attn_wq": ("副厨的问题（每位副厨 {hs} 行）", "读卡上第几个数", "the sous-chefs' questions ({hs} rows each)", "which card number it reads"),
    "attn_wk": ("副厨的标签（每位副厨 {hs} 行）", "读卡上第几个数", "the sous-chefs' labels ({hs} rows each)", "which card number it reads"),
    "attn_wv": ("副厨的配方（每位副厨 {hs} 行）", "读卡上第几个数", "the sous-chefs' recipes ({hs} rows each)", "which card number it reads"),
    "attn_wo": ("写进卡上第几个数", "哪位副厨的第几条笔记（每位 {hs} 列）", "which card number it writes", "whose note ({hs} columns per sous-chef)"),
    "mlp_fc1": ("加工间第几号工人", "读卡上第几个数", "which prep-room worker", "which card number it reads"),
    "mlp_fc2": ("写进卡上第几个数", "加工间第几号工人", "which card number it writes", "which prep-room worker"),
    "lm_head": ("给哪道菜投票（{courses}，{bell} = 服务铃）", "读卡上第几个数", "the vote for which course ({courses}, {bell} = the bell)", "which card number it reads"),
}


def axis_help(key, p):
    """AXES[key] with the model's numbers filled in: (row zh, column zh, row en, column en).

    Rows and columns are numbered from 1, as the wall shows them: the letters are
    1 to len(VOCAB), the bell its id + 1, and each sous-chef owns head_size rows."""
    words = {"courses": f"1–{len(VOCAB)} = {VOCAB[0]}–{VOCAB[-1]}", "bell": BOS + 1, "hs": p.config.head_size}
    return tuple(text.format(**words) for text in AXES[key])


def matrix(key):
    """The matrix name of a station key: "attn_wq" -> "layer0.attn_wq"."""
    return key if key in ("wte", "wpe", "lm_head") else f"layer0.{key}"


# each station's name for the reader, as a Choice's words: (key, zh, en)
STATION_WORDS = tuple((k, STATION_ZH[k], STATION_EN[k]) for k in ORDER)


def station_name(key, lang):
    return STATION_ZH[key] if lang == "zh" else STATION_EN[key]


def _course_zh(i):
    return f"服务铃 {BELL}" if i == BOS else f"“{VOCAB[i]}”"


def knob_label_zh(p, address):
    """The Chinese twin of ``engine.inspect.knob_label``, built from the address."""
    a = address if isinstance(address, ins.KnobAddress) else ins.knob_address(p, address)
    hs = p.config.head_size
    kind, r, c = a.kind, a.row, a.col
    if kind == "wte":
        return f"{_course_zh(r)}的风味档案卡，第 {c + 1} 个数"
    if kind == "wpe":
        return f"第 {r + 1} 个位置的上菜顺序标签，第 {c + 1} 个数"
    if kind == "lm_head":
        return f"出菜口给{_course_zh(r)}投票时，读卡上第 {c + 1} 个数"
    if kind in ("attn_wq", "attn_wk", "attn_wv"):
        what = {"attn_wq": "问题", "attn_wk": "标签", "attn_wv": "配方"}[kind]
        return f"第 {r // hs + 1} 位副厨的{what}旋钮 {r % hs + 1}，读卡上第 {c + 1} 个数"
    if kind == "attn_wo":
        return f"汇报旋钮：第 {c // hs + 1} 位副厨的第 {c % hs + 1} 条笔记，写进卡上第 {r + 1} 个数"
    if kind == "mlp_fc1":
        return f"加工间第 {r + 1} 号工人，读卡上第 {c + 1} 个数"
    return f"加工间第 {c + 1} 号工人的产出，写进卡上第 {r + 1} 个数"


def knob_label(p, address, lang):
    return knob_label_zh(p, address) if lang == "zh" else ins.knob_label(p, address)
