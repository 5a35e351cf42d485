"""The pure parts: raw checks, comparisons, signatures, caches, drift settings, CSV profiles."""

from __future__ import annotations

import io
import math

import pytest

from functions.monitoring.cache import TtlCache
from functions.monitoring.checks import Bounds, raw_checks, scalar_number, score
from functions.monitoring.drift import from_text, window_batches
from functions.monitoring.errors import BadRequest, JobFailed, Unavailable
from functions.monitoring.inference import field_values
from functions.monitoring.metrics import compare
from functions.monitoring.profiles import CHUNK_ROWS, profile_csv
from functions.monitoring.signature import contract_from_json, contract_to_json
from functions.monitoring.tables import Json
from functions.stats import BadConfig, CategoricalProfile, NumericalProfile
from protos.contract import Contract

CONTRACT = Contract.from_dict({
    "inputs": {
        "age": {"type": "double", "profile": "numerical"},
        "city": {"type": "string", "profile": "categorical"},
        "grade": {"type": "int64", "profile": "categorical"},
        "member": {"type": "bool"},
        "photo": {"type": "double", "shape": [8, 8], "profile": "image"},
        "user": {"fields": {"id": {"type": "int64"}}},
    },
    "outputs": {"y": {"type": "double"}},
})


def test_raw_checks_compare_each_number_with_its_training_range() -> None:
    bounds = {"age": Bounds(18.0, 90.0), "income": Bounds(0.0, 1e6)}
    checks = raw_checks({"age": 95, "income": 1000.5, "city": "rome"}, bounds)
    assert [(c.description, c.passed, c.threshold) for c in checks["age"]] == [("< max", False, 90.0),
                                                                               ("> min", True, 18.0)]
    assert all(c.passed for c in checks["income"]) and "city" not in checks
    assert score(c for items in checks.values() for c in items) == 0.75
    assert checks["age"][0].failure("age")["message"] == "age = 95 is above the training maximum 90"


def test_an_output_named_like_an_input_does_not_hide_the_input() -> None:
    # A scaler answers `age` with the scaled age: the training range describes the input it got.
    values = field_values({"age": 40.0}, {"age": -0.3, "y": 1.0})
    assert values == {"age": 40.0, "y": 1.0}
    assert all(c.passed for c in raw_checks(values, {"age": Bounds(18.0, 90.0)})["age"])


@pytest.mark.parametrize("value", [None, "12", True, [1.0], math.nan, math.inf])
def test_only_finite_scalar_numbers_are_checked(value: object) -> None:
    assert scalar_number(value) is None
    assert raw_checks({"age": value}, {"age": Bounds(0, 1)}) == {}


@pytest.mark.parametrize(("value", "operator", "expected"), [
    (1.0, "LessEq", True), (1.0, "Less", False), (2.0, "Greater", True), (1.0, "GreaterEq", True),
    (1.0, "Eq", True), (1.0, "NotEq", False), (1.0, None, None), (1.0, "Between", None),
])
def test_comparisons_follow_hydrosphere_operators(value: float, operator: str | None, expected: bool | None) -> None:
    assert compare(value, 1.0 if operator != "Greater" else 1.5, operator) is expected


def test_no_threshold_means_no_verdict() -> None:
    assert compare(5.0, None, "LessEq") is None


def test_a_signature_survives_the_manager_json_form() -> None:
    assert contract_from_json(contract_to_json(CONTRACT)) == CONTRACT


def test_a_bad_signature_names_its_path() -> None:
    with pytest.raises(BadRequest) as bad:
        contract_from_json({"inputs": [{"name": "x", "dtype": "DT_NOPE"}]}, "version 3.modelSignature")
    assert bad.value.field == "version 3.modelSignature"


def test_the_cache_reloads_after_its_ttl_and_keeps_a_stale_value_while_the_source_is_down() -> None:
    now = [0.0]
    cache: TtlCache[str, int] = TtlCache(10.0, clock=lambda: now[0])
    loads = iter([1, 2])
    assert cache.get("k", lambda _: next(loads)) == 1
    now[0] = 5.0
    assert cache.get("k", lambda _: next(loads)) == 1
    now[0] = 11.0

    def down(_: str) -> int:
        raise Unavailable("manager down")

    assert cache.get("k", down, stale_on=(Unavailable,)) == 1
    with pytest.raises(Unavailable):
        cache.get("other", down, stale_on=(Unavailable,))
    assert cache.get("k", lambda _: next(loads)) == 2


def test_drift_settings_from_metadata_text() -> None:
    config = from_text({"alpha": "0.01", "correction": "bh", "bins": "20"})
    assert (config.alpha, config.correction, config.bins) == (0.01, "bh", 20)
    with pytest.raises(BadConfig, match="alpha"):
        from_text({"alpha": "low"})
    with pytest.raises(BadConfig, match="colour"):
        from_text({"colour": "red"})


@pytest.mark.parametrize(("batch_size", "minimum", "batches"), [(100, 100, 1), (10, 100, 10), (30, 100, 4),
                                                                 (500, 100, 1)])
def test_a_drift_window_spans_whole_batches_of_at_least_the_minimum(batch_size: int, minimum: int,
                                                                    batches: int) -> None:
    assert window_batches(batch_size, minimum) == batches


def test_csv_profiles_read_cells_as_the_requests_carry_them() -> None:
    lines = ["age,city,grade,member,extra"] + [f"{20 + i % 50},{'rome' if i % 3 else ''},{i % 4},"
                                               f"{'true' if i % 2 else 'false'},x" for i in range(CHUNK_ROWS + 7)]
    lines.append("not-a-number,oslo,2,true,x")
    result = profile_csv(io.StringIO("\n".join(lines)), CONTRACT)
    assert result.rows == CHUNK_ROWS + 8
    age, city, grade, member = (result.profiles[name] for name in ("age", "city", "grade", "member"))
    assert isinstance(age, NumericalProfile) and age.count == CHUNK_ROWS + 7 and age.missing == 1
    assert age.edges is not None  # reference bins for production to count into
    assert isinstance(city, CategoricalProfile) and city.missing > 0
    assert {item["value"] for item in city.summary()["top"]} == {"rome", "oslo"}
    assert {item["value"] for item in grade.summary()["top"]} == {0, 1, 2, 3}
    assert {item["value"] for item in member.summary()["top"]} == {True, False}
    assert set(result.skipped) == {"photo", "y"}  # "user" is a map: never profiled


def test_csv_without_profilable_columns_fails_naming_each_field() -> None:
    with pytest.raises(JobFailed, match="age: not a column of the training data"):
        profile_csv(io.StringIO("colour\nred\n"), CONTRACT)
    with pytest.raises(JobFailed, match="no data rows"):
        profile_csv(io.StringIO("age\n"), CONTRACT)


def test_stored_json_never_holds_nan() -> None:
    column = Json()
    text = column.process_bind_param({"a": [1.0, math.nan], "b": {"c": math.inf}}, None)  # type: ignore[arg-type]
    assert text == '{"a":[1.0,null],"b":{"c":null}}'
