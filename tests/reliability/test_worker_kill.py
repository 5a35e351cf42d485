"""Kill -9 a runtime worker under load: every accepted prediction still reaches the Broker and the
monitoring function exactly once, and the Service serves again without a manual step."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from tests.reliability import harness
from tests.reliability.conftest import StartUp

pytestmark = pytest.mark.timeout(480)

SERVICE = "mv-wine-classifier-1"


def test_killed_worker_under_load_loses_and_doubles_no_accepted_event(start_up: StartUp, tmp_path: Path) -> None:
    up = start_up()
    version = harness.deploy(up, tmp_path / "models")
    load = harness.start_load(up, rate=60, seconds=10)
    time.sleep(3)
    victim = up.wait_for(lambda: harness.worker_pids(up, SERVICE), f"a ready worker of {SERVICE}", 30)[0]
    os.kill(victim, signal.SIGKILL)
    result = load.result(timeout=180)

    # Only calls in flight on the killed worker may fail, and they fail as 503, never 500 or a hang.
    assert set(result.statuses) <= {200, 503}, result.statuses
    assert result.statuses[200] >= result.sent * 0.9, result.statuses
    stored = harness.wait_drained(up, harness.sqlite_store(tmp_path), version, set(result.accepted))
    assert set(result.accepted) - set(stored) == set()
    assert [rid for rid, count in stored.items() if count > 1] == []
    in_broker = harness.broker_inference_ids(tmp_path)
    assert {rid: in_broker[rid] for rid in result.accepted if in_broker[rid] != 1} == {}
    assert harness.summary_requests(up, version) == sum(stored.values())
    assert victim not in harness.worker_pids(up, SERVICE)
    assert harness.predict(up.url, harness.wine_rows()[0], "after-kill") == 200
