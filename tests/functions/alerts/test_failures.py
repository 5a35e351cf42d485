"""Validation of `dev.hydro.check.failed` events: every problem names its field."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from functions.alerts.failures import CheckFailed, Failure, parse
from functions.host.function import PermanentError
from protos.cloudevent_http import new_event
from tests.functions.alerts.conftest import check_failed


def event(data: Any, **extensions: str) -> Any:
    return new_event({"id": "e-1", "source": "/test", "type": "dev.hydro.check.failed", **extensions}, data)


def test_a_valid_event_is_parsed() -> None:
    data = check_failed(7, "age") | {"requestId": None, "batch": 3}
    data["failures"].append({"metric": "outliers", "value": None, "threshold": None, "comparison": None,
                             "message": "outlier score too high"})
    assert parse(event(data, hydromodel="census", hydroversion="2")) == CheckFailed(
        7, "census", 2, "check",
        (Failure("field", "age", 150.0, 120.0, ">", "age 150.0 > 120 (training max)"),
         Failure("metric", "outliers", None, None, None, "outlier score too high")),
        None, 3, datetime(2024, 5, 1, 10, tzinfo=UTC))


def _failure(**changes: Any) -> dict[str, Any]:
    data = check_failed(7, "age")
    data["failures"][0].update(changes)
    return data


@pytest.mark.parametrize(("data", "field"), [
    ([1, 2], "data"),
    (check_failed(7, "age") | {"modelVersionId": "7"}, "data.modelVersionId"),
    (check_failed(7, "age") | {"modelVersionId": True}, "data.modelVersionId"),
    (check_failed(7, "age") | {"modelVersion": 2**40}, "data.modelVersion"),
    (check_failed(7, "age") | {"modelName": ""}, "data.modelName"),
    (check_failed(7, "age") | {"kind": "latency"}, "data.kind"),
    (check_failed(7, "age") | {"failures": {}}, "data.failures"),
    (check_failed(7, "age") | {"failures": ["age"]}, "data.failures[0]"),
    (_failure(metric="m"), "data.failures[0].field"),
    (_failure(field=None), "data.failures[0].field"),
    (_failure(value="150"), "data.failures[0].value"),
    (_failure(threshold=float("inf")), "data.failures[0].threshold"),
    (_failure(comparison=1), "data.failures[0].comparison"),
    (_failure(message=None), "data.failures[0].message"),
    (check_failed(7, "age") | {"requestId": None}, "data.requestId"),
    (check_failed(7, "age") | {"requestId": None, "batch": -1}, "data.batch"),
    (check_failed(7, "age") | {"timestamp": "2024-05-01T10:00:00"}, "data.timestamp"),
    (check_failed(7, "age") | {"timestamp": 1714557600}, "data.timestamp"),
])
def test_a_malformed_event_names_the_field(data: Any, field: str) -> None:
    with pytest.raises(PermanentError) as refused:
        parse(event(data))
    assert refused.value.field == field
    assert field.rsplit(".", 1)[-1].split("[")[0] in str(refused.value)


def test_extensions_must_agree_with_the_data() -> None:
    with pytest.raises(PermanentError) as refused:
        parse(event(check_failed(7, "age"), hydroversion="3"))
    assert refused.value.field == "hydroversion"


def test_data_that_is_not_json_is_refused() -> None:
    with pytest.raises(PermanentError) as refused:
        parse(event(b"{not json"))
    assert refused.value.field == "data"
