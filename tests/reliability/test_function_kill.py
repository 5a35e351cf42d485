"""Kill -9 the monitoring function while it works through a backlog: the Broker redelivers what it
had in hand, and the production store ends with every accepted request exactly once."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from tests.reliability import harness
from tests.reliability.conftest import StartUp

pytestmark = pytest.mark.timeout(480)


def test_monitoring_function_killed_mid_event_loses_and_doubles_nothing(start_up: StartUp, tmp_path: Path) -> None:
    up = start_up()
    version = harness.deploy(up, tmp_path / "models")
    store = harness.sqlite_store(tmp_path)
    load = harness.start_load(up, rate=60, seconds=6)
    kills = []
    for threshold in (40, 200):  # twice: mid-traffic, then while it drains the backlog
        up.wait_for(lambda t=threshold: sum(harness.stored_request_ids(store, version).values()) >= t,
                    f"{threshold} requests stored", 120)
        pid = up.wait_for(lambda: harness.function_pid(up, "monitoring"), "the monitoring function's process")
        os.kill(pid, signal.SIGKILL)
        kills.append(pid)
    result = load.result(timeout=180)

    assert set(result.statuses) == {200}, result.statuses
    stored = harness.wait_drained(up, store, version, set(result.accepted), timeout=180)
    assert set(result.accepted) - set(stored) == set()
    assert [rid for rid, count in stored.items() if count > 1] == []
    assert set(stored) == set(result.accepted)
    assert harness.summary_requests(up, version) == len(result.accepted)
    restarted = harness.function_pid(up, "monitoring")
    assert restarted is not None and restarted not in kills
