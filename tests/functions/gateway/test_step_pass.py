"""Sequence steps without a token: step passes, unit-level and through a real gateway with auth on."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from functions.gateway.routing import RoutingTable
from functions.gateway.settings import GatewaySettings
from functions.gateway.step_pass import StepPasses
from protos import events
from protos.auth import mint
from tests.functions.gateway.test_auth import ROWS, Stack, _stack

TOKEN = str(mint())


def test_a_pass_admits_exactly_its_application_stage_request_and_data() -> None:
    passes = StepPasses(TOKEN)
    data = {"features": ROWS}
    issued = passes.mint("iris", 1, "req-1", data)
    assert passes.admits(issued, "iris", 1, "req-1", {"features": [[5.1, 3.5, 1.4, 0.2]]})
    for application, stage, correlation, other in (("wine", 1, "req-1", data), ("iris", 0, "req-1", data),
                                                   ("iris", 2, "req-1", data), ("iris", 1, "req-2", data),
                                                   ("iris", 1, "req-1", {"features": [[5.1, 3.5, 1.4, 0.3]]})):
        assert not passes.admits(issued, application, stage, correlation, other)
    assert not passes.admits(issued.replace(issued[0], "0" if issued[0] != "0" else "1", 1), "iris", 1, "req-1", data)


def test_key_order_and_spacing_do_not_matter_but_the_key_does() -> None:
    passes = StepPasses(TOKEN)
    issued = passes.mint("iris", 0, "r", {"a": 1, "b": [1.5, 2]})
    assert passes.admits(issued, "iris", 0, "r", json.loads('{ "b": [1.5, 2],  "a": 1 }'))
    assert not StepPasses(str(mint())).admits(issued, "iris", 0, "r", {"a": 1, "b": [1.5, 2]})


def test_without_a_key_nothing_is_minted_or_admitted() -> None:
    passes = StepPasses(None)
    assert passes.mint("iris", 0, "r", {}) is None
    assert not passes.admits(StepPasses(TOKEN).mint("iris", 0, "r", {}), "iris", 0, "r", {})


@pytest.fixture
def stack(tmp_path: Path, settings: GatewaySettings, routing_table: RoutingTable) -> Iterator[Stack]:
    # A Broker nobody listens on: accepted events stay in the outbox, where the test reads them.
    yield from _stack(tmp_path, dataclasses.replace(settings, broker_url="http://127.0.0.1:9/"), routing_table)


def _step(stack: Stack, stage: int, attributes: dict[str, str], data: bytes,
          token: str | None = None) -> requests.Response:
    headers = {f"ce-{k}": v for k, v in attributes.items() if k not in ("datacontenttype", "time")}
    headers["Content-Type"] = "application/json"
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return requests.post(f"{stack.http}/gateway/cloudevents/stage/iris/{stage}", data=data, headers=headers,
                         timeout=20)


def _accepted(stack: Stack, forged_pass: str | None = None) -> tuple[dict[str, str], bytes]:
    headers = {"ce-specversion": "1.0", "ce-id": "ev-1", "ce-source": "/client", "ce-type": events.PREDICTION_REQUEST,
               "ce-hydroapp": "iris", "Content-Type": "application/json",
               "Authorization": f"Bearer {stack.token('predict')}"}
    if forged_pass:
        headers[f"ce-{events.EXT_STEP_PASS}"] = forged_pass
    answer = requests.post(f"{stack.http}/gateway/cloudevents", data=json.dumps({"features": ROWS}),
                           headers=headers, timeout=20)
    assert answer.status_code == 202, answer.text
    (row,) = stack.parts.outbox.head()
    return dict(row.event.attributes), row.event.data


def test_the_sequence_runs_every_step_without_a_token(stack: Stack) -> None:
    attributes, data = _accepted(stack)
    assert attributes[events.EXT_STEP_PASS]
    first = _step(stack, 0, attributes, data)
    assert first.status_code == 200, first.text
    reply = {k.removeprefix("ce-"): v for k, v in first.headers.items() if k.lower().startswith("ce-")}
    second = _step(stack, 1, reply, first.content)
    assert second.status_code == 200, second.text
    assert "y" in json.loads(second.content)


def test_a_step_without_token_or_with_a_wrong_pass_is_refused(stack: Stack) -> None:
    attributes, data = _accepted(stack)
    no_pass = {k: v for k, v in attributes.items() if k != events.EXT_STEP_PASS}
    assert _step(stack, 0, no_pass, data).status_code == 401
    assert _step(stack, 1, attributes, data).status_code == 401  # stage 0's pass on stage 1
    other_rows = json.dumps({"features": [[9.9, 9.9, 9.9, 9.9]]}).encode()
    refused = _step(stack, 0, attributes, other_rows)  # the same pass with other inputs
    assert refused.status_code == 401 and events.EXT_STEP_PASS in refused.json()["error"]
    assert _step(stack, 0, no_pass, data, token=stack.token("predict")).status_code == 200  # a token still works
    assert _step(stack, 0, attributes, data, token=stack.token("read")).status_code == 403  # a bad one is not saved


def test_a_pass_sent_by_the_client_is_replaced_by_the_gateways_own(stack: Stack) -> None:
    attributes, _ = _accepted(stack, forged_pass="f" * 64)
    assert attributes[events.EXT_STEP_PASS] != "f" * 64
