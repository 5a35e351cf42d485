"""Both artifact stores behind one fixture: the local folder, and S3 through a real HTTP server
(moto's standalone S3 server on a free port)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from controller.settings import S3Settings
from controller.storage import ArtifactStore, LocalArtifactStore, S3ArtifactStore
from tests.conftest import free_port


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"127.0.0.1:{port}"
    server.stop()


def s3_settings(endpoint: str, bucket: str) -> S3Settings:
    return S3Settings(endpoint=endpoint, access_key="hydro", secret_key="hydro-secret", bucket=bucket,
                      secure=False, region="us-east-1")


@pytest.fixture(params=["local", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> ArtifactStore:
    if request.param == "local":
        return LocalArtifactStore(tmp_path / "artifacts")
    endpoint = request.getfixturevalue("s3_endpoint")
    return S3ArtifactStore(s3_settings(endpoint, f"hydro-{uuid.uuid4().hex[:8]}"))
