"""The JSON API (documented at /docs). Each route: validate, one engine call, JSON.

The routes call the engine themselves, never a widget; their bounds are the
widgets' own (app/limits.py).
"""

from typing import Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from engine import autograd, checkpoint, model, sample as sampling, tokenizer
from engine import inspect as inspection

from app import limits, streams
from app import knob_words as knobs

router = APIRouter(prefix="/api", tags=["model"])


def input_error(loc, message):
    """A 422 in the same shape as FastAPI's own validation errors."""
    return JSONResponse(
        status_code=422,
        content={"detail": [{"loc": ["query", loc], "msg": message, "type": "value_error"}]},
    )


class ModelInfo(BaseModel):
    n_params: int
    n_embd: int
    n_head: int
    n_layer: int
    block_size: int
    vocab: str
    bos: int
    trained_steps: int


class Samples(BaseModel):
    names: list[str]
    invented: list[bool]
    temperature: float
    seed: int
    n: int
    prefix: str


@router.get("/model", response_model=ModelInfo, summary="The model's size and shape")
def model_info():
    cfg = model.CONFIG
    return ModelInfo(
        n_params=model.N_PARAMS,
        n_embd=cfg.n_embd,
        n_head=cfg.n_head,
        n_layer=cfg.n_layer,
        block_size=cfg.block_size,
        vocab=tokenizer.VOCAB,
        bos=tokenizer.BOS,
        trained_steps=len(checkpoint.default_log()),
    )


@router.get(
    "/sample",
    response_model=Samples,
    summary="Names the trained apprentice invents at a temperature",
    responses={422: {"description": "A parameter is out of range"}},
)
def sample(
    n: int = Query(10, ge=1, le=limits.N_MAX, description="how many names"),
    temperature: float = Query(
        0.5, ge=0, le=limits.T_MAX, allow_inf_nan=False,
        description="0 = always the most likely next letter; higher = more adventurous",
    ),
    seed: int = Query(1, ge=0, le=limits.SEED_MAX, description="the same seed gives the same names"),
    prefix: str = Query("", max_length=64, description="letters a-z every name starts with (at most 15)"),
):
    temperature = round(temperature, 6)  # as the widgets read it: no subnormal dial settings
    try:
        prefix = tokenizer.check_name(prefix, allow_empty=True)
    except ValueError as exc:
        return input_error("prefix", str(exc))
    try:
        result = sampling.sample(checkpoint.default_params(), n=n, temperature=temperature, seed=seed, prefix=prefix)
    except ValueError as exc:
        return input_error("query", str(exc))
    return Samples(
        names=result.names,
        invented=[bool(x) for x in result.invented],
        temperature=temperature,
        seed=seed,
        n=n,
        prefix=prefix,
    )


# --- live practice (chapter 6): a training run as Server-Sent Events ------------------


@router.get(
    "/train",
    summary="Train a fresh apprentice, streamed step by step (Server-Sent Events)",
    response_class=streams.TrainStream,
    responses={
        200: {"content": {"text/event-stream": {}},
              "description": "each step is a plain message (data: step, loss, lr, grad_norm, name); "
                             "named events around them: start, dishes, broke, done"},
        422: {"description": "A parameter is out of range"},
        503: {"description": "Too many practice runs at once in this worker; see Retry-After"},
    },
)
async def train(
    request: Request,
    steps: int = Query(1000, ge=1, le=limits.PRACTICE_STEPS_MAX, description="practice menus (steps)"),
    lr: float = Query(
        0.01, ge=limits.PRACTICE_LR_MIN, le=limits.PRACTICE_LR_MAX, allow_inf_nan=False,
        description="the strength of the hand (learning rate) at the first step; rounded to 6 decimals",
    ),
    seed: int = Query(42, ge=0, le=limits.SEED_MAX, description="fixes the menu order and the starting knobs"),
    optimizer: Literal["adam", "sgd"] = Query("adam", description="adam = the old master, sgd = a plain cook"),
):
    """With steps=1000, lr=0.01, seed=42 and adam this is the reference run, loss for loss.
    The numpy work runs in the worker's training helper process, a small batch at a time;
    a reader who leaves stops it."""
    return streams.train_stream(request, seed, round(lr, 6), optimizer, steps)


# --- chapter 5: the wall of knobs, and the two-ingredient dish traced back -------------


@router.get(
    "/knobs",
    summary="Every knob's setting and its influence (gradient) on one name's score; turn one on a copy",
    responses={422: {"description": "A parameter is out of range"}},
)
def knobs_report(
    name: str = Query("emma", max_length=64, description="the name Xiao Ming tastes: letters a-z, at most 15"),
    knob: int | None = Query(None, ge=0, le=model.N_PARAMS - 1, description="a knob's number, 0-4191"),
    new_setting: float | None = Query(
        None, alias="set", ge=-100, le=100, allow_inf_nan=False,
        description="a new setting for that knob, tried on a private copy (the shared model never changes)",
    ),
):
    """`settings` and `influence` hold 4,192 numbers each, in the order of `stations`
    (each station's knobs row by row from its `offset`). With `knob`, its labels and
    numbers; with `set` as well, the score and the next-course vote (27 probabilities,
    the bell last) before and after the turn."""
    try:
        name = tokenizer.check_name(name)
    except ValueError as exc:
        return input_error("name", str(exc))
    if new_setting is not None and knob is None:
        return input_error("set", "choose a knob to turn: set needs knob")
    return knobs_data(name, knob, new_setting)


def knobs_data(name, knob=None, new=None):
    """Every knob's setting and influence for ``name``, and, for a chosen knob, its
    address and labels and the effect of turning it (on a private copy)."""
    p = checkpoint.default_params()
    loss, grad = inspection.gradient(p, name)
    stations = []
    for key in knobs.ORDER:
        off, rows, cols = p.offsets[knobs.matrix(key)]
        stations.append({"key": key, "matrix": knobs.matrix(key), "name_zh": knobs.STATION_ZH[key],
                         "name_en": knobs.STATION_EN[key], "offset": off, "rows": rows, "cols": cols,
                         "size": rows * cols})
    out = {"name": name, "loss": float(loss), "n_params": int(p.flat.size), "stations": stations,
           "settings": p.flat.tolist(), "influence": grad.tolist(), "knob": None, "turn": None}
    if knob is not None:
        a = inspection.knob_address(p, knob)
        out["knob"] = {"index": a.index, "station": a.kind, "matrix": a.matrix, "row": a.row, "col": a.col,
                       "label_en": knobs.knob_label(p, a, "en"), "label_zh": knobs.knob_label(p, a, "zh"),
                       "setting": float(p.flat[knob]), "influence": float(grad[knob])}
        if new is not None:
            before = inspection.inspect(p, name)
            after = inspection.turn_knobs(p, name, {knob: float(new)})
            out["turn"] = {"set": float(new), "loss_before": float(before.loss), "loss_after": float(after.loss),
                           "next_before": before.probs[-1].tolist(), "next_after": after.probs[-1].tolist()}
    return out


@router.get("/backprop-example", summary="Chapter 5's dish (salt 2, sugar 3) as a graph, traced back")
def backprop_example():
    """The graph the scalar autograd builds for seasoning = salt × sugar, dish = seasoning + salt:
    nodes (value and influence), edges (local influence), and the order tracing back visits them."""
    return autograd.dish_graph()


# --- chapter 2: courses --------------------------------------------------------------


class Tokens(BaseModel):
    tokens: list[int]
    courses: list[str]
    text: str
    typed: str
    folded: bool
    n_courses: int
    bos: int


@router.get(
    "/tokenize",
    response_model=Tokens,
    summary="A name as courses: its token ids between two service bells",
    responses={422: {"description": "A character outside a-z, or too many letters"}},
)
def tokenize(
    text: str = Query(..., max_length=64, description="a name: letters a-z (capitals are read as lower case), at most 15"),
):
    try:
        ids = tokenizer.encode(text)
    except ValueError as exc:
        return input_error("text", str(exc))
    name = tokenizer.decode(ids)
    return Tokens(
        tokens=ids,
        courses=[tokenizer.token_label(i) for i in ids],
        text=name,
        typed=text,
        folded=name != text.strip(),
        n_courses=len(ids) - 2,
        bos=tokenizer.BOS,
    )


# --- inside the kitchen line: the sous-chefs' attention and the vote at the pass -------------


class Attention(BaseModel):
    name: str
    tokens: list[int]
    labels: list[str]
    heads: list[list[list[float]]]


class Vote(BaseModel):
    prefix: str
    temperature: float
    tokens: list[int]
    labels: list[str]
    probs: list[float]


@router.get(
    "/attention",
    response_model=Attention,
    summary="Each sous-chef's attention over a name (row t: weights over courses 0..t, zero beyond)",
    responses={422: {"description": "The name is not letters a-z"}},
)
def attention(name: str = Query("emma", max_length=64, description=f"a name, letters a-z (at most {limits.MAX_LETTERS})")):
    try:
        ins = inspection.inspect(checkpoint.default_params(), name)
    except ValueError as exc:
        return input_error("name", str(exc))
    return Attention(name=ins.text, tokens=ins.tokens, labels=ins.labels, heads=ins.attn[0].tolist())


@router.get(
    "/next",
    response_model=Vote,
    summary="The vote over the 27 next courses after a beginning (token-id order, the bell last)",
    responses={422: {"description": "A parameter is out of range"}},
)
def next_course(
    prefix: str = Query("", max_length=64, description="the beginning of a name, letters a-z (may be empty)"),
    temperature: float = Query(
        1.0, ge=0, le=limits.T_MAX, allow_inf_nan=False,
        description="0 = all on the favourite; 1 = the vote as it is; higher = flatter",
    ),
):
    temperature = round(temperature, 6)  # as the widgets read it: no subnormal dial settings
    try:
        prefix = tokenizer.check_name(prefix, allow_empty=True)
        probs = inspection.next_vote(checkpoint.default_params(), prefix, temperature)
    except ValueError as exc:
        return input_error("prefix", str(exc))
    return Vote(
        prefix=prefix,
        temperature=temperature,
        tokens=tokenizer.encode_prefix(prefix),
        labels=[tokenizer.token_label(i) for i in range(tokenizer.VOCAB_SIZE)],
        probs=probs.tolist(),
    )


class TrainStatus(BaseModel):
    active: int
    limit: int
    pace: int
    steps_computed: int


@router.get("/train/status", response_model=TrainStatus, summary="Live practice streams in this worker")
def train_status():
    """How many practice streams this worker runs now, its bound, its pace (steps per second),
    and how many training steps its streams have computed since it started."""
    s = streams.STATS
    return TrainStatus(active=s.active, limit=s.limit, pace=s.pace, steps_computed=s.steps)
