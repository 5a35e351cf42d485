"""`wait_for_stop` returns when the stop signal was delivered to a thread other than the main one."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

# SIGUSR1 is sent to a parked worker thread (pthread_kill), as the kernel may do with a
# process-directed SIGINT/SIGTERM; the handler must still run and the main thread's wait end.
SCRIPT = textwrap.dedent("""
    import signal, sys, threading
    from protos.shutdown import wait_for_stop
    stop = threading.Event()
    signal.signal(signal.SIGUSR1, lambda *_: stop.set())
    parked = threading.Event()
    worker = threading.Thread(target=parked.wait, daemon=True)
    worker.start()
    threading.Timer(0.3, signal.pthread_kill, (worker.ident, signal.SIGUSR1)).start()
    {wait}
    print("stopped")
""")


def run(wait: str, timeout: float = 10) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", SCRIPT.format(wait=wait)], capture_output=True, text=True,
                          timeout=timeout)


def test_a_signal_handled_on_another_thread_ends_the_wait() -> None:
    result = run("wait_for_stop(stop)")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "stopped"


def test_an_untimed_wait_would_miss_it() -> None:
    # The failure the helper exists for: the same script with a plain wait never finishes.
    with pytest.raises(subprocess.TimeoutExpired):
        run("stop.wait()", timeout=3)
