from __future__ import annotations

from pathlib import Path

import pytest

from controller.settings import GIB, ControllerSettings, S3Settings, SettingsError


def test_defaults_need_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    settings = ControllerSettings.from_env({})
    assert settings.home == tmp_path / ".hydro"
    assert settings.effective_database_url == f"sqlite:///{tmp_path / '.hydro' / 'catalog.db'}"
    assert settings.s3 is None and settings.redis_url is None
    assert (settings.uploads.max_upload_bytes, settings.uploads.max_files, settings.uploads.max_unpacked_bytes) == (
        GIB, 10_000, 4 * GIB)
    assert settings.artifacts_dir == tmp_path / ".hydro" / "artifacts"
    assert settings.envs_dir == tmp_path / ".hydro" / "envs"


def test_every_variable_is_read(tmp_path: Path) -> None:
    settings = ControllerSettings.from_env({
        "HYDRO_HOME": str(tmp_path), "HYDRO_DATABASE_URL": "postgresql+psycopg://u@db/hydro",
        "HYDRO_S3_ENDPOINT": "https://minio.local:9000", "HYDRO_S3_ACCESS_KEY": "a", "HYDRO_S3_SECRET_KEY": "s",
        "HYDRO_S3_BUCKET": "models", "HYDRO_S3_REGION": "eu-west-1", "HYDRO_REDIS_URL": "redis://r:6379/0",
        "HYDRO_MAX_UPLOAD_BYTES": "100", "HYDRO_MAX_UPLOAD_FILES": "5", "HYDRO_MAX_UNPACKED_BYTES": "1000",
        "HYDRO_BUILD_TIMEOUT_SECONDS": "12.5", "HYDRO_BUILD_WORKERS": "3", "PATH": "/bin",
    })
    assert settings.effective_database_url == "postgresql+psycopg://u@db/hydro"
    assert settings.s3 == S3Settings("minio.local:9000", "a", "s", "models", True, "eu-west-1")
    assert settings.redis_url == "redis://r:6379/0"
    assert (settings.uploads.max_upload_bytes, settings.uploads.max_files) == (100, 5)
    assert settings.uploads.max_unpacked_bytes == 1000
    assert (settings.build_timeout_seconds, settings.build_workers) == (12.5, 3)
    assert settings.build_environment == {"PATH": "/bin"}  # no HYDRO_* secrets for user code


def test_plain_endpoint_uses_the_secure_flag() -> None:
    s3 = ControllerSettings.from_env({"HYDRO_S3_ENDPOINT": "minio:9000", "HYDRO_S3_SECURE": "true"}).s3
    assert s3 is not None and (s3.endpoint, s3.secure, s3.bucket) == ("minio:9000", True, "hydro")


@pytest.mark.parametrize(("variable", "value", "problem"), [
    ("HYDRO_MAX_UPLOAD_BYTES", "lots", "must be an integer"),
    ("HYDRO_MAX_UPLOAD_FILES", "0", "must be >= 1"),
    ("HYDRO_BUILD_TIMEOUT_SECONDS", "-1", "must be > 0"),
    ("HYDRO_S3_SECURE", "maybe", "must be true or false"),
    ("HYDRO_S3_ENDPOINT", "ftp://x", "must be host:port or http"),
])
def test_malformed_values_name_the_variable(variable: str, value: str, problem: str) -> None:
    environ = {variable: value}
    if variable == "HYDRO_S3_SECURE":
        environ["HYDRO_S3_ENDPOINT"] = "minio:9000"
    with pytest.raises(SettingsError, match=rf"{variable}: {problem}"):
        ControllerSettings.from_env(environ)
