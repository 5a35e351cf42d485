"""Fixtures: the fake Kubernetes API server (strict CRD schema + admission as its webhook) and a real
`kubernetes` client pointed at it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from kubernetes import client

from controller.kube.api import CustomObjectsKubeApi
from tests.controller.kube.knative_check import problems
from tests.controller.kube.kube_api_server import KubeApiServer


def _webhook(body: dict[str, Any]) -> list[str]:
    meta = {k: v for k, v in body["metadata"].items() if k not in ("resourceVersion", "generation")}
    return problems({**body, "metadata": meta})


@pytest.fixture
def kube_server() -> Iterator[KubeApiServer]:
    server = KubeApiServer(validator=_webhook).start()
    yield server
    server.stop()


@pytest.fixture
def kube_api(kube_server: KubeApiServer) -> CustomObjectsKubeApi:
    configuration = client.Configuration(host=kube_server.url)
    configuration.retries = 0  # the applier retries, not urllib3
    return CustomObjectsKubeApi(client.ApiClient(configuration))
