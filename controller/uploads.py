"""Safe unpacking of an uploaded model archive (`.tar.gz`, or a plain `.tar`).

Only regular files and folders are accepted, and only inside the target. Refused, with a
`BadRequest` naming the member and the reason: absolute paths, `..` components, every link
(symbolic or hard: none is needed by a model folder, and refusing all of them is simpler to
get right than judging where each points), devices, FIFOs and other special entries. Size
limits are checked while streaming, never from headers alone: the compressed bytes read
(`PayloadTooLarge`, 413), the number of entries, and the bytes actually written. On any failure
the temporary folder is removed, so nothing half-written stays behind.
"""

from __future__ import annotations

import gzip
import logging
import shutil
import tarfile
import tempfile
import zlib
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from controller.errors import BadRequest, PayloadTooLarge
from controller.settings import UploadLimits

logger = logging.getLogger(__name__)
_CHUNK = 1024 * 1024


def unpack_archive(stream: BinaryIO, limits: UploadLimits, parent: Path | None = None) -> Path:
    """Unpack `stream` into a new temporary folder (under `parent`) and return it.

    The caller owns the folder and removes it when done (see `remove_folder`).
    """
    if parent is not None:
        parent.mkdir(parents=True, exist_ok=True)
    target = Path(tempfile.mkdtemp(prefix="upload-", dir=parent))
    try:
        _extract(_LimitedReader(stream, limits.max_upload_bytes), target, limits)
    except BaseException:
        shutil.rmtree(target, ignore_errors=True)
        raise
    return target


def remove_folder(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)


def _extract(reader: _LimitedReader, target: Path, limits: UploadLimits) -> None:
    written = 0
    count = 0
    try:
        # Stream mode ("r|*"): one pass, no seeking, transparent gzip; headers are read lazily.
        with tarfile.open(fileobj=reader, mode="r|*") as archive:  # type: ignore[call-overload]
            for member in archive:
                count += 1
                if count > limits.max_files:
                    raise PayloadTooLarge(f"archive has more than {limits.max_files} entries "
                                          f"(at {member.name!r})", field="payload")
                destination = target / _safe_path(member)
                if member.isdir():
                    destination.mkdir(parents=True, exist_ok=True)
                    continue
                written += _write_file(archive, member, destination, limits.max_unpacked_bytes - written)
    except (tarfile.TarError, EOFError, gzip.BadGzipFile, zlib.error) as error:
        raise BadRequest(f"the upload is not a readable tar.gz archive: {error}", field="payload") from None
    if count == 0:
        raise BadRequest("the upload archive is empty", field="payload")


def _safe_path(member: tarfile.TarInfo) -> PurePosixPath:
    name = member.name
    path = PurePosixPath(name)
    if path.is_absolute() or name.startswith(("/", "\\")):
        raise _refused(member, "absolute paths are not allowed")
    if ".." in path.parts:
        raise _refused(member, "'..' is not allowed in paths")
    if "\\" in name or "\x00" in name:
        raise _refused(member, "backslashes and NUL are not allowed in paths")
    if member.issym() or member.islnk():
        raise _refused(member, "links are not allowed")
    if not (member.isfile() or member.isdir()):
        raise _refused(member, "only regular files and folders are allowed (no devices or FIFOs)")
    parts = [part for part in path.parts if part not in ("", ".")]
    if not parts and not member.isdir():
        raise _refused(member, "an entry needs a name")
    return PurePosixPath(*parts) if parts else PurePosixPath(".")


def _write_file(archive: tarfile.TarFile, member: tarfile.TarInfo, destination: Path, budget: int) -> int:
    """Copy one member, counting the bytes really written against the remaining budget."""
    if member.size > budget:
        raise _too_large(member)
    source = archive.extractfile(member)
    if source is None:
        raise _refused(member, "cannot be read as a regular file")
    destination.parent.mkdir(parents=True, exist_ok=True)
    if destination.is_dir():
        raise _refused(member, "a file has the same path as a folder")
    written = 0
    with source, destination.open("wb") as out:
        while chunk := source.read(_CHUNK):
            written += len(chunk)
            if written > budget:
                raise _too_large(member)
            out.write(chunk)
    destination.chmod(0o755 if member.mode & 0o111 else 0o644)  # never keep setuid/setgid bits
    return written


def _refused(member: tarfile.TarInfo, reason: str) -> BadRequest:
    return BadRequest(f"archive member {member.name!r} refused: {reason}", field="payload")


def _too_large(member: tarfile.TarInfo) -> PayloadTooLarge:
    return PayloadTooLarge(f"archive member {member.name!r} refused: the unpacked upload exceeds "
                           "the size limit", field="payload")


class _LimitedReader:
    """A read-only stream that raises `PayloadTooLarge` once more than `limit` bytes were read."""

    def __init__(self, stream: BinaryIO, limit: int) -> None:
        self._stream = stream
        self._limit = limit
        self._read = 0

    def read(self, size: int = -1) -> bytes:
        data = self._stream.read(size if size >= 0 else self._limit + 1 - self._read)
        self._read += len(data)
        if self._read > self._limit:
            raise PayloadTooLarge(f"the upload exceeds {self._limit} bytes", field="payload")
        return data
