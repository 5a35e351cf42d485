"""Serving a function: gunicorn, one worker process with threads.

One worker on purpose: a function keeps per-model-version state (batch windows, loaded metric
clients) in memory and durable state in its store; several workers would only split the windows.
Scale-out happens at the Service level (Knative replicas), which shares the store.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication

from functions.host.settings import FunctionSettings


class FunctionServer(BaseApplication):
    def __init__(self, app: Flask, settings: FunctionSettings) -> None:
        self._app = app
        self._settings = settings
        super().__init__()

    def load_config(self) -> None:
        host = f"[{self._settings.host}]" if ":" in self._settings.host else self._settings.host
        values = {
            "bind": f"{host}:{self._settings.port}", "workers": 1, "worker_class": "gthread",
            "threads": self._settings.threads, "timeout": 120, "graceful_timeout": 20,
            "accesslog": None, "loglevel": self._settings.log_level.lower(),
        }
        for key, value in values.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        return self._app
