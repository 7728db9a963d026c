"""The JSON API (documented at /docs). Each route: validate, one engine call, JSON.

The routes call the engine themselves, never a widget; their bounds are the
widgets' own (app/model_facts/limits.py).
"""

from inspect import signature
from typing import Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from engine import autograd, checkpoint, model, sample as sampling, search, tokenizer, train as training
from engine import inspect as inspection

from app.api import streams
from app.model_facts import limits
from app.model_facts import knob_words as knobs

router = APIRouter(prefix="/api", tags=["model"])

K_ALL = limits.TOP_K_MAX  # top-k of every course: no cut
REFERENCE_RUN = {k: p.default for k, p in signature(training.practice).parameters.items()
                 if k in ("steps", "lr", "seed", "optimizer")}  # the engine's own practice run


def top_k_query():
    return Query(None, ge=1, le=K_ALL, description=f"keep only the K most likely next courses (1-{K_ALL}; "
                                                   f"leave out or {K_ALL} for all)")


def top_p_query():
    return Query(None, ge=limits.TOP_P_MIN, le=1, allow_inf_nan=False,
                 description=f"keep the smallest set of courses whose shares reach P ({limits.TOP_P_MIN}-1; leave out or 1 for all)")


def min_p_query():
    return Query(None, ge=0, le=1, allow_inf_nan=False,
                 description="drop courses below M times the favourite's share (0-1; leave out or 0 for none)")


def rule_args(top_k, top_p, min_p):
    """The rules as the engine takes them (None = that rule is off), rounded as the widgets read them."""
    return {
        "top_k": top_k,
        "top_p": 1.0 if top_p is None else round(top_p, 6),
        "min_p": 0.0 if min_p is None else round(min_p, 6),
    }


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
    top_k: int | None = None      # echoed only when the request sets a rule
    top_p: float | None = None
    min_p: float | None = None


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
    response_model_exclude_none=True,
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
    prefix: str = Query("", max_length=64, description=f"letters a-z every name starts with (at most {limits.MAX_LETTERS})"),
    top_k: int | None = top_k_query(),
    top_p: float | None = top_p_query(),
    min_p: float | None = min_p_query(),
):
    """With top_k, top_p or min_p each vote is trimmed before its roll: a course stays on
    the die only if every rule keeps it, and the shares are re-spread over what is left.
    Without them the names are exactly the plain sampler's."""
    temperature = round(temperature, 6) + 0.0  # as the widgets read it: no subnormal dial settings, no -0
    try:
        prefix = tokenizer.check_name(prefix, allow_empty=True)
    except ValueError as exc:
        return input_error("prefix", str(exc))
    rules = rule_args(top_k, top_p, min_p)
    try:
        result = sampling.sample(checkpoint.default_params(), n=n, temperature=temperature, seed=seed,
                                 prefix=prefix, **rules)
    except ValueError as exc:
        return input_error("query", str(exc))
    ruled = top_k is not None or top_p is not None or min_p is not None
    return Samples(
        names=result.names,
        invented=[bool(x) for x in result.invented],
        temperature=temperature,
        seed=seed,
        n=n,
        prefix=prefix,
        **({"top_k": top_k or K_ALL, "top_p": rules["top_p"], "min_p": rules["min_p"]} if ruled else {}),
    )


# --- live practice (chapter 6): a training run as Server-Sent Events ------------------


@router.get(
    "/train",
    summary="Train a fresh apprentice, streamed step by step (Server-Sent Events)",
    description=(f"With steps={REFERENCE_RUN['steps']}, lr={REFERENCE_RUN['lr']:g}, seed={REFERENCE_RUN['seed']} "
                 f"and {REFERENCE_RUN['optimizer']} this is the reference run, loss for loss.\n"
                 "The whole run is computed at once in the worker's training helper process,\n"
                 "then its events are sent at the page's pace; a reader who leaves stops the stream."),
    response_class=streams.TrainStream,
    responses={
        200: {"content": {"text/event-stream": {}},
              "description": "each step is a plain message (data: step, loss, lr, grad_norm, name); "
                             "named events around them: start, dishes, broke, done"},
        422: {"description": "A parameter is out of range"},
        503: {"description": "Too many practice runs, or too much heavy work, at once in this worker; see Retry-After"},
    },
)
async def train(
    request: Request,
    steps: int = Query(REFERENCE_RUN["steps"], ge=1, le=limits.PRACTICE_STEPS_MAX, description="practice menus (steps)"),
    lr: float = Query(
        REFERENCE_RUN["lr"], ge=limits.PRACTICE_LR_MIN, le=limits.PRACTICE_LR_MAX, allow_inf_nan=False,
        description="the weight of the hand (learning rate) at the first step; rounded to 6 decimals",
    ),
    seed: int = Query(REFERENCE_RUN["seed"], ge=0, le=limits.SEED_MAX, description="fixes the menu order and the starting knobs"),
    optimizer: Literal["adam", "sgd"] = Query("adam", description="adam = the old master, sgd = a plain cook"),
):
    return await streams.train_stream(request, seed, round(lr, 6), optimizer, steps)


# --- chapter 5: the wall of knobs, and the two-ingredient dish traced back -------------


@router.get(
    "/knobs",
    summary="Every knob's setting and its influence (gradient) on one name's score; turn one on a copy",
    description=(f"`settings` and `influence` hold {model.N_PARAMS:,} numbers each, in the order of `stations`\n"
                 "(each station's knobs row by row from its `offset`). With `knob`, its labels and\n"
                 f"numbers; with `set` as well, the score and the next-course vote ({tokenizer.VOCAB_SIZE} probabilities,\n"
                 "the bell last) before and after the turn."),
    responses={422: {"description": "A parameter is out of range"}},
)
def knobs_report(
    name: str = Query("emma", max_length=64, description=f"the name Xiao Ming tastes: letters a-z, at most {limits.MAX_LETTERS}"),
    knob: int | None = Query(None, ge=0, le=model.N_PARAMS - 1, description=f"a knob's number, 0-{model.N_PARAMS - 1}"),
    new_setting: float | None = Query(
        None, alias="set", ge=-100, le=100, allow_inf_nan=False,
        description="a new setting for that knob, tried on a private copy (the shared model never changes)",
    ),
):
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
        stations.append({"key": key, "matrix": knobs.matrix(key), "name_zh": knobs.station_name(key, "zh"),
                         "name_en": knobs.station_name(key, "en"), "offset": off, "rows": rows, "cols": cols,
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
    text: str = Query(..., max_length=64, description=f"a name: letters a-z (capitals are read as lower case), at most {limits.MAX_LETTERS}"),
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
    # only when the request sets a rule: the rules, the shares before them, and what each cut
    top_k: int | None = None
    top_p: float | None = None
    min_p: float | None = None
    before_rules: list[float] | None = None
    cut: dict[str, list[int]] | None = None


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
    response_model_exclude_none=True,
    summary=f"The vote over the {tokenizer.VOCAB_SIZE} next courses after a beginning (token-id order, the bell last)",
    responses={422: {"description": "A parameter is out of range"}},
)
def next_course(
    prefix: str = Query("", max_length=64, description="the beginning of a name, letters a-z (may be empty)"),
    temperature: float = Query(
        1.0, ge=0, le=limits.T_MAX, allow_inf_nan=False,
        description="0 = all on the favourite; 1 = the vote as it is; higher = flatter",
    ),
    top_k: int | None = top_k_query(),
    top_p: float | None = top_p_query(),
    min_p: float | None = min_p_query(),
):
    """`probs` is what the next course is drawn from. With top_k, top_p or min_p the vote is
    trimmed first (each rule reads the vote after the temperature; a course stays only if
    every rule keeps it, and the shares are re-spread to sum to 1): `before_rules` holds the
    shares before the rules and `cut` the token ids each rule took off."""
    temperature = round(temperature, 6) + 0.0  # as the widgets read it: no subnormal dial settings, no -0
    try:
        prefix = tokenizer.check_name(prefix, allow_empty=True)
    except ValueError as exc:
        return input_error("prefix", str(exc))
    extra = {}
    if top_k is None and top_p is None and min_p is None:
        probs = inspection.next_vote(checkpoint.default_params(), prefix, temperature)
    else:
        rules = rule_args(top_k, top_p, min_p)
        logits, _ = model.forward(checkpoint.default_params(), tokenizer.encode_prefix(prefix))
        trimmed = sampling.cut(logits[-1], temperature, **rules)
        probs = trimmed.die
        extra = {"top_k": top_k or K_ALL, "top_p": rules["top_p"], "min_p": rules["min_p"],
                 "before_rules": trimmed.warmed.tolist(), "cut": trimmed.cut_by}
    return Vote(
        prefix=prefix,
        temperature=temperature,
        tokens=tokenizer.encode_prefix(prefix),
        labels=[tokenizer.token_label(i) for i in range(tokenizer.VOCAB_SIZE)],
        probs=probs.tolist(),
        **extra,
    )


class BeamMenu(BaseModel):
    name: str
    logprob: float
    ended: Literal["bell", "full"]


class Beam(BaseModel):
    prefix: str
    width: int
    names: list[BeamMenu]
    greedy: BeamMenu


@router.get(
    "/beam",
    response_model=Beam,
    summary="The most likely whole names from a beginning (beam search), with log-probabilities",
    description=("`logprob` is the natural log of a whole name's probability given the beginning: the\n"
                 "model's own vote (temperature 1) for each course after it, the closing bell included\n"
                 f"(`ended` = \"full\" when the name fills all {model.CONFIG.block_size} positions and no bell is voted on). Most\n"
                 "likely first. `greedy` is always taking the favourite, what temperature 0 serves; the\n"
                 "first name is never less likely than it. A name has at least one letter."),
    responses={422: {"description": "A parameter is out of range"}},
)
def beam(
    prefix: str = Query("", max_length=64, description="the beginning of a name, letters a-z (may be empty)"),
    width: int = Query(
        limits.BEAM_WIDTH_DEFAULT, ge=1, le=limits.BEAM_WIDTH_MAX,
        description="how many menus the beam keeps at each course (at most that many names come back)",
    ),
):
    try:
        prefix = tokenizer.check_name(prefix, allow_empty=True)
    except ValueError as exc:
        return input_error("prefix", str(exc))
    params = checkpoint.default_params()
    favourite = search.greedy(params, prefix)
    found = search.beam(params, prefix, width, favourite)

    def menu(m):
        return BeamMenu(name=m.name, logprob=m.logprob, ended="bell" if m.rang_bell else "full")

    return Beam(prefix=prefix, width=width, names=[menu(m) for m in found], greedy=menu(favourite))


class TrainStatus(BaseModel):
    active: int
    limit: int
    pace: int
    steps_sent: int


@router.get("/train/status", response_model=TrainStatus, summary="Live practice streams in this worker")
def train_status():
    """How many practice streams this worker runs now, its bound, its pace (steps per second),
    and how many training steps its streams have sent since it started."""
    s = streams.STATS
    return TrainStatus(active=s.active, limit=s.limit, pace=s.pace, steps_sent=s.steps)
