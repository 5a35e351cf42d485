"""Which models each method can explain, decided from the contract alone, with the reason."""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from functions.interpretability.features import NUMERIC_DTYPES, field_kind, row_shape
from protos.contract import Contract, Field
from protos.hydrosphere.serving.contract import types_pb2

_NUMBERS = NUMERIC_DTYPES | {types_pb2.DT_BOOL}


class Support(NamedTuple):
    """`(supported, reason)`; the reason explains a refusal or names what will be used."""

    supported: bool
    reason: str


def supports_anchor(contract: Contract, output_field: str | None = None) -> Support:
    """Anchors need scalar numerical/categorical inputs and a scalar or class-score-vector output."""
    for field in contract.inputs:
        if field_kind(field) is None:
            return Support(
                False,
                f"input '{field.name}' is {_describe(field)}; anchors need scalar numerical or categorical inputs",
            )
    output, problem = _pick_output(contract, output_field, _tabular_output)
    if output is None:
        return Support(False, problem)
    return Support(True, f"{len(contract.inputs)} tabular input(s); explaining output '{output.name}'")


def supports_saliency(contract: Contract, output_field: str | None = None) -> Support:
    """RISE needs exactly one image input (H x W or H x W x C, C in 1, 3, 4) and a numeric score output."""
    if len(contract.inputs) != 1:
        names = ", ".join(f.name for f in contract.inputs)
        return Support(False, f"saliency needs exactly one image input, the model has {len(contract.inputs)} ({names})")
    field = contract.inputs[0]
    shape = image_shape(field)
    if shape is None:
        return Support(
            False,
            f"input '{field.name}' is {_describe(field)}; saliency needs a numeric image of shape "
            "[H, W] or [H, W, C] with C in 1, 3, 4",
        )
    output, problem = _pick_output(contract, output_field, _score_output)
    if output is None:
        return Support(False, problem)
    return Support(True, f"image input '{field.name}' {list(shape)}; scoring output '{output.name}'")


def image_shape(field: Field) -> tuple[int, ...] | None:
    """The per-image shape of an image-like field (a leading -1 batch dimension is dropped)."""
    if field.dtype is None or field.dtype not in _NUMBERS:
        return None
    shape = row_shape(field)
    if len(shape) == 2 or (len(shape) == 3 and shape[2] in (1, 3, 4)):
        return shape
    return None


def _pick_output(contract: Contract, name: str | None, check: Callable[[Field], str]) -> tuple[Field | None, str]:
    if name is not None:
        field = contract.output(name)
        if field is None:
            return None, f"the model has no output '{name}' (outputs: {', '.join(f.name for f in contract.outputs)})"
        problem = check(field)
        return (None, problem) if problem else (field, "")
    problems = []
    for field in contract.outputs:
        problem = check(field)
        if not problem:
            return field, ""
        problems.append(problem)
    return None, "; ".join(problems)


def _tabular_output(field: Field) -> str:
    if field.dtype is None:
        return f"output '{field.name}' is a map"
    dims = row_shape(field)
    if not dims:
        return ""
    if len(dims) == 1 and field.dtype in _NUMBERS:
        return ""
    return f"output '{field.name}' is {_describe(field)}; anchors need a scalar or a vector of class scores"


def _score_output(field: Field) -> str:
    if field.dtype is None or field.dtype not in _NUMBERS:
        return f"output '{field.name}' is {_describe(field)}; saliency needs numeric scores"
    if len(row_shape(field)) <= 1:
        return ""
    return f"output '{field.name}' is {_describe(field)}; saliency needs a scalar score or a vector of class scores"


def _describe(field: Field) -> str:
    kind = "map" if field.dtype is None else field.to_dict()["type"]
    return f"{kind} {field.shape_text()} (profile {field.profile_name})"
