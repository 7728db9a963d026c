"""Chapter 7's sous-chefs' notebook: a menu built one course at a time.

State: menu (the courses served so far, may be empty), t (the adventurousness
knob) and seed (which table: it fixes the die). One engine call,
``engine.sample.serve_next``: the courses so far each write their page (keys
and values) into the notebook, the newest course's attention over the pages is
what each sous-chef read, and the next course is drawn exactly as
``engine.sample.sample`` draws for one name at that table, so walking the
notebook from the bell to the closing bell serves the very name the
adventurousness dial serves at that seed.
"""

from engine import checkpoint, data
from engine.sample import serve_next
from engine.tokenizer import BOS, VOCAB, encode_prefix, token_label

from app.widgets import inside
from app.web import i18n
from app.web.i18n import N_
from app.widgets.base import Letters, Number

T_MAX = 5
SEED_MAX = 2**31 - 1


class Notebook(inside.Widget):
    def compute(self, state, lang):
        menu, t, seed = state["menu"], state["t"], state["seed"]
        attn, probs, nxt = serve_next(checkpoint.default_params(), menu, t, seed)
        att = attn[0]                                                 # (H,P) first (only) layer
        tokens = encode_prefix(menu)
        P = len(tokens)
        newest = P - 1
        tops = [int(att[h].argmax()) for h in range(att.shape[0])]
        pages = []
        for p, tok in enumerate(tokens):
            pages.append({
                "n": p,
                "label": token_label(tok),
                "new": p == newest,
                "reads": [
                    {"pct": inside.pct(att[h, p]), "bar": inside.bar(att[h, p]), "w": float(att[h, p]), "top": tops[h] == p}
                    for h in range(att.shape[0])
                ],
            })
        totals = [inside.pct(att[h].sum()) for h in range(att.shape[0])]
        heads = [{"n": h + 1} for h in range(att.shape[0])]
        without = P * (P + 1) // 2
        chosen = None
        done = None
        if nxt is None:
            done = "full"
        elif nxt == BOS:
            done = "bell"
        else:
            chosen = {"label": VOCAB[nxt], "pct": inside.pct(probs[nxt]), "menu": menu + VOCAB[nxt]}
        known = menu in data.known_names() if menu else False
        newest_name = inside.course(tokens[newest], lang)
        lingers = []
        for h, top in enumerate(tops):
            who = inside.course(tokens[top], lang)
            share = inside.pct(att[h, top])
            lingers.append(i18n.say(lang, "Sous-chef %(n)s lingered longest on page %(page)s (%(who)s): %(share)s.",
                                    n=h + 1, page=top, who=who, share=share))
        if newest == 0:
            step_line = i18n.say(lang, "The bell opens the menu: the notebook gets its first page, page 0. "
                                       "There is nothing earlier to read yet, so each sous-chef can only look at this page.")
        else:
            step_line = i18n.say_n(
                lang,
                "This step: the only new cooking is %(course)s (order tag %(num)s), plus one fresh page, page %(num)s. "
                "The page before it was written earlier and is only read: nothing goes back on the stove.",
                "This step: the only new cooking is %(course)s (order tag %(num)s), plus one fresh page, page %(num)s. "
                "The %(num)s pages before it were written earlier and are only read: nothing goes back on the stove.",
                newest, course=newest_name)
        cost = i18n.say_n(
            lang,
            "Course by course, the kitchen has cooked %(num)s course so far, each once. "
            "Without the notebook, every step would cook all the earlier courses again: %(without)s in all.",
            "Course by course, the kitchen has cooked %(num)s courses so far, each once. "
            "Without the notebook, every step would cook all the earlier courses again: %(without)s in all.",
            P, without=without)
        if done == "bell":
            if menu:
                end = i18n.sentences(
                    lang,
                    i18n.say(lang, "🛎️ The die picked the bell: the menu “%(menu)s” is done.", menu=menu),
                    i18n.say(lang, "It's in the master's book.") if known
                    else i18n.say(lang, "It's not in the book: Xiao Ming invented it."))
            else:
                end = i18n.say(lang, "🛎️ The die picked the bell straight away: an empty menu.")
        elif done == "full":
            end = i18n.say(lang, "The notebook is full at %(n)s pages: the longest menu the kitchen can plan.", n=P)
        else:
            end = i18n.say(lang, "After reading, the pass votes; the die picked ‘%(course)s’ (%(pct)s of the vote).",
                           course=chosen["label"], pct=chosen["pct"])
        caption = i18n.say_n(
            lang,
            "The notebook has %(num)s page. How much attention each sous-chef gave each page for this course:",
            "The notebook has %(num)s pages. How much attention each sous-chef gave each page for this course:",
            P)
        return {
            "caption": caption,
            "menu": menu,
            "so_far": [token_label(x) for x in tokens],
            "pages": pages,
            "n_pages": P,
            "heads": heads,
            "totals": totals,
            "lingers": lingers,
            "step_line": step_line,
            "cost": cost,
            "end": end,
            "done": done,
            "chosen": chosen,
            "seed": seed,
            "next_seed": seed + 1 if seed < SEED_MAX else 0,
        }


NOTEBOOK = Notebook(
    name="notebook",
    chapter=7,
    title=N_("The sous-chefs' notebook: one course at a time"),
    concept=N_("KV cache"),
    height=920,
    params=(
        Letters("menu", "", N_("courses so far"), max_len=inside.MAX_LETTERS, allow_empty=True),
        Number("t", 0.5, N_("adventurousness (temperature)"), lo=0, hi=T_MAX),
        Number("seed", 1, N_("table (seed)"), lo=0, hi=SEED_MAX, integer=True),
    ),
    assets=("css/widgets/inside.css",),
)
