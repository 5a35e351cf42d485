from __future__ import annotations

import pytest

from functions.outliers import NoUsableColumns, training_columns
from protos.contract import Contract
from tests.functions.outliers.conftest import CONTRACT, HEADER


def contract(inputs: dict[str, dict[str, object]]) -> Contract:
    return Contract.from_dict({"inputs": inputs, "outputs": {"y": {"type": "double"}}})


def test_plan_uses_scalar_numerical_and_categorical_inputs_present_in_the_header() -> None:
    plan = training_columns(CONTRACT, HEADER)
    assert [c.name for c in plan.numerical] == ["age", "income", "hours"]
    assert [c.name for c in plan.categorical] == ["city", "grade"]
    assert [c.index for c in plan.columns] == [0, 1, 2, 3, 4]
    assert plan.skipped == (("photo", "shape [28, 28] is not scalar"),)


@pytest.mark.parametrize(("spec", "kind"), [
    ({"type": "double"}, "numerical"),
    ({"type": "int32"}, "numerical"),
    ({"type": "uint8"}, "numerical"),
    ({"type": "string"}, "categorical"),
    ({"type": "bool"}, "categorical"),
    ({"type": "int64", "profile": "categorical"}, "categorical"),
    ({"type": "int64", "profile": "ordinal"}, "categorical"),
    ({"type": "string", "profile": "numerical"}, "numerical"),
    ({"type": "float", "profile": "continuous"}, "numerical"),
])
def test_kind_comes_from_the_profile_else_from_the_dtype(spec: dict[str, object], kind: str) -> None:
    plan = training_columns(contract({"x": spec}), ["x"])
    assert [c.kind for c in plan.columns] == [kind]


@pytest.mark.parametrize(("spec", "reason"), [
    ({"type": "double", "shape": [3]}, "shape [3] is not scalar"),
    ({"type": "double", "shape": [-1]}, "shape [-1] is not scalar"),
    ({"type": "string", "profile": "text"}, "profile text is neither numerical nor categorical"),
    ({"type": "complex64"}, "type DT_COMPLEX64 is neither a number nor a category"),
    ({"fields": {"a": {"type": "double"}}}, "a map of subfields, not a scalar"),
])
def test_unusable_inputs_are_skipped_with_the_reason(spec: dict[str, object], reason: str) -> None:
    plan = training_columns(contract({"x": spec, "ok": {"type": "double"}}), ["x", "ok"])
    assert plan.names == ("ok",)
    assert plan.skipped == (("x", reason),)


def test_header_names_are_stripped_and_extra_csv_columns_ignored() -> None:
    plan = training_columns(contract({"a": {"type": "double"}}), ["extra", " a ", "a"])
    assert [(c.name, c.index) for c in plan.columns] == [("a", 1)]


def test_nothing_usable_is_an_error_naming_every_input_and_why() -> None:
    spec = contract({"age": {"type": "double"}, "img": {"type": "double", "shape": [2, 2]}})
    with pytest.raises(NoUsableColumns) as caught:
        training_columns(spec, ["height", "weight"])
    message = str(caught.value)
    assert "age: not in the CSV header" in message
    assert "img: shape [2, 2] is not scalar" in message
    assert isinstance(caught.value, ValueError)
