"""Fetching the model folder named by `HYDRO_MODEL_URI`.

Accepted URIs:
- a local folder path, or `file:///abs/folder`: used in place, nothing is copied;
- a local `.tar.gz` / `.tgz` / `.tar` path or `file://` URI: unpacked into the cache;
- `s3://bucket/key.tar.gz` (or `.tgz`, `.tar`): the archive object, downloaded and unpacked;
- `s3://bucket/prefix`: every object under `prefix/`, downloaded keeping relative paths.

S3 goes through the `minio` client configured by `S3Settings`. Downloads land in
`<cache>/<hash of the URI>`, written to a temporary sibling and renamed into place, so
concurrent runtime processes sharing a cache never see half a model; a model version's artifact
never changes, so a folder already in the cache is reused.

Archives are checked member by member before anything is written: absolute paths, `..`
components, links and device or FIFO entries are refused, and extraction then runs with
`tarfile`'s `data` filter as a second line of defence.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import tarfile
import tempfile
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlparse

from minio import Minio
from minio.error import MinioException

from runtimes.errors import ArtifactError
from runtimes.settings import S3Settings

logger = logging.getLogger(__name__)

ARCHIVE_SUFFIXES = (".tar.gz", ".tgz", ".tar")


def fetch_model(uri: str, cache_dir: Path | None, s3: S3Settings) -> Path:
    """A local folder holding the model named by `uri`; `ArtifactError` says why not."""
    parsed = urlparse(uri)
    if parsed.scheme == "s3":
        bucket, key = parsed.netloc, parsed.path.lstrip("/")
        if not bucket:
            raise ArtifactError(f"{uri}: an s3:// URI needs a bucket (s3://bucket/key)")
        return _cached(uri, cache_dir, lambda dest: _download_s3(bucket, key, dest, s3))
    if parsed.scheme == "file":
        if parsed.netloc not in ("", "localhost"):
            raise ArtifactError(f"{uri}: file:// URIs must be local (file:///path)")
        path = Path(unquote(parsed.path))
    elif parsed.scheme == "" or len(parsed.scheme) == 1:  # a plain path (or a Windows drive)
        path = Path(uri)
    else:
        raise ArtifactError(f"{uri}: unsupported model URI scheme {parsed.scheme!r}; use a path, file:// or s3://")
    if path.is_dir():
        return path
    if path.is_file() and _is_archive(path.name):
        return _cached(uri, cache_dir, lambda dest: extract_archive(path, dest))
    raise ArtifactError(f"{uri}: no such model folder or .tar.gz archive")


def extract_archive(archive: Path, dest: Path) -> None:
    """Unpack a tar (optionally gzip) archive into `dest`, refusing unsafe members."""
    try:
        with tarfile.open(archive, "r:*") as tar:
            members = tar.getmembers()
            for member in members:
                check_member(member)
            tar.extractall(dest, members=members, filter="data")
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise ArtifactError(f"{archive.name}: cannot unpack: {exc}") from exc


def check_member(member: tarfile.TarInfo) -> None:
    """Refuse archive members that could write outside the destination or are not plain files."""
    problem = _unsafe_path(member.name)
    if problem is None and (member.issym() or member.islnk()):
        problem = f"is a link (to {member.linkname!r})"
    elif problem is None and not (member.isfile() or member.isdir()):
        problem = "is a device, FIFO or other special file"
    if problem:
        raise ArtifactError(f"unsafe archive member {member.name!r}: {problem}")


def _unsafe_path(name: str) -> str | None:
    path = PurePosixPath(name.replace("\\", "/"))
    if path.is_absolute() or (len(name) > 1 and name[1] == ":"):
        return "has an absolute path"
    if ".." in path.parts:
        return "has a '..' component"
    return None


def _is_archive(name: str) -> bool:
    return name.lower().endswith(ARCHIVE_SUFFIXES)


def _cached(uri: str, cache_dir: Path | None, fill: Callable[[Path], None]) -> Path:
    root = cache_dir or Path(tempfile.mkdtemp(prefix="hydro-model-cache-"))
    root.mkdir(parents=True, exist_ok=True)
    final = root / hashlib.sha256(uri.encode("utf-8")).hexdigest()[:20]
    if final.is_dir():
        logger.info("model %s already in the cache at %s", uri, final)
        return final
    partial = Path(tempfile.mkdtemp(prefix=".partial-", dir=root))
    try:
        fill(partial)
        os.rename(partial, final)
    except OSError as exc:
        if not final.is_dir():  # else another process finished the same download first
            raise ArtifactError(f"{uri}: cannot store the model in {root}: {exc}") from exc
    finally:
        shutil.rmtree(partial, ignore_errors=True)
    logger.info("fetched model %s into %s", uri, final)
    return final


def _download_s3(bucket: str, key: str, dest: Path, s3: S3Settings) -> None:
    if not s3.endpoint:
        raise ArtifactError(f"s3://{bucket}/{key}: HYDRO_S3_ENDPOINT is not set")
    client = Minio(s3.endpoint, access_key=s3.access_key, secret_key=s3.secret_key,
                   secure=s3.secure, region=s3.region)
    try:
        if _is_archive(key):
            archive = dest / ".download" / PurePosixPath(key).name
            client.fget_object(bucket, key, str(archive))
            extract_archive(archive, dest)
            shutil.rmtree(archive.parent)
            return
        _download_prefix(client, bucket, key, dest)
    except (MinioException, OSError) as exc:
        raise ArtifactError(f"s3://{bucket}/{key}: download failed: {exc}") from exc


def _download_prefix(client: Minio, bucket: str, key: str, dest: Path) -> None:
    prefix = key.rstrip("/") + "/" if key else ""
    count = 0
    for item in client.list_objects(bucket, prefix=prefix, recursive=True):
        name = item.object_name or ""
        relative = name[len(prefix):]
        if not relative or relative.endswith("/"):
            continue  # folder marker objects
        problem = _unsafe_path(relative)
        if problem:
            raise ArtifactError(f"s3://{bucket}/{name}: unsafe object name: {problem}")
        client.fget_object(bucket, name, str(dest / relative))
        count += 1
    if count == 0:
        raise ArtifactError(f"s3://{bucket}/{prefix}: no objects under this prefix")
