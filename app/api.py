"""The JSON API (documented at /docs). Each route: validate, one engine call, JSON."""

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from engine import checkpoint, model, tokenizer

from app.widgets import temperature as temperature_widget

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
    n: int = Query(10, ge=1, le=temperature_widget.N_MAX, description="how many names"),
    temperature: float = Query(
        0.5, ge=0, le=temperature_widget.T_MAX, allow_inf_nan=False,
        description="0 = always the most likely next letter; higher = more adventurous",
    ),
    seed: int = Query(1, ge=0, le=temperature_widget.SEED_MAX, description="the same seed gives the same names"),
    prefix: str = Query("", max_length=64, description="letters a-z every name starts with (at most 15)"),
):
    try:
        prefix = tokenizer.check_name(prefix, allow_empty=True)
    except ValueError as exc:
        return input_error("prefix", str(exc))
    try:
        result = temperature_widget.sample_names(n, temperature, seed, prefix)
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
