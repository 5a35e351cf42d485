"""One worker: a child process on its own loopback port, its output copied to the Service log."""

from __future__ import annotations

import enum
import logging
import signal
import socket
import subprocess
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from controller.local.engine.children import ChildProcesses, Process, signal_group
from controller.local.engine.logs import ServiceLogWriter

logger = logging.getLogger(__name__)

TAIL_LINES = 15
READY_SLICE_SECONDS = 0.25
MAX_MESSAGE_BYTES = 64 * 1024 * 1024
_CHANNEL_OPTIONS = [
    # Reconnect quickly while the process starts, instead of gRPC's default 1 s backoff: a forked
    # worker listens within milliseconds, and its readiness is waited for on this channel.
    ("grpc.initial_reconnect_backoff_ms", 10), ("grpc.min_reconnect_backoff_ms", 10),
    ("grpc.max_reconnect_backoff_ms", 100),
    ("grpc.max_send_message_length", MAX_MESSAGE_BYTES), ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
]


class WorkerState(enum.Enum):
    STARTING = "starting"
    READY = "ready"
    STOPPING = "stopping"


@dataclass(frozen=True)
class WorkerInfo:
    """A worker as `LocalApplier.workers()` reports it."""

    id: str
    revision: str
    pid: int
    port: int
    state: str
    in_flight: int
    forked: bool = False
    """Forked by a warm pool rather than spawned."""


def free_port(host: str) -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def describe_exit(code: int) -> str:
    """`1`, or `-9 (SIGKILL)` for a signal."""
    if code < 0:
        try:
            return f"{code} ({signal.Signals(-code).name})"
        except ValueError:
            return str(code)
    return str(code)


class Worker:
    """A started process. Not thread-safe on its own: its pool's lock guards the counters."""

    def __init__(self, worker_id: str, revision: str, host: str, port: int, popen: Process,
                 log: ServiceLogWriter, children: ChildProcesses, *, forked: bool = False) -> None:
        self.id = worker_id
        self.revision = revision
        self.host = host
        self.port = port
        self.popen = popen
        self.forked = forked
        self.state = WorkerState.STARTING
        self.in_flight = 0
        self.started_at = time.monotonic()
        self.last_active = self.started_at
        self._tail: deque[str] = deque(maxlen=TAIL_LINES)
        self._log = log
        self._children = children
        self._channel: grpc.Channel | None = None
        self._pump = threading.Thread(target=self._copy_output, name=f"log-{worker_id}", daemon=True)
        self._pump.start()

    @property
    def pid(self) -> int:
        return self.popen.pid

    @property
    def channel(self) -> grpc.Channel:
        if self._channel is None:
            self._channel = grpc.insecure_channel(f"{self.host}:{self.port}", options=_CHANNEL_OPTIONS)
        return self._channel

    def _copy_output(self) -> None:
        assert self.popen.stdout is not None
        for raw in iter(self.popen.stdout.readline, b""):
            line = raw.decode("utf-8", errors="replace").rstrip("\r\n")
            self._tail.append(line)
            self._log.write(self.id, line)
        self.popen.stdout.close()

    def exit_code(self, wait: float = 0.0) -> int | None:
        """The exit code, waiting up to `wait` seconds for the process to end; None while it runs."""
        try:
            code = self.popen.wait(wait) if wait > 0 else self.popen.poll()
        except subprocess.TimeoutExpired:
            return None
        if code is not None:
            self._children.forget(self.popen)
        return code

    def tail(self) -> str:
        """The last lines of output (after the process ended, once all of it was copied)."""
        if self.popen.poll() is not None:
            self._pump.join(timeout=1.0)
        return "\n".join(self._tail)

    def exit_reason(self, code: int) -> str:
        tail = self.tail()
        return f"exited with {describe_exit(code)}" + (f"; last lines of its log:\n{tail}" if tail else "")

    def wait_ready(self, probe: Callable[[Worker, float], bool], deadline: float, poll: float = 0.01) -> str | None:
        """Wait on `probe` (it may block up to the slice it is given) until it passes; the reason
        it never will (exit, timeout) otherwise. The slices bound how late an exit is noticed."""
        while True:
            code = self.exit_code()
            if code is not None:
                return self.exit_reason(code)
            began = time.monotonic()
            if probe(self, min(READY_SLICE_SECONDS, max(deadline - began, 0.0))):
                return None
            if time.monotonic() >= deadline:
                return "did not become ready in time"
            if time.monotonic() - began < poll:  # a probe that answers at once: do not spin
                time.sleep(poll)

    def stop(self, grace: float) -> int:
        """SIGTERM (the runtime drains), SIGKILL after `grace` seconds; the exit code."""
        signal_group(self.popen, signal.SIGTERM)
        code = self.exit_code(grace) if grace > 0 else self.exit_code()
        if code is None:
            logger.warning("worker %s did not exit within %.1fs of SIGTERM; killing it", self.id, grace)
            signal_group(self.popen, signal.SIGKILL)
            code = self.popen.wait()
            self._children.forget(self.popen)
        self.close()
        return code

    def close(self) -> None:
        if self._channel is not None:
            self._channel.close()

    def info(self) -> WorkerInfo:
        return WorkerInfo(self.id, self.revision, self.pid, self.port, self.state.value, self.in_flight,
                          self.forked)


def grpc_ready(worker: Worker, timeout: float = 1.0) -> bool:
    """Whether the runtime's health turns SERVING (once its model loaded) within `timeout`.

    A health `Watch` stream, waiting for the port to open: the runtime tells the moment it is
    ready instead of being polled. The stream is cancelled at once (an open one would hold up
    the worker's drain).
    """
    stub = health_pb2_grpc.HealthStub(worker.channel)
    stream = stub.Watch(health_pb2.HealthCheckRequest(service=""), timeout=max(timeout, 0.001),
                        wait_for_ready=True)
    try:
        return any(reply.status == health_pb2.HealthCheckResponse.SERVING for reply in stream)
    except grpc.RpcError:
        return False
    finally:
        stream.cancel()


def tcp_ready(worker: Worker, timeout: float = 0.5) -> bool:
    """Something accepts connections on the worker's port (an HTTP function is listening)."""
    try:
        with socket.create_connection((worker.host, worker.port), timeout=timeout):
            return True
    except OSError:
        return False
