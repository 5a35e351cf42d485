"""The transport-free core over real runtime processes: chain, validation, shadows, events."""

from __future__ import annotations

import copy
import dataclasses
import json
import socket
import time
from typing import Any

import numpy as np
import pytest

from functions.gateway import monitoring
from functions.gateway.components import Components
from functions.gateway.errors import InvalidRequest, NotFound, UpstreamTimeout, UpstreamUnavailable
from functions.gateway.outbox import StoredEvent
from functions.gateway.routing import RoutingTable
from functions.gateway.routing_source import RoutingSource
from functions.gateway.settings import GatewaySettings
from functions.gateway.shadows import ShadowMirror
from protos import codec, events
from tests.conftest import free_port
from tests.functions.gateway.conftest import Models
from tests.functions.gateway.grpc_proxy import GrpcProxy

ROWS = [[5.1, 3.5, 1.4, 0.2], [6.7, 3.0, 5.2, 2.3]]


def outputs(prediction_outputs: object) -> dict[str, np.ndarray]:
    return codec.tensors_to_arrays(prediction_outputs)  # type: ignore[arg-type]


def wait_rows(parts: Components, count: int, timeout: float = 10.0) -> list[StoredEvent]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        rows = parts.outbox.head(1000)
        if len(rows) >= count:
            return rows
        time.sleep(0.02)
    raise AssertionError(f"{len(parts.outbox.head(1000))} events in the outbox, expected {count}")


def rendered(row: StoredEvent) -> dict[str, object]:
    return json.loads(monitoring.render(row.event.data))


def test_json_application_chains_the_stages_like_calling_the_models_by_hand(parts: Components, models: Models) -> None:
    prediction = parts.gateway.predict_application("iris", {"features": ROWS}, "r-1")
    got = outputs(prediction.outputs)
    expected = models.expected(np.array(ROWS))
    np.testing.assert_array_equal(got["y"], expected["y"])
    np.testing.assert_allclose(got["proba"], expected["proba"])
    assert prediction.servable is not None and prediction.servable.label == "iris-classifier:1"


def test_tensor_application_gives_the_same_answer_as_json(parts: Components) -> None:
    tensors = codec.arrays_to_tensors({"features": np.array(ROWS)})
    by_tensor = outputs(parts.gateway.predict_application("iris", tensors, "r-2").outputs)
    by_json = outputs(parts.gateway.predict_application("iris", {"features": ROWS}, "r-3").outputs)
    np.testing.assert_array_equal(by_tensor["y"], by_json["y"])


def test_servable_predict_calls_that_model_only(parts: Components, models: Models) -> None:
    scaled = models.scaler.transform(np.array(ROWS))
    got = outputs(parts.gateway.predict_servable("iris-classifier-2", {"features": scaled.tolist()}, "r-4").outputs)
    np.testing.assert_array_equal(got["y"], models.v2.predict(scaled))


@pytest.mark.parametrize(("inputs", "field"), [
    ({"features": [[1.0, 2.0]]}, "features"),
    ({"features": [[1.0, 2.0, 3.0, "x"]]}, "features"),
    ({"features": ROWS, "extra": 1}, "extra"),
    ({}, "features"),
])
def test_invalid_request_names_the_field_and_calls_no_model(
    parts: Components, proxies: dict[str, GrpcProxy], inputs: dict[str, object], field: str
) -> None:
    before = {key: proxy.count for key, proxy in proxies.items()}
    with pytest.raises(InvalidRequest) as caught:
        parts.gateway.predict_application("iris", inputs, "r-5")
    assert caught.value.field == field
    assert {key: proxy.count for key, proxy in proxies.items()} == before
    assert parts.outbox.pending() == 0


def test_unknown_application_is_not_found(parts: Components) -> None:
    with pytest.raises(NotFound, match="application 'nope'"):
        parts.gateway.predict_application("nope", {"features": ROWS}, "r-6")


def test_shadow_is_mirrored_and_the_answer_is_unchanged(parts: Components, proxies: dict[str, GrpcProxy],
                                                        models: Models) -> None:
    shadow_calls = proxies["v2"].count
    got = outputs(parts.gateway.predict_application("iris", {"features": ROWS}, "r-7").outputs)
    np.testing.assert_allclose(got["proba"], models.expected(np.array(ROWS))["proba"])
    rows = wait_rows(parts, 3)  # stage 0, stage 1, the shadow of stage 1
    shadow = [rendered(row) for row in rows if rendered(row)["shadow"]]
    assert proxies["v2"].count == shadow_calls + 1
    assert len(shadow) == 1 and shadow[0]["modelVersion"] == 2 and shadow[0]["stage"] == 1
    assert shadow[0]["error"] is None and shadow[0]["requestId"] == "r-7"


def test_each_stage_records_an_inference_event(parts: Components, models: Models) -> None:
    parts.gateway.predict_application("iris", {"features": ROWS}, "r-8")
    rows = [row for row in wait_rows(parts, 3) if not rendered(row)["shadow"]]
    first, second = (rendered(row) for row in rows)
    assert [row.event.attributes[events.EXT_STAGE] for row in rows] == ["0", "1"]
    assert rows[1].event.attributes[events.EXT_MODEL] == "iris-classifier"
    assert first["request"] == {"features": ROWS}
    assert second["request"] == first["response"]
    assert second["response"]["y"] == models.expected(np.array(ROWS))["y"].tolist()  # type: ignore[index]
    assert (second["modelVersionId"], second["servable"], second["application"]) == (201, "iris-classifier-1", "iris")


def test_shadowless_servable_predict_records_nothing(parts: Components, models: Models) -> None:
    scaled = models.scaler.transform(np.array(ROWS)).tolist()
    parts.gateway.predict_servable("iris-classifier-1", {"features": scaled}, "r-9", shadowless=True)
    parts.gateway.predict_servable("iris-classifier-1", {"features": scaled}, "r-10")
    rows = wait_rows(parts, 1)
    assert len(rows) == 1 and rendered(rows[0])["requestId"] == "r-10"
    assert events.EXT_APP not in rows[0].event.attributes and rendered(rows[0])["application"] is None


def test_an_expired_deadline_calls_no_model(parts: Components, proxies: dict[str, GrpcProxy]) -> None:
    before = proxies["scaler"].count
    with pytest.raises(UpstreamTimeout):
        parts.gateway.predict_application("iris", {"features": ROWS}, "r-11", timeout=1e-9)
    assert proxies["scaler"].count == before and parts.outbox.pending() == 0


def test_an_unreachable_stage_is_unavailable_and_recorded(settings: GatewaySettings,
                                                          routing_dict: dict[str, Any]) -> None:
    broken = copy.deepcopy(routing_dict)
    broken["applications"]["iris"]["stages"][0]["grpcTarget"] = f"127.0.0.1:{free_port()}"
    parts = Components(settings, routing=RoutingSource(RoutingTable.from_dict(broken)))
    try:
        with pytest.raises(UpstreamUnavailable, match="stage 0 of application 'iris'"):
            parts.gateway.predict_application("iris", {"features": ROWS}, "r-12")
        (row,) = wait_rows(parts, 1)
        data = rendered(row)
        assert data["error"]["code"] == "UNAVAILABLE" and data["response"] is None  # type: ignore[index]
        assert data["modelName"] == "iris-scaler" and data["request"] == {"features": ROWS}
    finally:
        parts.close()


def test_stage_run_alone_checks_that_stages_contract(parts: Components, models: Models) -> None:
    scaled = models.scaler.transform(np.array(ROWS)).tolist()
    got = outputs(parts.gateway.predict_stage("iris", 1, {"features": scaled}, "r-14").outputs)
    np.testing.assert_array_equal(got["y"], models.v1.predict(np.array(scaled)))
    with pytest.raises(NotFound, match="no stage 2"):
        parts.gateway.predict_stage("iris", 2, {"features": scaled}, "r-14")


def test_shadow_mirrors_beyond_the_bound_are_skipped_not_waited_for(parts: Components,
                                                                     routing_table: RoutingTable) -> None:
    silent = socket.socket()  # accepts connections (backlog) and never answers: a hung shadow
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    stage = routing_table.applications["iris"].stages[1]
    hung = dataclasses.replace(stage.shadows[0], grpc_target=f"127.0.0.1:{silent.getsockname()[1]}")
    mirror = ShadowMirror(parts.upstream, parts.gateway.monitor, timeout=2.0, workers=1,  # type: ignore[arg-type]
                          max_pending=1)
    try:
        two_shadows = dataclasses.replace(stage, shadows=(hung, hung))
        mirror.mirror("iris", two_shadows, codec.arrays_to_tensors({"features": np.array(ROWS)}), "r-15")
        assert mirror.skipped == 1
        (row,) = wait_rows(parts, 1)  # the one mirrored call times out and is still recorded
        assert rendered(row)["error"]["code"] == "DEADLINE_EXCEEDED"  # type: ignore[index]
    finally:
        mirror.close()
        silent.close()
