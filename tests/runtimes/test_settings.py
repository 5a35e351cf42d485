from __future__ import annotations

from pathlib import Path

import pytest

from runtimes.errors import SettingsError
from runtimes.settings import DEFAULT_MAX_MESSAGE_BYTES, RuntimeSettings


def test_defaults() -> None:
    settings = RuntimeSettings.from_env({"HYDRO_MODEL_URI": "/models/iris"})
    assert (settings.host, settings.port, settings.workers) == ("0.0.0.0", 8081, 4)
    assert settings.max_message_bytes == DEFAULT_MAX_MESSAGE_BYTES == 64 * 1024 * 1024
    assert settings.drain_seconds == 10.0
    assert settings.model_cache is None
    assert settings.s3.endpoint is None and settings.s3.secure is False


def test_every_variable() -> None:
    settings = RuntimeSettings.from_env(
        {
            "HYDRO_MODEL_URI": "s3://models/iris.tar.gz",
            "PORT": "9000",
            "HYDRO_RUNTIME_HOST": "127.0.0.1",
            "HYDRO_RUNTIME_WORKERS": "8",
            "HYDRO_GRPC_MAX_MESSAGE_BYTES": "2048",
            "HYDRO_DRAIN_SECONDS": "2.5",
            "HYDRO_MODEL_CACHE": "/var/cache/hydro",
            "HYDRO_S3_ENDPOINT": "minio:9000",
            "HYDRO_S3_ACCESS_KEY": "key",
            "HYDRO_S3_SECRET_KEY": "secret",
            "HYDRO_S3_SECURE": "true",
            "HYDRO_S3_REGION": "eu-west-1",
            "HYDRO_LOG_LEVEL": "debug",
        }
    )
    assert (settings.port, settings.host, settings.workers) == (9000, "127.0.0.1", 8)
    assert (settings.max_message_bytes, settings.drain_seconds) == (2048, 2.5)
    assert settings.model_cache == Path("/var/cache/hydro")
    assert settings.s3.endpoint == "minio:9000" and settings.s3.secure is True
    assert (settings.s3.access_key, settings.s3.secret_key, settings.s3.region) == ("key", "secret", "eu-west-1")
    assert settings.log_level == "DEBUG"


@pytest.mark.parametrize(("url", "endpoint", "secure"), [
    ("http://127.0.0.1:9000", "127.0.0.1:9000", False),
    ("https://s3.example.com/", "s3.example.com", True),
])
def test_s3_endpoint_scheme_sets_secure(url: str, endpoint: str, secure: bool) -> None:
    settings = RuntimeSettings.from_env({"HYDRO_MODEL_URI": "x", "HYDRO_S3_ENDPOINT": url})
    assert (settings.s3.endpoint, settings.s3.secure) == (endpoint, secure)


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("HYDRO_MODEL_URI", ""),
        ("PORT", "http"),
        ("PORT", "70000"),
        ("HYDRO_RUNTIME_WORKERS", "0"),
        ("HYDRO_GRPC_MAX_MESSAGE_BYTES", "10"),
        ("HYDRO_DRAIN_SECONDS", "-1"),
        ("HYDRO_S3_SECURE", "maybe"),
        ("HYDRO_S3_ENDPOINT", "ftp://host"),
        ("HYDRO_LOG_LEVEL", "LOUD"),
    ],
)
def test_bad_values_name_the_variable(variable: str, value: str) -> None:
    environ = {"HYDRO_MODEL_URI": "/models/iris", variable: value}
    with pytest.raises(SettingsError) as caught:
        RuntimeSettings.from_env(environ)
    assert caught.value.variable == variable
    assert str(caught.value).startswith(f"{variable}: ")
