"""Waiting for `hydro up`'s own entry points to answer before saying they are there."""

from __future__ import annotations

import time

import grpc
import requests
from grpc_health.v1 import health_pb2, health_pb2_grpc

from controller.local.up.children import SupervisedProcess

STARTUP_TIMEOUT_S = 60.0


class StartupError(RuntimeError):
    """A platform process did not come up; the message says which and where its log is."""


def wait_http(url: str, process: SupervisedProcess, timeout: float = STARTUP_TIMEOUT_S) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if requests.get(url, timeout=1).ok:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    raise StartupError(f"{process.name} did not answer {url} within {timeout:.0f} s; see {process.log_path}")


def wait_grpc(target: str, process: SupervisedProcess, timeout: float = STARTUP_TIMEOUT_S) -> None:
    deadline = time.monotonic() + timeout
    with grpc.insecure_channel(target) as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        while time.monotonic() < deadline:
            try:
                reply = stub.Check(health_pb2.HealthCheckRequest(), timeout=1)
                if reply.status == health_pb2.HealthCheckResponse.SERVING:
                    return
            except grpc.RpcError:
                pass
            time.sleep(0.1)
    raise StartupError(f"{process.name} was not SERVING on {target} within {timeout:.0f} s; see {process.log_path}")
