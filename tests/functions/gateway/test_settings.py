"""GatewaySettings.from_env: defaults, and errors naming the variable."""

from __future__ import annotations

from pathlib import Path

import pytest

from functions.gateway.errors import SettingsError
from functions.gateway.settings import DEFAULT_MAX_BYTES, GatewaySettings, default_outbox

BASE = {"HYDRO_CONTROLLER_URL": "http://controller:8080/"}


def test_defaults() -> None:
    settings = GatewaySettings.from_env(BASE)
    assert (settings.protocol, settings.host, settings.port) == ("http", "0.0.0.0", 8080)
    assert settings.routing_url == "http://controller:8080/api/v2/plan/routing"
    assert (settings.workers, settings.threads, settings.routing_poll_seconds) == (2, 16, 1.0)
    assert settings.max_request_bytes == settings.grpc_max_message_bytes == DEFAULT_MAX_BYTES == 200 * 1024 * 1024
    assert settings.request_timeout_seconds == 60.0
    assert settings.outbox_path == default_outbox()
    assert settings.upstream is settings.broker_url is settings.fallback_url is None


def test_every_variable_is_read() -> None:
    settings = GatewaySettings.from_env({
        **BASE, "HYDRO_GATEWAY_PROTOCOL": "GRPC", "PORT": "9090", "HYDRO_GATEWAY_HOST": "127.0.0.1",
        "HYDRO_ROUTING_POLL_SECONDS": "0.25", "HYDRO_GATEWAY_UPSTREAM": "127.0.0.1:8090",
        "HYDRO_BROKER_URL": "http://broker/hydro/hydro", "HYDRO_GATEWAY_OUTBOX": "/data/outbox.db",
        "HYDRO_MAX_REQUEST_BYTES": "1024", "HYDRO_GRPC_MAX_MESSAGE_BYTES": "2048",
        "HYDRO_REQUEST_TIMEOUT_SECONDS": "5", "HYDRO_GATEWAY_WORKERS": "3", "HYDRO_GATEWAY_THREADS": "4",
        "HYDRO_GATEWAY_FALLBACK_URL": "http://127.0.0.1:8081", "PROMETHEUS_MULTIPROC_DIR": "/tmp/m",
    })
    assert (settings.protocol, settings.port, settings.host) == ("grpc", 9090, "127.0.0.1")
    assert (settings.routing_poll_seconds, settings.upstream) == (0.25, "127.0.0.1:8090")
    assert (settings.broker_url, settings.outbox_path) == ("http://broker/hydro/hydro", Path("/data/outbox.db"))
    assert (settings.max_request_bytes, settings.grpc_max_message_bytes) == (1024, 2048)
    assert (settings.request_timeout_seconds, settings.workers, settings.threads) == (5.0, 3, 4)
    assert (settings.fallback_url, settings.metrics_dir) == ("http://127.0.0.1:8081", "/tmp/m")


@pytest.mark.parametrize(("variable", "value"), [
    ("HYDRO_CONTROLLER_URL", ""),
    ("HYDRO_CONTROLLER_URL", "controller:8080"),
    ("HYDRO_GATEWAY_PROTOCOL", "kafka"),
    ("PORT", "http"),
    ("PORT", "70000"),
    ("HYDRO_ROUTING_POLL_SECONDS", "0"),
    ("HYDRO_GATEWAY_UPSTREAM", "http://activator:8090"),
    ("HYDRO_GATEWAY_UPSTREAM", "activator"),
    ("HYDRO_BROKER_URL", "ftp://broker"),
    ("HYDRO_MAX_REQUEST_BYTES", "-1"),
    ("HYDRO_GRPC_MAX_MESSAGE_BYTES", "10"),
    ("HYDRO_REQUEST_TIMEOUT_SECONDS", "soon"),
    ("HYDRO_REQUEST_TIMEOUT_SECONDS", "inf"),
    ("HYDRO_GATEWAY_WORKERS", "0"),
    ("HYDRO_GATEWAY_THREADS", "many"),
    ("HYDRO_GATEWAY_FALLBACK_URL", "/api"),
    ("HYDRO_LOG_LEVEL", "LOUD"),
])
def test_a_bad_value_names_its_variable(variable: str, value: str) -> None:
    with pytest.raises(SettingsError) as caught:
        GatewaySettings.from_env({**BASE, variable: value})
    assert caught.value.variable == variable
    assert variable in str(caught.value)
