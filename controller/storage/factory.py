"""Chooses the artifact store from the controller's settings."""

from __future__ import annotations

from controller.settings import ControllerSettings
from controller.storage.base import ArtifactStore
from controller.storage.local import LocalArtifactStore


def store_from_settings(settings: ControllerSettings) -> ArtifactStore:
    """S3/MinIO when `HYDRO_S3_ENDPOINT` is set, else the local folder `HYDRO_HOME/artifacts`."""
    if settings.s3 is not None:
        from controller.storage.s3 import S3ArtifactStore  # the MinIO client only when it is used

        return S3ArtifactStore(settings.s3)
    return LocalArtifactStore(settings.artifacts_dir)
