"""No orphan process, even when the controller itself is killed with SIGKILL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from tests.controller.local.engine.support import REPO, wait_until

SCRIPT = """
import sys, time
from controller.local.engine.children import ChildProcesses
children = ChildProcesses()
child = children.spawn(("sleep", "60"), {"PATH": "/usr/bin:/bin"}, None)
print(child.pid, flush=True)
time.sleep(60)
"""


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.skipif(sys.platform != "linux", reason="PR_SET_PDEATHSIG is Linux-only")
def test_a_child_dies_with_a_killed_parent() -> None:
    parent = subprocess.Popen([sys.executable, "-c", SCRIPT], cwd=REPO, stdout=subprocess.PIPE,
                              env={"PYTHONPATH": str(REPO), "PATH": os.environ["PATH"]})
    assert parent.stdout is not None
    child = int(parent.stdout.readline())
    time.sleep(0.2)  # the shim has exec'd `sleep`
    assert alive(child)
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    wait_until(lambda: not alive(child), timeout=5, what="the orphaned child killed by the kernel")


def test_kill_all_ends_every_registered_process() -> None:
    from controller.local.engine.children import ChildProcesses

    children = ChildProcesses()
    processes = [children.spawn(("sleep", "60"), {"PATH": os.environ["PATH"]}, None) for _ in range(3)]
    children.close()
    assert [p.poll() for p in processes] == [-signal.SIGKILL] * 3
    assert children.live() == []
