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

from app.web import i18n
from app.web.i18n import N_, Message
from app.widgets.base import InputError, Param, Widget

MAX_TEXT = 40   # characters the box takes (the query keeps at most 65 of a value: a longer one is "more than 64")
KINDS = ("space", "digit", "accent", "lookalike", "bell", "chinese", "letter", "emoji", "punct", "symbol", "invisible")

KIND_LABEL = {
    "space": N_("space"), "digit": N_("digit"), "accent": N_("accented letter"),
    "lookalike": N_("look-alike letter"), "bell": N_("the bell"), "chinese": N_("Chinese character"),
    "letter": N_("letter from another alphabet"), "emoji": N_("emoji"), "punct": N_("punctuation"),
    "symbol": N_("symbol"), "invisible": N_("invisible character"),
}

# why a kind of character has no course (%(n)s: the letters Xiao Ming knows)
KIND_WHY = {
    "space": N_("A space is not a course: a name here is one word, with no gaps."),
    "digit": N_("Digits are not courses: the master's menus are letters only."),
    "accent": N_("Xiao Ming knows only the %(n)s plain letters; an accent or any other mark makes a course he has never seen. The kitchen won't swap it for the nearest plain letter for you."),
    "lookalike": N_("It looks like a letter but is a different character (a full-width letter, say, or the kelvin sign), not one of the %(n)s letters Xiao Ming knows. The kitchen won't swap it for the plain letter for you."),
    "bell": N_("You don't order the bell: the kitchen rings it itself, at the start and the end of every menu."),
    "chinese": N_("Chinese characters are not courses in this kitchen: the master's menus are English names, %(n)s letters only."),
    "letter": N_("A letter from another alphabet is not one of the %(n)s letters Xiao Ming knows."),
    "emoji": N_("An emoji is not a course: the menu has %(n)s letters and the bell, nothing else."),
    "punct": N_("Punctuation is not a course: the names here are letters only, no hyphens, apostrophes or full stops."),
    "symbol": N_("A symbol is not a course: the menu has %(n)s letters and the bell, nothing else."),
    "invisible": N_("You can't see this character, but it is in what you typed, and it is not a course either."),
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
            if len(text) <= self.max_raw:
                said = Message("The %(what)s is too long: at most %(max)s characters, this has %(n)s.",
                               what=Message(self.label), max=self.max_chars, n=len(text))
            else:
                said = Message("The %(what)s is too long: at most %(max)s characters, this has more than %(n)s.",
                               what=Message(self.label), max=self.max_chars, n=self.max_raw)
            raise InputError(said, self.key)
        letters = sum(1 for c in clusters(text) if len(c) == 1 and c.isascii() and c.isalpha())
        if letters > tokenizer.MAX_NAME_LEN:
            raise InputError(Message("That menu is too long: Xiao Ming can plan at most %(max)s courses (%(tags)s order tags, counting the opening bell); this one has %(n)s.",
                                     max=tokenizer.MAX_NAME_LEN, tags=tokenizer.MAX_NAME_LEN + 1, n=letters), self.key)
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
            tiles.append({"kind": "rejected", "label": shown(cl, kind), "why": i18n.say(lang, KIND_LABEL[kind])})
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
        text = state["text"]
        name, tokens, tiles, folded, rejected = cut(text, lang)
        bell = {"kind": "bell", "label": tokenizer.BELL, "id": tokenizer.BOS}
        row = [bell, *tiles, bell] if tokens else tiles
        if folded:
            pairs = i18n.join([f"{a} → {b}" for a, b in folded], lang)
            folded_text = i18n.say(lang, "Capitals are read as lower case: %(pairs)s. The kitchen has only lower-case courses.",
                                   pairs=pairs)
        else:
            folded_text = ""
        problems = [
            {
                "kind": kind,
                "label": i18n.say(lang, KIND_LABEL[kind]),
                "chars": entry["chars"],
                "count": entry["count"],
                "why": i18n.say(lang, KIND_WHY[kind], n=len(tokenizer.VOCAB)),
            }
            for kind, entry in rejected.items()
        ]
        n_rejected = sum(p["count"] for p in problems)
        if not text:
            status = "empty"
            summary = i18n.say(lang, "Type a name to see it cut into courses.")
        elif not tokens:
            status = "none"
            summary = i18n.say(lang, "None of these characters is a course in this kitchen: Xiao Ming has nothing to serve.")
        else:
            status = "ok"
            summary = i18n.say_n(
                lang,
                "“%(name)s” is an omakase of %(num)s course: with a bell at each end, Xiao Ming receives %(tokens)s numbers.",
                "“%(name)s” is an omakase of %(num)s courses: with a bell at each end, Xiao Ming receives %(tokens)s numbers.",
                len(tokens) - 2, name=name, tokens=len(tokens))
        if n_rejected and tokens:
            turned_away = i18n.say_n(
                lang,
                "Xiao Ming knows only the %(letters)s letters and the bell. %(num)s character has no course in this kitchen and was turned away at the door; the letters that remain were cut into courses as usual.",
                "Xiao Ming knows only the %(letters)s letters and the bell. %(num)s characters have no course in this kitchen and were turned away at the door; the letters that remain were cut into courses as usual.",
                n_rejected, letters=len(tokenizer.VOCAB))
        elif n_rejected:
            turned_away = i18n.say_n(
                lang,
                "Xiao Ming knows only the %(letters)s letters and the bell. %(num)s character has no course in this kitchen and was turned away at the door.",
                "Xiao Ming knows only the %(letters)s letters and the bell. %(num)s characters have no course in this kitchen and were turned away at the door.",
                n_rejected, letters=len(tokenizer.VOCAB))
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
