"""The JSON twin of every widget: ``/api/widget/{name}?<the fragment's query>``.

For each widget in the registry one route, generated from its parameters: the
same query the fragment ``/{lang}/widget/{name}`` reads (bare keys, or keys
namespaced by the widget's name as a chapter's form sends them), the same
starting state (the widget's home chapter in that language), the same checks
(the widget's own ``parse``). It answers with exactly the data the partial
renders: its ``title`` and ``concept``, ``state`` (the state as query values)
and ``data`` (what the widget's ``compute`` returns), in the language asked for (``lang``, English
unless ``zh``). A bad value is a 422 whose message is the widget's own, in
that language. The routes and their parameters, with their limits, are listed
in the OpenAPI document (/docs).
"""

import dataclasses
import math

import numpy as np
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from app import widgets
from app.web import settings
from app.widgets import admission
from app.widgets import view
from app.widgets.base import InputError

router = APIRouter(prefix="/api/widget", tags=["widgets"])

LANG = {"name": "lang", "in": "query", "required": False,
        "schema": {"type": "string", "enum": list(settings.LANGS), "default": "en"},
        "description": "the language of the words in the data (and of a message for a bad value)"}

ANSWER = {
    "type": "object",
    "required": ["name", "lang", "state", "data"],
    "properties": {
        "name": {"type": "string"},
        "lang": {"type": "string", "enum": list(settings.LANGS)},
        "title": {"type": ["string", "null"], "description": "the widget's title in that language"},
        "concept": {"type": ["string", "null"], "description": "the real term it shows, if any"},
        "state": {"type": "object", "additionalProperties": {"type": "string"},
                  "description": "the widget's whole state as query values"},
        "data": {"type": "object", "description": "what the widget's partial renders, display-ready"},
    },
}
REFUSED = {
    "type": "object",
    "required": ["detail"],
    "properties": {"detail": {"type": "array", "items": {
        "type": "object", "required": ["loc", "msg", "type"],
        "properties": {"loc": {"type": "array", "items": {"type": "string"}}, "msg": {"type": "string"},
                       "type": {"type": "string"}}}}},
}


def plain(value):
    """``value`` as JSON data: tuples and sets as lists, numpy numbers as numbers,
    dataclasses as objects, and a number that is not one (NaN, infinity) as null."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, (set, frozenset)):
        return sorted(plain(v) for v in value)
    if isinstance(value, np.ndarray):
        return plain(value.tolist())
    if isinstance(value, np.generic):
        return plain(value.item())
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return plain(dataclasses.asdict(value))
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is None or isinstance(value, (bool, int, float)):
        return value
    return str(value)  # text, including the partial's ready-made markup


def answer(site, widget, lang, query):
    """(status, body) for ``widget`` in ``lang`` and the query's values."""
    inst = None
    page = site.library.home_of(lang, widget.name)
    if page is not None:
        inst = page.instance(widget.name)
    args = dict(inst.args) if inst is not None else {}
    values = view.own_values(widget, widget.name, query)
    try:
        state = widget.parse(values, args)
    except InputError as exc:
        loc = ["query", exc.key] if exc.key else ["query"]
        return 422, {"detail": [{"loc": loc, "msg": exc.message(lang), "type": "value_error"}]}
    try:
        data = widget.compute(state, lang)
    except admission.Busy as exc:   # the worker's gate for heavy work is full (app/widgets/admission.py)
        return 503, {"detail": exc.message(lang), "retry_after": admission.RETRY_AFTER}
    return 200, {"name": widget.name, "lang": lang, "title": widget.title_in(lang), "concept": widget.concept_in(lang),
                 "state": widget.query(state), "data": plain(data)}


def route_for(widget):
    async def twin(request: Request):
        lang = request.query_params.get("lang", "en")
        if lang not in settings.LANGS:
            return JSONResponse(status_code=422, content={"detail": [{
                "loc": ["query", "lang"], "msg": f"lang must be one of {', '.join(settings.LANGS)}",
                "type": "value_error"}]})
        # computed in the thread pool; a heavy state waits at the worker's gate (app/widgets/admission.py)
        return await admission.respond(request, answer, request.app.state.site, widget, lang, request.query_params,
                                       to_response=lambda value: JSONResponse(value[1], status_code=value[0]))

    twin.__name__ = f"widget_{widget.name.replace('-', '_')}"
    router.add_api_route(
        f"/{widget.name}",
        twin,
        methods=["GET"],
        summary=f"The {widget.name} widget's data for a state (chapter {widget.chapter})",
        description=(f"The data `/{{lang}}/widget/{widget.name}` renders for the same query "
                     f"(keys bare or as `{widget.name}.<key>`)."),
        openapi_extra={
            "parameters": [p.openapi() for p in widget.params] + [LANG],
            "responses": {
                "200": {"description": "the state and the data the partial renders",
                        "content": {"application/json": {"schema": ANSWER}}},
                "422": {"description": "a value the widget cannot use; the message is the widget's own",
                        "content": {"application/json": {"schema": REFUSED}}},
            },
        },
        response_class=JSONResponse,
    )


for _widget in widgets.BUILT.values():
    route_for(_widget)


@router.get("/{name}", include_in_schema=False)
def no_such_widget(name: str):
    """Not a widget: the API's own 404 (the fragment route would otherwise read "api" as a language)."""
    return JSONResponse({"detail": "Not Found"}, status_code=404)
