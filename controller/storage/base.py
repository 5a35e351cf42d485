"""The `ArtifactStore` port and the key rules every implementation shares.

A key is a relative POSIX path (`models/claims/3/model.json`): no leading `/`, no `.` or `..`
components, no empty components, no backslashes. A prefix names a folder of keys.
"""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO, Protocol, runtime_checkable

from controller.errors import BadRequest, NotFound


@runtime_checkable
class ArtifactStore(Protocol):
    """Where model artifacts and data live. Writes are atomic per object."""

    def put_file(self, key: str, source: Path) -> None:
        """Store the local file `source` under `key` (replacing any object there)."""

    def put_bytes(self, key: str, data: bytes) -> None:
        """Store `data` under `key`."""

    def put_folder(self, prefix: str, folder: Path) -> int:
        """Store every regular file under `folder` as `prefix/<relative path>`; returns the count."""

    def get_to_folder(self, prefix: str, target: Path) -> int:
        """Download every object under `prefix/` into `target`, keeping relative paths."""

    def open(self, key: str) -> BinaryIO:
        """A readable binary stream of the object; the caller closes it. `NotFound` if missing."""

    def read(self, key: str) -> bytes:
        """The whole object. `NotFound` if missing."""

    def exists(self, key: str) -> bool: ...

    def list(self, prefix: str) -> list[str]:
        """Keys under `prefix/`, sorted."""

    def delete_prefix(self, prefix: str) -> int:
        """Delete every object under `prefix/`; returns how many went."""

    def uri_for(self, key: str) -> str:
        """A URI a runtime can fetch the key (or folder) from: `file:///...` or `s3://bucket/...`."""


def validate_key(key: str) -> str:
    """Return `key` normalised (no trailing `/`), or raise `BadRequest` naming the problem."""
    if not isinstance(key, str) or not key.strip("/"):
        raise BadRequest(f"artifact key {key!r} is empty", field="key")
    if key.startswith("/") or "\\" in key or "\x00" in key:
        raise BadRequest(f"artifact key {key!r} must be a relative POSIX path", field="key")
    parts = key.rstrip("/").split("/")
    if any(part in ("", ".", "..") for part in parts):
        raise BadRequest(f"artifact key {key!r} has an empty, '.' or '..' component", field="key")
    return "/".join(parts)


def missing(key: str) -> NotFound:
    return NotFound(f"artifact {key} not found")


def put_folder(store: ArtifactStore, prefix: str, folder: Path) -> int:
    """Upload every regular file under `folder` (links are skipped) to `prefix/<relative path>`."""
    count = 0
    for path in sorted(folder.rglob("*")):
        if path.is_file() and not path.is_symlink():
            store.put_file(f"{validate_key(prefix)}/{path.relative_to(folder).as_posix()}", path)
            count += 1
    return count
