"""The story: content/{zh,en}/*.md rendered once at start-up, kept in memory.

Each file has front matter (title, summary) and Markdown with three blocks of
our own (content/README.md is their specification):

- ``::: widget NAME key=value ...`` on one line: a widget slot;
- ``::: figure NAME alt="..."`` ... ``:::``: an inline SVG drawing from
  ``templates/figures/NAME.svg`` with the inner lines as caption;
- ``::: summary`` ... ``:::``: the chapter's one-sentence summary;
- ``::: term ID kitchen="..." real="..." find="..." chapter=N widget=NAME`` ... ``:::``:
  a glossary entry (glossary.md only); the chapters' first mention of each
  ``find`` phrase is linked to it;
- ``::: scene script=NAME seconds=N screen="..."`` ... ``:::`` and
  ``::: runtime NAME``: a video script's scene with its narration, and the
  script's running time added up from its scenes (video.md only).

Placeholders ``{{...}}`` are filled from the engine (app.model_facts.facts) before the
Markdown is parsed. Anything the site does not know stops start-up with a
``ContentError`` naming the file and line. A rendered page is a list of
segments: HTML strings and widget instances, so a page can be served with any
widget state while the prose is rendered only once.
"""

import html
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

import jinja2
from markdown_it import MarkdownIt
from mdit_py_plugins.container import container_plugin
from mdit_py_plugins.front_matter import front_matter_plugin

from app import widgets
from app.model_facts import facts as facts_mod
from app.story import glossary, video
from app.web import i18n, settings, templating
from app.web.i18n import N_
from app.widgets.base import InputError
from app.widgets.view import Instance

PAGES = ("index",) + tuple(f"chapter-{n}" for n in range(1, 9)) + ("ending", "thread", "glossary", "video")
# the pages that are not chapters, as the contents, the pager and the share cards name them
SECTIONS = {"ending": N_("Ending"), "thread": N_("The thread"), "glossary": N_("Glossary"),
            "video": N_("Video scripts")}
READING_ORDER = ("index",) + tuple(f"chapter-{n}" for n in range(1, 9)) + ("ending",)
FIGURE_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
BLOCK_RE = re.compile(r"^:::+\s*(.*?)\s*$")
FENCE_RE = re.compile(r"^(```+|~~~+)")
SLOT = "<!--kitchen-slot-{}-->"
SLOT_RE = re.compile(r"<!--kitchen-slot-(\d+)-->\n?")
TAG_RE = re.compile(r"<[^>]+>")


class ContentError(ValueError):
    """A content file the site cannot serve; the message names file and line."""


def page_path(lang, slug):
    """The URL of a page."""
    if slug == "index":
        return f"/{lang}/"
    if slug.startswith("chapter-"):
        return f"/{lang}/chapter/{slug.split('-', 1)[1]}"
    return f"/{lang}/{slug}"


def chapter_number(slug):
    return int(slug.split("-", 1)[1]) if slug.startswith("chapter-") else None


@dataclass
class Page:
    lang: str
    slug: str
    file: Path
    title: str
    summary: str
    segments: list               # HTML strings and Instance objects, in order
    widgets: list                # (Instance, line) in order
    figures: list                # figure names in order
    placeholders: list           # placeholder bodies in order, as written
    sections: int                # number of ## headings
    posts: list = field(default_factory=list)  # thread page: each post's plain text
    h1_count: int = 0
    figure_alts: dict = field(default_factory=dict)  # figure name -> its alt text
    terms: list = field(default_factory=list)   # glossary page: the entries (Term), in order
    scenes: list = field(default_factory=list)  # video page: the scenes (Scene), in order
    term_links: list = field(default_factory=list)  # term ids linked from this page, in order

    @property
    def path(self):
        return page_path(self.lang, self.slug)

    @property
    def chapter(self):
        return chapter_number(self.slug)

    def instance(self, ns):
        for inst, _ in self.widgets:
            if inst.ns == ns:
                return inst
        return None


# --- front matter -------------------------------------------------------------

def parse_front_matter(text, where):
    """``key: value`` lines; values may be quoted. Returns a dict."""
    meta = {}
    for offset, line in enumerate(text.splitlines()):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if ":" not in line:
            raise ContentError(f"{where}:{offset + 2}: front matter lines are `key: value`, got {line!r}")
        key, value = line.split(":", 1)
        key, value = key.strip(), value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        if key not in ("title", "summary"):
            raise ContentError(f"{where}:{offset + 2}: unknown front matter key {key!r} (use title and summary)")
        meta[key] = value
    return meta


# --- the markdown parser ----------------------------------------------------------

def _line_rule(kind):
    """A block rule for ``::: KIND args`` on a line of its own: one ``kitchen_KIND`` token
    whose ``info`` is the args (``::: widget NAME key=value``, ``::: runtime NAME``)."""
    pattern = re.compile(r"^:::+\s*%s(\s.*)?$" % kind)

    def rule(state, start_line, end_line, silent):
        if state.sCount[start_line] - state.blkIndent >= 4:
            return False
        pos = state.bMarks[start_line] + state.tShift[start_line]
        m = pattern.match(state.src[pos : state.eMarks[start_line]])
        if not m:
            return False
        if silent:
            return True
        token = state.push(f"kitchen_{kind}", "", 0)
        token.info = (m.group(1) or "").strip()
        token.map = [start_line, start_line + 1]
        token.block = True
        state.line = start_line + 1
        return True

    return rule


def _render_widget(self, tokens, idx, options, env):
    slot = env["slots"].index(tokens[idx])
    return SLOT.format(slot) + "\n"


def _render_figure(self, tokens, idx, options, env):
    token = tokens[idx]
    if token.nesting == 1:
        return env["figures_html"][id(token)]
    return "</figcaption>\n</figure>\n"


def _render_summary(self, tokens, idx, options, env):
    if tokens[idx].nesting == 1:
        return '<div class="chapter-summary">\n'
    return "</div>\n"


def _validate_figure(params, *args):
    return params.strip().split(" ", 1)[0] == "figure"


def _validate_term(params, *args):
    return params.strip().split(" ", 1)[0] == "term"


def _validate_scene(params, *args):
    return params.strip().split(" ", 1)[0] == "scene"


def _render_block(self, tokens, idx, options, env):
    """The opening and closing HTML of a term or scene, made by load_page."""
    token = tokens[idx]
    if token.nesting == 1:
        return env["blocks_html"][id(token)][0]
    return env["blocks_html"][id(token.meta["open"])][1]


def _render_runtime(self, tokens, idx, options, env):
    return env["blocks_html"][id(tokens[idx])][0]


def _validate_summary(params, *args):
    return params.strip() == "summary"


def make_parser():
    md = MarkdownIt("commonmark", {"html": True, "typographer": False})
    md.enable(["table", "strikethrough"])
    md.use(front_matter_plugin)
    md.use(container_plugin, name="figure", validate=_validate_figure, render=_render_figure)
    md.use(container_plugin, name="summary", validate=_validate_summary, render=_render_summary)
    md.use(container_plugin, name="term", validate=_validate_term, render=_render_block)
    md.use(container_plugin, name="scene", validate=_validate_scene, render=_render_block)
    md.block.ruler.before(
        "fence", "kitchen_widget", _line_rule("widget"), {"alt": ["paragraph", "reference", "blockquote", "list"]}
    )
    md.add_render_rule("kitchen_widget", _render_widget)
    md.block.ruler.before(
        "fence", "kitchen_runtime", _line_rule("runtime"), {"alt": ["paragraph", "reference", "blockquote", "list"]}
    )
    md.add_render_rule("kitchen_runtime", _render_runtime)
    return md


# --- figures ----------------------------------------------------------------------

def default_figure_context():
    """app.model_facts.figures.figure_context, or no extra context while that module is absent."""
    try:
        from app.model_facts.figures import figure_context
    except ModuleNotFoundError as exc:
        if exc.name != "app.model_facts.figures":
            raise
        return lambda name, lang: {}
    return figure_context


def render_figure(name, lang, alt, templates_dir, figure_context=None):
    template = templating.figure_env(lang, templates_dir).get_template(f"figures/{name}.svg")
    figure_context = figure_context or default_figure_context()
    context = {"lang": lang, "alt": alt, "upright": i18n.upright(lang), **(figure_context(name, lang) or {})}
    return template.render(**context)


# --- one file ---------------------------------------------------------------------

def _scan_blocks(lines, where):
    """Check the ::: blocks line by line: known names, closed, not nested."""
    open_block = None  # (kind, line number)
    fence = None
    for number, line in enumerate(lines, 1):
        stripped = line.strip()
        fm = FENCE_RE.match(stripped)
        if fence:
            if fm and stripped.startswith(fence):
                fence = None
            continue
        if fm:
            fence = fm.group(1)[:3]
            continue
        m = BLOCK_RE.match(stripped)
        if not m:
            continue
        body = m.group(1)
        kind = body.split(" ", 1)[0] if body else ""
        if kind in ("widget", "runtime"):
            if open_block:
                raise ContentError(f"{where}:{number}: a widget cannot sit inside the {open_block[0]} block opened on line {open_block[1]}")
            continue
        if kind in ("figure", "summary", "term", "scene"):
            if open_block:
                raise ContentError(f"{where}:{number}: ::: {kind} inside the {open_block[0]} block opened on line {open_block[1]}; close that one first with :::")
            open_block = (kind, number)
            continue
        if kind == "":
            if not open_block:
                raise ContentError(f"{where}:{number}: a closing ::: with no open block")
            open_block = None
            continue
        raise ContentError(f"{where}:{number}: unknown block '::: {kind}' (known: widget, figure, summary, term, scene, runtime)")
    if open_block:
        raise ContentError(f"{where}:{open_block[1]}: the {open_block[0]} block is never closed with :::")


def _fill_placeholders(lines, lang, where, facts):
    found = []
    out = []
    for number, line in enumerate(lines, 1):
        try:
            filled = facts_mod.fill(line, lang, facts)
        except facts_mod.PlaceholderError as exc:
            raise ContentError(f"{where}:{number}: {exc}") from None
        if "{{" in filled or "}}" in filled:
            raise ContentError(f"{where}:{number}: a placeholder is not closed: {line.strip()!r}")
        found.extend(m.group(1).strip() for m in facts_mod.PLACEHOLDER_RE.finditer(line))
        out.append(filled)
    return out, found


def _parse_args(text, where, line):
    try:
        return shlex.split(text)
    except ValueError as exc:
        raise ContentError(f"{where}:{line}: cannot read the arguments ({exc}): {text!r}") from None


def _key_values(parts, where, line):
    out = {}
    for part in parts:
        if "=" not in part:
            raise ContentError(f"{where}:{line}: arguments are key=value, got {part!r}")
        key, value = part.split("=", 1)
        if not re.fullmatch(r"[a-z_][a-z0-9_]*", key):
            raise ContentError(f"{where}:{line}: bad argument name {key!r}")
        if key in out:
            raise ContentError(f"{where}:{line}: argument {key!r} given twice")
        out[key] = value
    return out


def _plain(html_text):
    return html.unescape(TAG_RE.sub("", html_text)).strip()


def widget_title(name, lang):
    """A widget's title, as its own record gives it."""
    widget = widgets.get(name)
    return widget.title_in(lang)


@dataclass
class Where:
    """What a video scene can show, found among the pages loaded so far in its language."""

    pages: dict

    def page(self, lang, slug):
        """(path, title) of a page; the cover is always there, written or not."""
        page = self.pages.get((lang, slug))
        if page is not None:
            return page.path, page.title
        if slug == "index":
            return page_path(lang, slug), i18n.say(lang, i18n.SITE_NAME)
        raise ValueError(f"no page {slug!r} in {lang} to show")

    def figure(self, lang, name):
        for slug in PAGES:
            page = self.pages.get((lang, slug))
            if page is not None and name in page.figure_alts:
                return page, page.figure_alts[name]
        raise ValueError(f"no page in {lang} carries the figure {name!r}")

    def widget(self, lang, name):
        for slug in PAGES:
            page = self.pages.get((lang, slug))
            if page is not None and any(inst.widget.name == name for inst, _ in page.widgets):
                return page, widget_title(name, lang)
        raise ValueError(f"no page in {lang} carries the widget {name!r}")


def _check_widget_state(name, state):
    widget = widgets.get(name)
    if widget is None:
        raise ValueError(f"unknown widget {name!r} (known: {', '.join(widgets.NAMES)})")
    try:
        widget.check_args(state)
    except InputError as exc:
        raise ValueError(str(exc)) from None


def load_page(path, lang, slug, md, facts=None, templates_dir=settings.TEMPLATES_DIR, figure_context=None,
              terms=None, where_pages=None):
    where = str(path)
    try:
        raw = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ContentError(f"{where}: not UTF-8 text") from None
    lines = raw.splitlines()
    _scan_blocks(lines, where)
    lines, placeholders = _fill_placeholders(lines, lang, where, facts)
    src = "\n".join(lines) + "\n"

    tokens = md.parse(src, {})
    meta = {}
    if tokens and tokens[0].type == "front_matter":
        meta = parse_front_matter(tokens[0].content, where)
    if not meta.get("title"):
        raise ContentError(f"{where}:1: front matter needs a title (---, title: ..., summary: ..., ---)")

    env = {"slots": [], "figures_html": {}, "blocks_html": {}}
    instances, figures = [], []
    figure_alts, page_terms, scenes, runtimes, open_blocks, block_items = {}, [], [], [], [], []
    seen = {}
    sections = h1 = 0
    list_depth = 0
    posts_tokens = []
    for i, token in enumerate(tokens):
        line = token.map[0] + 1 if token.map else 0
        if token.type == "kitchen_widget":
            parts = _parse_args(token.info, where, line)
            if not parts:
                raise ContentError(f"{where}:{line}: '::: widget' needs a widget name")
            name, args = parts[0], _key_values(parts[1:], where, line)
            if name not in widgets.NAMES:
                raise ContentError(f"{where}:{line}: unknown widget {name!r} (known: {', '.join(widgets.NAMES)})")
            seen[name] = seen.get(name, 0) + 1
            ns = name if seen[name] == 1 else f"{name}-{seen[name]}"
            widget = widgets.get(name)
            try:
                widget.check_args(args)
            except InputError as exc:
                raise ContentError(f"{where}:{line}: {exc}") from None
            env["slots"].append(token)
            instances.append((Instance(widget, ns, args), line, name))
        elif token.type == "container_figure_open":
            parts = _parse_args(token.info.strip(), where, line)
            name = parts[1] if len(parts) > 1 else ""
            if not FIGURE_NAME_RE.match(name):
                raise ContentError(f"{where}:{line}: '::: figure' needs a figure name, like ::: figure kitchen alt=\"...\"")
            args = _key_values(parts[2:], where, line)
            if set(args) - {"alt"}:
                raise ContentError(f"{where}:{line}: a figure takes only alt=\"...\"")
            alt = args.get("alt", "").strip()
            if not alt:
                raise ContentError(f"{where}:{line}: figure {name!r} needs alt text: alt=\"...\"")
            try:
                svg = render_figure(name, lang, alt, templates_dir, figure_context)
            except jinja2.TemplateNotFound:
                raise ContentError(f"{where}:{line}: no drawing for figure {name!r} (templates/figures/{name}.svg)") from None
            except Exception as exc:  # the drawing or its context failed: say where
                raise ContentError(
                    f"{where}:{line}: figure {name!r} does not render: {type(exc).__name__}: {exc}"
                ) from exc
            figures.append(name)
            figure_alts.setdefault(name, alt)
            env["figures_html"][id(token)] = (
                f'<figure class="figure figure-{name}" id="figure-{name}">\n'
                f'<div class="figure-art" role="img" aria-label="{html.escape(alt)}">{svg}</div>\n'
                "<figcaption>\n"
            )
        elif token.type in ("container_term_open", "container_scene_open"):
            kind = token.type.split("_")[1]
            if slug != ("glossary" if kind == "term" else "video"):
                raise ContentError(f"{where}:{line}: '::: {kind}' belongs in {'glossary' if kind == 'term' else 'video'}.md")
            parts = _parse_args(token.info.strip(), where, line)[1:]
            names = [p for p in parts if "=" not in p]
            args = _key_values([p for p in parts if "=" in p], where, line)
            try:
                if kind == "term":
                    item = glossary.parse_term(names, args, where, line, range(1, 9), widgets.NAMES)
                    if any(t.id == item.id for t in page_terms):
                        raise ValueError(f"term {item.id!r} is defined twice")
                    page_terms.append(item)
                else:
                    item = video.parse_scene(names, args, _check_widget_state)
                    item.line = line
                    scenes.append(item)
            except ValueError as exc:
                raise ContentError(f"{where}:{line}: {exc}") from None
            open_blocks.append((token, item))
            block_items.append((token, item))
        elif token.type in ("container_term_close", "container_scene_close"):
            opener, item = open_blocks.pop()
            token.meta = {"open": opener}
        elif token.type == "kitchen_runtime":
            if slug != "video":
                raise ContentError(f"{where}:{line}: '::: runtime' belongs in video.md")
            runtimes.append((token, token.info.strip(), line))
        elif token.type == "heading_open":
            if token.tag == "h1":
                h1 += 1
            elif token.tag == "h2":
                sections += 1
                token.attrSet("id", f"section-{sections}")
        elif token.type in ("bullet_list_open", "ordered_list_open"):
            if list_depth == 0 and slug == "thread":
                token.attrJoin("class", "thread")
            list_depth += 1
        elif token.type in ("bullet_list_close", "ordered_list_close"):
            list_depth -= 1
        elif token.type == "list_item_open" and list_depth == 1 and slug == "thread":
            posts_tokens.append(i)

    posts = []
    if slug == "thread":
        posts = _mark_posts(tokens, posts_tokens, lang, md, env)

    # glossary entries, video scenes and running times: their HTML, now that all are known
    items = {id(opener): item for opener, item in block_items}
    for key, item in items.items():
        if isinstance(item, glossary.Term):
            home = widgets.NAMES.get(item.widget) if item.widget else None
            title = widget_title(item.widget, lang) if item.widget else ""
            env["blocks_html"][key] = glossary.entry_html(item, lang, title, home)
    if page_terms:   # the list of entries stands before the first one
        first = id(block_items[0][0])
        opening, closing = env["blocks_html"][first]
        env["blocks_html"][first] = (glossary.index_html(page_terms, lang) + opening, closing)
    if scenes:
        totals, counts = video.place(scenes)
        finder = Where(where_pages or {})
        for key, item in items.items():
            if isinstance(item, video.Scene):
                try:
                    href, text, state = video.screen_link(item, lang, finder)
                except ValueError as exc:
                    raise ContentError(f"{where}:{item.line}: {exc}") from None
                env["blocks_html"][key] = video.scene_html(item, lang, href, text, state)
    for token, script, line in runtimes:
        if not scenes or script not in totals:
            raise ContentError(f"{where}:{line}: '::: runtime {script}': no scene has script={script}")
        env["blocks_html"][id(token)] = (video.runtime_html(script, totals, counts, lang),)

    # the chapters' first mention of each glossary term links to its entry
    term_links = glossary.link_terms(tokens, terms, lang) if (terms and chapter_number(slug)) else []

    body = md.renderer.render(tokens, md.options, env)
    pieces = SLOT_RE.split(body)
    segments = []
    for k, piece in enumerate(pieces):
        if k % 2 == 0:
            if piece:
                segments.append(piece)
        else:
            inst, _, name = instances[int(piece)]
            segments.append(inst)
    built = [(inst, line) for inst, line, _ in instances]
    title = meta["title"]
    return Page(
        lang=lang,
        slug=slug,
        file=path,
        title=title,
        summary=meta.get("summary", ""),
        segments=segments,
        widgets=built,
        figures=figures,
        placeholders=placeholders,
        sections=sections,
        posts=posts,
        h1_count=h1,
        figure_alts=figure_alts,
        terms=page_terms,
        scenes=scenes,
        term_links=term_links,
    ), [name for _, _, name in instances]


def _mark_posts(tokens, starts, lang, md, env):
    """Thread page: each top-level list item is a post card with a copy button."""
    posts = []
    for k, start in enumerate(starts, 1):
        depth, end = 0, start
        for j in range(start, len(tokens)):
            if tokens[j].type == "list_item_open":
                depth += 1
            elif tokens[j].type == "list_item_close":
                depth -= 1
                if depth == 0:
                    end = j
                    break
        inner = md.renderer.render(tokens[start + 1 : end], md.options, env)
        posts.append(_plain(inner))
        tokens[start].attrJoin("class", "post")
        tokens[start].attrSet("id", f"post-{k}")
        close = tokens[end]
        close.meta = {"post": k, "label": i18n.say(lang, "Copy"), "copied": i18n.say(lang, "Copied"), "post_label": i18n.say(lang, "Post %(n)s", n=k)}
    return posts


def _render_list_item_close(self, tokens, idx, options, env):
    meta = tokens[idx].meta or {}
    if "post" in meta:
        return (
            f'<button type="button" class="copy-post" data-copy="post-{meta["post"]}" '
            f'data-copied="{html.escape(meta["copied"])}" hidden '
            f'aria-label="{html.escape(meta["label"])}: {html.escape(meta["post_label"])}">'
            f'{html.escape(meta["label"])}</button>\n</li>\n'
        )
    return self.renderToken(tokens, idx, options, env)


@dataclass
class Library:
    """All pages, by (lang, slug), and where each widget lives."""

    pages: dict
    order: dict   # (lang, slug) -> list of widget names, in order, built or not

    def get(self, lang, slug):
        return self.pages.get((lang, slug))

    def present(self, lang, slugs=PAGES):
        return [s for s in slugs if (lang, s) in self.pages]

    def at(self, lang, path):
        """The page in ``lang`` whose address is ``path``, or None."""
        by_path = self.__dict__.get("_by_path")
        if by_path is None:
            by_path = {}
            for (plang, _), page in self.pages.items():
                by_path.setdefault((plang, page.path), page)
            self._by_path = by_path
        return by_path.get((lang, path))

    def home_of(self, lang, name):
        """The first page in ``lang`` where widget ``name`` is placed, or None."""
        for slug in PAGES:
            page = self.pages.get((lang, slug))
            if page and any(inst.widget.name == name for inst, _ in page.widgets):
                return page
        return None


def load(content_dir=settings.CONTENT_DIR, templates_dir=settings.TEMPLATES_DIR, facts=None, figure_context=None):
    """Read and render every page; raises ContentError naming file and line."""
    md = make_parser()
    md.add_render_rule("list_item_close", _render_list_item_close)
    pages, order = {}, {}
    first, last = ("glossary",), ("video",)   # the chapters link to the glossary; the video shows the chapters
    for lang in settings.LANGS:
        folder = Path(content_dir) / lang
        if not folder.is_dir():
            continue
        paths = sorted(p for p in folder.glob("*.md") if p.name.lower() != "readme.md")
        paths.sort(key=lambda p: (0 if p.stem in first else 2 if p.stem in last else 1))
        terms = []
        for path in paths:
            slug = path.stem
            if slug not in PAGES:
                raise ContentError(f"{path}:1: not a page of the story (pages: {', '.join(p + '.md' for p in PAGES)})")
            page, names = load_page(path, lang, slug, md, facts, templates_dir, figure_context,
                                    terms=terms, where_pages=pages)
            if slug == "glossary":
                terms = page.terms
            pages[(lang, slug)] = page
            order[(lang, slug)] = names
    return Library(pages=pages, order=order)
