"""The artifact store: model versions' folders and uploaded data, local or S3."""

from controller.storage.base import ArtifactStore, validate_key
from controller.storage.factory import store_from_settings
from controller.storage.local import LocalArtifactStore
from controller.storage.s3 import S3ArtifactStore

__all__ = ["ArtifactStore", "LocalArtifactStore", "S3ArtifactStore", "store_from_settings", "validate_key"]
