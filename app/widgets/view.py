"""Rendering one widget instance: the same partial for page, fragment and embed.

A page may hold several widgets, so on a page every query key is namespaced by
its instance: ``temperature.t=0.8``. The first instance of a widget on a page
is called by its name, a second one ``<name>-2`` and so on. The fragment route
reads the same namespaced keys (what the form sends) or bare keys (a hand-made
fragment link), and carries every other key along, so that the address the
browser shows always holds the state of every widget on the page.

The other widgets' state is written once per page, not in every widget: a
widget's forms and links send only its own keys and the marker ``keep=<ns>``
(``w.hidden``). Without JavaScript such a request reloads the page, and the
page route answers it with a redirect to the address the reader came from
(``Referer``) with this widget's keys replaced (``kept_address``), so the reload
keeps every widget's state and the address bar holds all of it. With htmx the
fragment route reads the other state from ``HX-Current-URL`` instead.
"""

import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit, parse_qsl

from app.web import addresses, i18n, templating
from app.widgets import admission
from app.widgets.base import MAX_RAW, InputError

MAX_KEYS = 40  # query keys carried along from the page; more are dropped
MAX_CARRY = 1024  # longest value carried along for another widget (no parameter reads more)
MAX_CURRENT_URL = 8192  # longest HX-Current-URL or Referer read: a page's address with every widget's state fits
KEEP = "keep"  # the marker a widget's forms and links send: keep the page's other state (value: the widget's ns)


class Fields:
    """Named values a partial reads as ``w.ns`` or ``w.field[key]``. Jinja looks for an
    attribute before an item, and on a plain dict each such miss costs an exception: a
    partial reads ``w`` a hundred times, so ``w`` and its tables are attributes."""

    def __init__(self, values):
        self.__dict__.update(values)

    def __getitem__(self, key):
        return self.__dict__[key]

    def __contains__(self, key):
        return key in self.__dict__

    def __iter__(self):
        return iter(self.__dict__)


@dataclass
class Instance:
    """One widget placed on a page (or shown alone)."""

    widget: object               # the Widget
    ns: str                      # namespace of its query keys on the page
    args: dict = field(default_factory=dict)  # starting state from the content


def own_values(widget, ns, query):
    """The widget's raw values from a query: ``ns.key`` first, then bare ``key``."""
    values = {}
    for p in widget.params:
        raw = query.get(f"{ns}.{p.key}")
        if raw is None:
            raw = query.get(p.key)
        if raw is not None:
            values[p.key] = raw[: p.max_raw + 1]
    return values


MAX_CARRY_BYTES = 1024  # all the carried keys and values together (a page has a few dozen links)
WIDGET_KEY = re.compile(r"^[a-z][a-z-]*(-[2-9])?\.[a-z_]+$")  # <widget or its copy>.<key>


def carry_limit(key):
    """The longest value carried for ``key``: a widget's key (``<ns>.<key>``) keeps what
    the longest parameter reads, any other key (a link's ``utm=…``, say) MAX_RAW."""
    return MAX_CARRY if WIDGET_KEY.match(key) else MAX_RAW


def carried(query, ns=None, widget=None):
    """The page's state besides widget ``ns``'s own keys (``widget`` None: the whole
    page's state): what a new state of the widget keeps in the page's address
    (``state_query``, ``kept_address``) and what the page's own links carry (the
    language switch, og:url). Bounded whatever the query: each value cut to
    ``carry_limit``, at most MAX_KEYS keys and MAX_CARRY_BYTES in all."""
    own = {"ns", KEEP}
    if widget is not None:
        own |= {f"{ns}.{p.key}" for p in widget.params} | {p.key for p in widget.params}
    out, size = [], 0
    for key, value in query:
        if key in own or len(key) > MAX_RAW:
            continue
        value = value[:carry_limit(key)]
        size += len(key) + len(value)
        if len(out) >= MAX_KEYS or size > MAX_CARRY_BYTES:
            break
        out.append((key, value))
    return out


OUT = "out"   # the block of a partial that holds what its live form swaps: the element ``w.out_id``


def render(inst, lang, query_pairs, action, state=None, error=None, fragment_url=None, part=None):
    """HTML of the partial for ``inst`` in ``lang``.

    ``query_pairs`` is the page's whole query as (key, value) pairs. If neither
    ``state`` nor ``error`` is given the state is parsed from the query; an
    invalid query is shown as the message, in the page's language, with the
    form still there to correct it. Returns (html, state); state is None when
    the query was invalid.

    ``fragment_url`` replaces the fragment route htmx asks (the embed page asks
    itself). The "Embed" control that follows a widget on a chapter is added by
    the routes (``app.pages.embed.render_with_control``), not here.

    ``part=OUT`` renders only the partial's block ``out`` (what its live form swaps,
    the element ``w.out_id``) if it has one, else the whole partial: the answer
    to htmx's request from that form (``app/pages/fragments.py``).
    """
    widget = inst.widget
    query = dict(query_pairs)
    values = own_values(widget, inst.ns, query)
    if state is None and error is None:
        try:
            state = widget.parse(values, inst.args)
        except InputError as exc:
            error = exc
    data = None
    if error is None:
        try:
            data = widget.compute(state, lang)
        except admission.Busy as exc:   # the kitchen is busy: the form stays, in this state
            error = exc
    if error is not None:
        busy = isinstance(error, admission.Busy) and state is not None
        fallback = state if busy else widget.parse({}, inst.args)
        shown = {**widget.query(fallback), **values}
    else:
        shown = widget.query(state)
    if fragment_url is None:
        fragment_url = f"/{lang}/widget/{widget.name}"
        if inst.ns != widget.name:
            fragment_url += "?" + addresses.query([("ns", inst.ns)])
    w = Fields({
        "name": widget.name,
        "ns": inst.ns,
        "lang": lang,
        "id": f"w-{inst.ns}",
        "out_id": f"{inst.ns}-out",
        "field": Fields({p.key: f"{inst.ns}.{p.key}" for p in widget.params}),
        "param": Fields({p.key: p for p in widget.params}),
        "value": Fields(shown),
        "hidden": [(KEEP, inst.ns)],   # what every form and link of the widget sends besides its own keys
        "action": action,
        "fragment_url": fragment_url,
        "error": error.message(lang) if error is not None else None,
        "error_key": error.key if error is not None else None,   # which field the message is about
        "data": data,
        "title": widget.title_in(lang),
        "concept": widget.concept_in(lang),
        # each parameter's limits, as parse holds it to them: the form's min and max
        "lo": Fields({p.key: p.format(p.lo) for p in widget.params if hasattr(p, "lo")}),
        "hi": Fields({p.key: p.format(p.hi) for p in widget.params if hasattr(p, "hi")}),
        # the most letters a text field takes (its maxlength and the words about it)
        "max_len": Fields({p.key: p.max_len for p in widget.params if hasattr(p, "max_len")}),
        "numbers": Fields(widget.numbers),
    })
    if part is not None:
        html = templating.render_block(widget.template, part, lang, w=w)
    else:
        html = templating.render(widget.template, lang, w=w)
    return html, (state if error is None else None)


def state_query(inst, state, other_pairs):
    """The page query for a new state of ``inst``: its keys namespaced, others kept."""
    own = [(f"{inst.ns}.{k}", v) for k, v in inst.widget.query(state).items()]
    keep = [(k, v) for k, v in carried(other_pairs) if not k.startswith(f"{inst.ns}.")]
    return addresses.query(keep + own)


def kept_address(path, pairs, came_from, inst):
    """Where a reload that keeps the page's state goes: ``path`` with the state of the
    page the reader came from (``came_from``, its Referer), the keys of ``inst`` (or of
    the request) replaced by the request's ``pairs``, without the marker. Without a
    Referer on ``path`` (or an ``inst``), just the request's own keys."""
    mine = [(k, v) for k, v in pairs if k != KEEP]
    keep = []
    ref_path, ref_pairs = current_pairs(came_from)
    if inst is not None and ref_path == path and ref_pairs:
        sent = {k for k, _ in mine}
        keep = [(k, v) for k, v in carried(ref_pairs, inst.ns, inst.widget) if k not in sent]
    query = addresses.query(keep + mine)
    return path + (f"?{query}" if query else "")


def current_pairs(header):
    """The query pairs of the page the reader is on, from htmx's HX-Current-URL."""
    if not header:
        return None, None
    header = header[:MAX_CURRENT_URL]   # trimmed before it is parsed, whatever was sent
    try:
        parts = urlsplit(header)
    except ValueError:
        return None, None
    return parts.path, parse_qsl(parts.query, keep_blank_values=True)[:MAX_KEYS]
