"""`python -m functions` serving the explainer or the projector, as a real process."""

from __future__ import annotations

import time
from typing import Any

import requests

from tests.conftest import free_port
from tests.functions.monitoring.processes import Process


class FunctionProcess(Process):
    def __init__(self, function: str, env: dict[str, str]) -> None:
        port = free_port()
        super().__init__("functions", {"HYDRO_FUNCTION": function, "PORT": str(port),
                                       "HYDRO_FUNCTION_HOST": "127.0.0.1", **env})
        self.url = f"http://127.0.0.1:{port}"
        self.wait_healthy(self.url, f"the {function} function")

    def poll(self, path: str, timeout: float = 60) -> dict[str, Any]:
        """GET `path` until the request it shows is final."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            body = requests.get(f"{self.url}{path}", timeout=10).json()
            if body.get("state") in ("SUCCESS", "FAILED", "NOT_SUPPORTED"):
                return dict(body)
            time.sleep(0.2)
        raise AssertionError(f"{path} did not finish:\n{self.output()[-3000:]}")
