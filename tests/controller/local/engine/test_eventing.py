"""Eventing through the engine: Sequences, PingSources, the dead-letter endpoint, function processes."""

from __future__ import annotations

import json
import uuid

import requests
from cloudevents.core.v1.event import CloudEvent

from controller.local.broker import codec
from controller.local.engine import PING_TYPE
from protos import events
from tests.controller.local.engine.conftest import Running
from tests.controller.local.engine.support import environ_of, read_records, wait_until

RECORDER = "fn-recorder"


def request_event(data: dict, app: str = "chain") -> CloudEvent:
    return CloudEvent({"id": str(uuid.uuid4()), "source": "/test", "specversion": "1.0",
                       "type": events.PREDICTION_REQUEST, "datacontenttype": "application/json",
                       events.EXT_APP: app}, data)


def test_a_sequence_runs_its_steps_and_a_trigger_delivers_its_reply(running: Running) -> None:
    marker = str(uuid.uuid4())
    running.broker.publish(request_event({"stages": [], "marker": marker}))

    def reply() -> dict | None:
        for record in read_records(running.records):
            if record["headers"].get("ce-type") == events.PREDICTION_RESPONSE and marker in record["body"]:
                return record
        return None

    record = wait_until(reply, timeout=20, what="the Sequence's reply at the recorder function")
    # Stage 0 then stage 1 (the gateway's CloudEvents stage endpoints), then Broker -> Trigger -> function.
    assert json.loads(record["body"])["stages"] == [0, 1]
    assert record["headers"]["ce-hydroapp"] == "chain"


def test_a_ping_source_fires_on_its_schedule(running: Running) -> None:
    pings = wait_until(lambda: [r for r in read_records(running.records) if r["headers"].get("ce-type") == PING_TYPE],
                       timeout=10, what="a ping at the recorder function")
    assert json.loads(pings[0]["body"]) == {"function": "recorder"}
    assert pings[0]["headers"]["ce-source"] == "/apis/v1/namespaces/hydro/pingsources/fn-recorder-schedule"
    assert pings[0]["headers"]["content-type"] == "application/json"


def test_a_step_refusing_the_event_makes_the_sequence_answer_that_4xx_with_the_reason(running: Running) -> None:
    message = codec.to_binary(request_event({"fail": 422}))
    answer = requests.post(f"{running.engine.endpoints_url}/sequences/hydro/app-chain", data=message.body,
                           headers=message.headers, timeout=10)
    assert answer.status_code == 422
    assert "step 0" in answer.json()["message"] and "stage refused the event" in answer.json()["message"]


def test_a_step_failing_makes_the_sequence_answer_5xx_so_the_broker_retries(running: Running) -> None:
    message = codec.to_binary(request_event({"fail": 503}))
    answer = requests.post(f"{running.engine.endpoints_url}/sequences/hydro/app-chain", data=message.body,
                           headers=message.headers, timeout=10)
    assert answer.status_code == 502
    assert "HTTP 503" in answer.json()["message"]


def test_a_sequence_that_does_not_exist_is_404(running: Running) -> None:
    message = codec.to_binary(request_event({}))
    answer = requests.post(f"{running.engine.endpoints_url}/sequences/hydro/app-nothing", data=message.body,
                           headers=message.headers, timeout=10)
    assert answer.status_code == 404
    assert "app-nothing" in answer.json()["message"]


def test_the_dead_letter_endpoint_accepts_and_counts(running: Running) -> None:
    before = running.engine.stats()["dead_letters"]["count"]
    event = CloudEvent({"id": "dl-1", "source": "/test", "specversion": "1.0", "type": events.CHECK_FAILED,
                        "knativeerrordest": "http://127.0.0.1:1/", "knativeerrorcode": "500"}, None)
    message = codec.to_binary(event)
    answer = requests.post(f"{running.engine.endpoints_url}/dead-letter", data=message.body,
                           headers=message.headers, timeout=10)
    assert answer.status_code == 202
    letters = running.engine.stats()["dead_letters"]
    assert letters["count"] == before + 1
    assert letters["recent"][-1]["knativeerrordest"] == "http://127.0.0.1:1/"


def test_triggers_reach_the_broker_with_resolved_urls(running: Running) -> None:
    uris = {t.name: t.subscriber_uri for t in running.broker.triggers()}
    assert uris["fn-recorder-prediction-response"] == running.engine.url_for(RECORDER)
    assert uris["app-chain-request"] == f"{running.engine.endpoints_url}/sequences/hydro/app-chain"
    dead_letter = {t.delivery.dead_letter_uri for t in running.broker.triggers()}
    assert dead_letter == {f"{running.engine.endpoints_url}/dead-letter"}


def test_a_function_process_gets_its_env_and_config_map_but_not_the_controllers(running: Running) -> None:
    process = wait_until(lambda: running.engine.workers(RECORDER), what="the recorder process")[0]
    env = environ_of(process.pid)
    assert env["HYDRO_FUNCTION"] == "recorder"
    assert env["RECORD_FILE"] == str(running.records)  # envFrom the settings ConfigMap
    assert env["PORT"] == running.engine.url_for(RECORDER).rsplit(":", 1)[1]
    assert "HYDRO_DATABASE_URL" not in env
