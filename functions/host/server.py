"""Serving a function: gunicorn, one worker process with threads.

One worker on purpose: a function keeps per-model-version state (batch windows, loaded metric
clients) in memory and durable state in its store; several workers would only split the windows.
Scale-out happens at the Service level (Knative replicas), which shares the store.

The function is built inside the worker, after gunicorn forked it, so its database connections
and background threads (senders, sweepers) belong to the process that serves; `start()`, when the
function has one, runs there too, and `close()` when the worker exits.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication

from functions.host.app import create_app
from functions.host.function import Function
from functions.host.settings import FunctionSettings


class FunctionServer(BaseApplication):
    def __init__(self, factory: Callable[[], Function], settings: FunctionSettings) -> None:
        self._factory = factory
        self._settings = settings
        self._function: Function | None = None
        super().__init__()

    def load_config(self) -> None:
        host = f"[{self._settings.host}]" if ":" in self._settings.host else self._settings.host
        values = {
            "bind": f"{host}:{self._settings.port}", "workers": 1, "worker_class": "gthread",
            "threads": self._settings.threads, "timeout": 120, "graceful_timeout": 20,
            "accesslog": None, "loglevel": self._settings.log_level.lower(),
            "worker_exit": self._worker_exit,
        }
        for key, value in values.items():
            self.cfg.set(key, value)

    def load(self) -> Flask:
        self._function = self._factory()
        start = getattr(self._function, "start", None)
        if callable(start):
            start()
        return create_app(self._function)

    def _worker_exit(self, _server: Any, _worker: Any) -> None:
        if self._function is not None:
            self._function.close()
