"""Chapter 2's cutting board: a name becomes courses, numbered, between two bells.

State: text (what the reader typed, as typed). Capitals are folded to lower
case and the reader is told which. Every other character (a space, a digit,
an accent, an emoji, a Chinese character...) has no course in this kitchen:
it is shown where it stood, marked as turned away, and explained. The letters
that remain are cut into courses by one engine call, ``engine.tokenizer.encode``.

Only absurd input is refused with a 422: more than ``MAX_TEXT`` characters, or
more letters than the kitchen's longest menu.
"""

import unicodedata
from dataclasses import dataclass

from engine import tokenizer

from app.widgets.base import InputError, Param, Widget
from app.web.i18n import N_

MAX_TEXT = 40   # characters the box takes (the query keeps at most 65 of a value: a longer one is "more than 64")
KINDS = ("space", "digit", "accent", "lookalike", "bell", "chinese", "letter", "emoji", "punct", "symbol", "invisible")

KIND_LABEL = {
    "zh": {
        "space": "空格", "digit": "数字", "accent": "带符号的字母", "lookalike": "像字母的字符", "bell": "服务铃",
        "chinese": "汉字", "letter": "别的文字的字母", "emoji": "表情符号",
        "punct": "标点", "symbol": "符号", "invisible": "看不见的字符",
    },
    "en": {
        "space": "space", "digit": "digit", "accent": "accented letter", "lookalike": "look-alike letter", "bell": "the bell",
        "chinese": "Chinese character", "letter": "letter from another alphabet", "emoji": "emoji",
        "punct": "punctuation", "symbol": "symbol", "invisible": "invisible character",
    },
}

KIND_WHY = {
    "zh": {
        "space": "空格不是菜：这里一个名字就是一个词，中间不留空。",
        "digit": "数字不是菜：师傅的菜单上只有字母。",
        "accent": "小明只认识 {n} 个不带任何符号的字母，加了重音或别的小符号就是另一道他没见过的菜。厨房不会替你把它改成最像的字母。",
        "lookalike": "它长得像字母，其实是另一个字符（比如全角字母或开尔文符号），不在小明认识的 {n} 个字母里。厨房不会替你把它换成最像的字母。",
        "bell": "服务铃不用你点：厨房会在每套菜的开头和结尾自己摇铃。",
        "chinese": "汉字不是这间厨房的菜：师傅的菜单是英文名字，只有 {n} 个字母。",
        "letter": "这是别的文字里的字母，不在小明认识的 {n} 个字母里。",
        "emoji": "表情符号不是菜：小明的菜单上只有 {n} 个字母和一只铃。",
        "punct": "标点不是菜：菜单里的名字只有字母，没有连字符、撇号或句点。",
        "symbol": "符号不是菜：菜单上只有 {n} 个字母和一只铃。",
        "invisible": "这个字符看不见，但它确实在输入里；它也不是菜。",
    },
    "en": {
        "space": "A space is not a course: a name here is one word, with no gaps.",
        "digit": "Digits are not courses: the master's menus are letters only.",
        "accent": "Xiao Ming knows only the {n} plain letters; an accent or any other mark makes a course he has never seen. "
                  "The kitchen won't swap it for the nearest plain letter for you.",
        "lookalike": "It looks like a letter but is a different character (a full-width letter, say, or the kelvin sign), "
                     "not one of the {n} letters Xiao Ming knows. The kitchen won't swap it for the plain letter for you.",
        "bell": "You don't order the bell: the kitchen rings it itself, at the start and the end of every menu.",
        "chinese": "Chinese characters are not courses in this kitchen: the master's menus are English names, {n} letters only.",
        "letter": "A letter from another alphabet is not one of the {n} letters Xiao Ming knows.",
        "emoji": "An emoji is not a course: the menu has {n} letters and the bell, nothing else.",
        "punct": "Punctuation is not a course: the names here are letters only, no hyphens, apostrophes or full stops.",
        "symbol": "A symbol is not a course: the menu has {n} letters and the bell, nothing else.",
        "invisible": "You can't see this character, but it is in what you typed, and it is not a course either.",
    },
}

ZWJ = "\u200d"
BELL_CHAR = "\U0001F6CE"


def _joins(ch, prev):
    """True if ``ch`` belongs to the character drawn before it (accent, emoji modifier...)."""
    cp = ord(ch)
    return (
        unicodedata.category(ch) in ("Mn", "Me", "Mc")
        or 0xFE00 <= cp <= 0xFE0F          # variation selectors
        or 0x1F3FB <= cp <= 0x1F3FF        # skin tones
        or 0xE0020 <= cp <= 0xE007F        # tag characters (flags of regions)
        or ch == ZWJ
        or (prev is not None and prev.endswith(ZWJ))
        or (0x1F1E6 <= cp <= 0x1F1FF and prev is not None and len(prev) == 1 and 0x1F1E6 <= ord(prev) <= 0x1F1FF)
    )


def clusters(text):
    """``text`` as the characters a reader sees: an accent or an emoji's modifiers stay with their base."""
    out = []
    for ch in text:
        if out and _joins(ch, out[-1]):
            out[-1] += ch
        else:
            out.append(ch)
    return out


def kind_of(cluster):
    """Why ``cluster`` has no course: one of KINDS. (Letters a-z and A-Z never get here.)"""
    first = cluster[0]
    cat = unicodedata.category(first)
    if cluster.startswith(BELL_CHAR):
        return "bell"
    if any(0xFE0F == ord(c) or 0x20E3 == ord(c) or c == ZWJ for c in cluster[1:]) or ord(first) >= 0x1F000:
        return "emoji"
    if first.isspace():
        return "space"
    if cat == "Nd" or first.isdigit():
        return "digit"
    nfd = unicodedata.normalize("NFD", cluster)
    if nfd[0].isascii() and nfd[0].isalpha() and len(nfd) > 1:
        return "accent"
    if len(cluster) == 1 and not cluster.isascii():
        plain = unicodedata.normalize("NFKC", cluster)
        if len(plain) == 1 and plain.isascii() and plain.isalpha():
            return "lookalike"
    if "CJK" in unicodedata.name(first, ""):
        return "chinese"
    if cat.startswith("L"):
        return "letter"
    if cat.startswith("P"):
        return "punct"
    if cat in ("So", "Sk", "Sm", "Sc"):
        return "symbol"
    return "invisible"


def shown(cluster, kind):
    """How a turned-away character is drawn: visible even when it is a space."""
    if kind == "space":
        return "␣"
    if kind == "invisible":
        return " ".join(f"U+{ord(c):04X}" for c in cluster)
    return cluster


@dataclass(frozen=True)
class Text(Param):
    """Whatever the reader typed: refused only when absurd (too long, too many letters)."""

    max_chars: int = MAX_TEXT

    def parse(self, raw):
        text = str(raw)     # as typed: a space before or after is a character to explain too
        if len(text) > self.max_chars:
            # the query keeps at most max_raw + 1 characters of a value: beyond that, say so
            many = len(text) if len(text) <= self.max_raw else None
            raise InputError(
                f"{self.label_zh}太长了：最多 {self.max_chars} 个字符，这里有"
                + (f" {many} 个。" if many else f"超过 {self.max_raw} 个。"),
                f"The {self.label_en} is too long: at most {self.max_chars} characters, this has "
                + (f"{many}." if many else f"more than {self.max_raw}."),
                self.key,
            )
        letters = sum(1 for c in clusters(text) if len(c) == 1 and c.isascii() and c.isalpha())
        if letters > tokenizer.MAX_NAME_LEN:
            raise InputError(
                f"这套菜太长了：小明最多只能排 {tokenizer.MAX_NAME_LEN} 道菜（算上开场的铃，一共 {tokenizer.MAX_NAME_LEN + 1} 张上菜顺序标签），这里有 {letters} 道。",
                f"That menu is too long: Xiao Ming can plan at most {tokenizer.MAX_NAME_LEN} courses "
                f"({tokenizer.MAX_NAME_LEN + 1} order tags, counting the opening bell); this one has {letters}.",
                self.key,
            )
        return text


def cut(text, lang):
    """Display-ready courses for ``text``: one engine call on the letters that have a course."""
    tiles, letters, folded, rejected = [], [], [], {}
    for cl in clusters(text):
        if len(cl) == 1 and cl.isascii() and cl.isalpha():
            low = cl.lower()
            if cl != low and (cl, low) not in folded:
                folded.append((cl, low))
            letters.append(low)
            tiles.append({"kind": "course", "label": low, "typed": cl, "folded": cl != low})
        else:
            kind = kind_of(cl)
            tiles.append({"kind": "rejected", "label": shown(cl, kind), "why": KIND_LABEL[lang][kind]})
            entry = rejected.setdefault(kind, {"chars": [], "count": 0})
            entry["count"] += 1
            if shown(cl, kind) not in entry["chars"]:
                entry["chars"].append(shown(cl, kind))
    name = "".join(letters)
    tokens = tokenizer.encode(name) if name else []
    # the tiles between the bells carry the engine's numbers, in order
    numbers = iter(tokens[1:-1])
    for tile in tiles:
        if tile["kind"] == "course":
            tile["id"] = next(numbers)
    return name, tokens, tiles, folded, rejected


class Tokenizer(Widget):
    def compute(self, state, lang):
        zh = lang == "zh"
        text = state["text"]
        name, tokens, tiles, folded, rejected = cut(text, lang)
        bell = {"kind": "bell", "label": tokenizer.BELL, "id": tokenizer.BOS}
        row = [bell, *tiles, bell] if tokens else tiles
        sep = "、" if zh else ", "
        if folded:
            pairs = sep.join(f"{a} → {b}" for a, b in folded)
            folded_text = (f"大写字母一律当小写：{pairs}。厨房里只有小写的菜。" if zh
                           else f"Capitals are read as lower case: {pairs}. The kitchen has only lower-case courses.")
        else:
            folded_text = ""
        problems = [
            {
                "kind": kind,
                "label": KIND_LABEL[lang][kind],
                "chars": entry["chars"],
                "count": entry["count"],
                "why": KIND_WHY[lang][kind].format(n=len(tokenizer.VOCAB)),
            }
            for kind, entry in rejected.items()
        ]
        n_rejected = sum(p["count"] for p in problems)
        if not text:
            status = "empty"
            summary = "输入一个名字，看它怎么被拆成一道道菜。" if zh else "Type a name to see it cut into courses."
        elif not tokens:
            status = "none"
            summary = ("这里面没有一个字符是这间厨房的菜，小明什么也上不了。" if zh
                       else "None of these characters is a course in this kitchen: Xiao Ming has nothing to serve.")
        else:
            status = "ok"
            n = len(tokens) - 2
            if zh:
                summary = f"“{name}”是一套 {n} 道菜的 omakase：加上首尾两声铃，小明拿到 {len(tokens)} 个号码。"
            else:
                summary = (f"“{name}” is an omakase of {n} course{'s' if n != 1 else ''}: with a bell at each end, "
                           f"Xiao Ming receives {len(tokens)} numbers.")
        if n_rejected and zh:
            rest = "；剩下的字母照常拆成了菜。" if tokens else "。"
            turned_away = f"小明只认识 {len(tokenizer.VOCAB)} 个字母和一只铃。下面 {n_rejected} 个字符在这间厨房里没有对应的菜，被挡在了门外{rest}"
        elif n_rejected:
            rest = "; the letters that remain were cut into courses as usual." if tokens else "."
            what = "character has" if n_rejected == 1 else "characters have"
            was = "was" if n_rejected == 1 else "were"
            turned_away = (f"Xiao Ming knows only the {len(tokenizer.VOCAB)} letters and the bell. {n_rejected} {what} "
                           f"no course in this kitchen and {was} turned away at the door{rest}")
        else:
            turned_away = ""
        return {
            "status": status,
            "summary": summary,
            "name": name,
            "row": row,
            "tokens": tokens,
            "numbers": " ".join(str(t) for t in tokens),
            "labels": " ".join(tokenizer.token_label(t) for t in tokens),
            "folded_text": folded_text,
            "problems": problems,
            "turned_away": turned_away,
            "max_chars": MAX_TEXT,
        }


TOKENIZER = Tokenizer(
    name="tokenizer",
    chapter=2,
    title=N_("The cutting board: a name, course by course"),
    concept=N_("tokenizer"),
    height=440,
    params=(Text("text", "emma", N_("name")),),
    assets=("css/widgets/tokenizer.css",),
)
