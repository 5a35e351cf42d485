"""Artifacts in a local folder (`HYDRO_HOME/artifacts`): the default, needs nothing installed.

Writes go to a temporary file in the destination folder and are renamed into place, so a
reader never sees half an object.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from controller.storage.base import missing, put_folder, validate_key


class LocalArtifactStore:
    def __init__(self, root: Path) -> None:
        self.root = root.resolve()

    def path_for(self, key: str) -> Path:
        """The local path of a key (validated, always inside the root)."""
        return self.root / validate_key(key)

    def put_file(self, key: str, source: Path) -> None:
        with source.open("rb") as handle:
            self._write(key, lambda out: shutil.copyfileobj(handle, out, 1024 * 1024))

    def put_bytes(self, key: str, data: bytes) -> None:
        self._write(key, lambda out: out.write(data))

    def put_folder(self, prefix: str, folder: Path) -> int:
        return put_folder(self, prefix, folder)

    def get_to_folder(self, prefix: str, target: Path) -> int:
        source = self.path_for(prefix)
        if not source.is_dir():
            raise missing(prefix)
        shutil.copytree(source, target, dirs_exist_ok=True)
        return sum(1 for path in target.rglob("*") if path.is_file())

    def open(self, key: str) -> BinaryIO:
        try:
            return self.path_for(key).open("rb")
        except (FileNotFoundError, IsADirectoryError):
            raise missing(key) from None

    def read(self, key: str) -> bytes:
        with self.open(key) as handle:
            return handle.read()

    def exists(self, key: str) -> bool:
        return self.path_for(key).is_file()

    def list(self, prefix: str) -> list[str]:
        folder = self.path_for(prefix)
        if not folder.is_dir():
            return []
        keys = (p.relative_to(self.root).as_posix() for p in folder.rglob("*") if p.is_file())
        return sorted(k for k in keys if not _is_temporary(k))

    def delete_prefix(self, prefix: str) -> int:
        folder = self.path_for(prefix)
        if not folder.is_dir():
            return 0
        count = sum(1 for p in folder.rglob("*") if p.is_file())
        shutil.rmtree(folder)
        return count

    def uri_for(self, key: str) -> str:
        return self.path_for(key).as_uri()

    def _write(self, key: str, fill: Callable[[BinaryIO], object]) -> None:
        destination = self.path_for(key)
        destination.parent.mkdir(parents=True, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(prefix=".tmp-", dir=destination.parent)
        try:
            with os.fdopen(descriptor, "wb") as out:
                fill(out)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, destination)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise


def _is_temporary(key: str) -> bool:
    return key.rsplit("/", 1)[-1].startswith(".tmp-")
