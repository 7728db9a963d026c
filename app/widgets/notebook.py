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
from app.web.i18n import N_
from app.widgets.base import Letters, Number

T_MAX = 5
SEED_MAX = 2**31 - 1


class Notebook(inside.Widget):
    def compute(self, state, lang):
        zh = lang == "zh"
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
            if zh:
                lingers.append(f"副厨 {h + 1} 在第 {top} 页（{who}）停留得最久：{share}。")
            else:
                lingers.append(f"Sous-chef {h + 1} lingered longest on page {top} ({who}): {share}.")
        if zh:
            if newest == 0:
                step_line = "开场铃响：本子上写下第一页（第 0 页）。前面还没有别的页，每位副厨只能看这一页。"
            else:
                step_line = (f"这一步：新做的只有 {newest} 号位的{newest_name}，本子上新添第 {newest} 页；"
                             f"前面 {newest} 页是早先写好的，直接翻看，一道也没有回锅。")
            cost = (f"一道一道上到现在，厨房一共只做了 {P} 道菜，每道一次；"
                    f"要是没有本子，每一步都得把前面的菜重做一遍，一共要做 {without} 道。")
            if done == "bell":
                end = f"🛎️ 骰子选中了铃：这套菜单“{menu}”做完了。" if menu else "🛎️ 骰子一上来就选中了铃：空菜单。"
                end += ("师傅的作品集里有这个名字。" if known else "作品集里没有这个名字：这是小明新编的菜。") if menu else ""
            elif done == "full":
                end = f"本子写满了 {P} 页：这是厨房能排的最长的菜单。"
            else:
                end = f"读完本子，出菜口投票；骰子选中了“{chosen['label']}”（它得了 {chosen['pct']} 的票）。"
        else:
            if newest == 0:
                step_line = ("The bell opens the menu: the notebook gets its first page, page 0. "
                             "There is nothing earlier to read yet, so each sous-chef can only look at this page.")
            elif newest == 1:
                step_line = (f"This step: the only new cooking is {newest_name} (order tag 1), plus one fresh page, page 1. "
                             "The page before it was written earlier and is only read: nothing goes back on the stove.")
            else:
                step_line = (f"This step: the only new cooking is {newest_name} (order tag {newest}), plus one fresh page, page {newest}. "
                             f"The {newest} pages before it were written earlier and are only read: nothing goes back on the stove.")
            cost = (f"Course by course, the kitchen has cooked {P} course{'s' if P != 1 else ''} so far, each once. "
                    f"Without the notebook, every step would cook all the earlier courses again: {without} in all.")
            if done == "bell":
                end = (f"🛎️ The die picked the bell: the menu “{menu}” is done. " if menu
                       else "🛎️ The die picked the bell straight away: an empty menu. ")
                end += ("It's in the master's book." if known else "It's not in the book: Xiao Ming invented it.") if menu else ""
            elif done == "full":
                end = f"The notebook is full at {P} pages: the longest menu the kitchen can plan."
            else:
                end = f"After reading, the pass votes; the die picked ‘{chosen['label']}’ ({chosen['pct']} of the vote)."
        if zh:
            caption = f"本子有 {P} 页。这一道，每位副厨在每一页上花了多少注意力："
        else:
            caption = f"The notebook has {P} page{'s' if P != 1 else ''}. How much attention each sous-chef gave each page for this course:"
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
