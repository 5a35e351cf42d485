"""The artifact store: model versions' folders and uploaded data, local or S3."""

from typing import Any

from controller.storage.base import ArtifactStore, validate_key
from controller.storage.factory import store_from_settings
from controller.storage.local import LocalArtifactStore

__all__ = ["ArtifactStore", "LocalArtifactStore", "S3ArtifactStore", "store_from_settings", "validate_key"]


def __getattr__(name: str) -> Any:
    # The S3 store brings in the MinIO client (about 5 MB): only where it is used.
    if name == "S3ArtifactStore":
        from controller.storage.s3 import S3ArtifactStore

        return S3ArtifactStore
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
