"""The Jinja environments, one per language: pages, partials and figures.

Each language's environment has that language's message catalog installed
(``{{ _("...") }}`` in a template, see ``app.web.i18n``), so a template is
written once for every language."""

import functools
import hashlib
import re

import jinja2
import jinja2.ext
from jinja2.lexer import Token
from markupsafe import Markup

from app.web import i18n, settings


class Environment(jinja2.Environment):
    """Jinja's environment, reading a dict's key before its attributes. A partial reads the
    widget's data (dicts of names and numbers) as ``name.text`` dozens of times per answer,
    and Jinja's own order, attribute first, raises and catches an exception each time. No
    template calls a dict's methods (``tests/app/test_catalogs.py`` checks), so the order
    changes nothing else."""

    def getattr(self, obj, attribute):
        if type(obj) is dict:
            try:
                return obj[attribute]
            except KeyError:
                pass
        return super().getattr(obj, attribute)


@functools.lru_cache(maxsize=None)
def env(lang, templates_dir=settings.TEMPLATES_DIR):
    """Pages, partials and figures in ``lang``. Undefined names are errors, so a typo fails a test."""
    environment = Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir)),
        extensions=["jinja2.ext.i18n", SaidOnce],
        autoescape=jinja2.select_autoescape(["html", "svg", "xml"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,  # templates are read once; a change needs a restart, like the content
    )
    install_words(environment, lang)
    environment.globals["lang"] = lang
    environment.globals["asset"] = asset
    environment.globals["icon"] = icon
    return environment


@functools.lru_cache(maxsize=None)
def figure_env(lang, templates_dir=settings.TEMPLATES_DIR):
    """Figures (inline SVG) in ``lang``: whitespace kept as written."""
    environment = Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir)),
        extensions=["jinja2.ext.i18n", SaidOnce],
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    install_words(environment, lang)
    return environment


def install_words(environment, lang):
    """``lang``'s catalog in ``environment``: Jinja's new-style gettext, with ``_``
    and ``gettext`` made direct calls. Jinja's own ``_`` passes each message through
    two context calls; a dial's partial says some twenty-five messages, so this one
    does what Jinja's does (the translation, made markup where the template escapes,
    filled in with its named values) without them."""
    translations = i18n.translations(lang)
    environment.install_gettext_translations(translations, newstyle=True)
    find = translations.gettext

    @jinja2.pass_eval_context
    def gettext(eval_ctx, message, /, **variables):
        said = find(message)
        if eval_ctx.autoescape:
            said = Markup(said)
        return said % variables

    environment.globals.update(gettext=gettext, _=gettext)
    environment.extend(catalog=translations)


class SaidOnce(jinja2.ext.Extension):
    """A message with no values, ``_("…")``, is looked up once, when the template is
    compiled, not each time it is rendered: each language has its own environment, so
    the translation is a constant of the compiled template. It is written in as markup,
    ``("…"|safe)``, which is what the call gives; Jinja then joins it to the template's
    own text. The extractor of ``make catalogs`` reads the templates without this."""

    CALLS = {"_", "gettext"}

    def filter_stream(self, stream):
        tokens = list(stream)
        out = []
        i = 0
        while i < len(tokens):
            said = self._constant(tokens, i, out[-1] if out else None)
            if said is None:
                out.append(tokens[i])
                i += 1
                continue
            line = tokens[i].lineno
            out += [Token(line, "lparen", "("), Token(line, "string", said), Token(line, "pipe", "|"),
                    Token(line, "name", "safe"), Token(line, "rparen", ")")]
            i += 4
        return out

    def _constant(self, tokens, i, before):
        """The translation if ``tokens[i:i+4]`` are ``_("…")`` (not an attribute's ``x._``)."""
        call = tokens[i:i + 4]
        if ([t.type for t in call] != ["name", "lparen", "string", "rparen"] or call[0].value not in self.CALLS
                or (before is not None and before.type == "dot")):
            return None
        try:
            return self.environment.catalog.gettext(call[2].value) % {}
        except (KeyError, TypeError, ValueError):   # a message that wants values fails where it is rendered
            return None


@functools.lru_cache(maxsize=None)
def asset(path):
    """URL of a file under static/, with a short content hash so it can be cached long."""
    digest = hashlib.sha256((settings.STATIC_DIR / path).read_bytes()).hexdigest()[:10]
    return f"/static/{path}?v={digest}"


def render(template, lang, **context):
    """``template`` rendered in ``lang`` (its words from that language's catalog)."""
    return render_block(template, None, lang, **context)


def render_block(template, block, lang, **context):
    """Only the block ``block`` of ``template``, in ``lang``; the whole template if it has no
    such block (or ``block`` is None). The block reads the context it is given, not what
    the template sets or imports around it.

    What Jinja's ``Template.render`` does, with the template's globals joined into one
    dict once: Jinja keeps them in a chain of dicts, which each rendering copies key by key."""
    compiled = env(lang).get_template(template)
    run = compiled.blocks.get(block) if block is not None else None
    flat = compiled.__dict__.get("_flat_globals")
    if flat is None:
        flat = compiled._flat_globals = dict(compiled.globals)
    context = compiled.new_context({**flat, "lang": lang, **context}, shared=True)
    try:
        return compiled.environment.concat((run or compiled.root_render_func)(context))
    except Exception:
        compiled.environment.handle_exception()


THEME = {"light": "#fbf6ee", "dark": "#1d1916"}   # the page's paper colour, for browsers and home screens


@functools.lru_cache(maxsize=1)
def _favicon():
    return (settings.STATIC_DIR / "favicon.svg").read_text(encoding="utf-8")


def icon_version():
    return hashlib.sha256(_favicon().encode()).hexdigest()[:10]


def icon_svg(size, padded):
    """The favicon on the paper colour, with room around it (for home screens), or as it is."""
    inner = re.sub(r"^<svg\b[^>]*>|</svg>\s*$", "", _favicon().strip())
    if not padded:
        return _favicon()
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64" width="{size}" height="{size}">'
            f'<rect width="64" height="64" fill="{THEME["light"]}"/>'
            f'<g transform="translate(8 8) scale(0.75)">{inner}</g></svg>')


def icon_url(size):
    return f"/icon-{size}.png?v={icon_version()}"


def icon(size):
    """URL of the site's icon drawn at ``size`` pixels (served by app/pages/share.py), versioned like an asset."""
    return icon_url(size)
