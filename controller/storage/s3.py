"""Artifacts in S3 or MinIO through the `minio` client (when `HYDRO_S3_ENDPOINT` is set).

An S3 PUT is atomic per object, so no temporary keys are needed. The bucket is created on
first write when it does not exist.
"""

from __future__ import annotations

import io
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, cast

import urllib3
from minio import Minio
from minio.error import MinioException, S3Error

from controller.errors import Unavailable
from controller.settings import S3Settings
from controller.storage.base import missing, put_folder, validate_key

logger = logging.getLogger(__name__)
_MISSING_CODES = {"NoSuchKey", "NoSuchBucket", "NoSuchObject"}


class S3ArtifactStore:
    def __init__(self, settings: S3Settings, client: Minio | None = None) -> None:
        self.bucket = settings.bucket
        self.client = client or Minio(
            settings.endpoint,
            access_key=settings.access_key,
            secret_key=settings.secret_key,
            secure=settings.secure,
            region=settings.region,
        )
        self._bucket_ready = False
        self._lock = threading.Lock()

    def put_file(self, key: str, source: Path) -> None:
        self._ensure_bucket()
        with _s3_errors(key):
            self.client.fput_object(self.bucket, validate_key(key), str(source))

    def put_bytes(self, key: str, data: bytes) -> None:
        self._ensure_bucket()
        with _s3_errors(key):
            self.client.put_object(self.bucket, validate_key(key), io.BytesIO(data), len(data))

    def put_folder(self, prefix: str, folder: Path) -> int:
        return put_folder(self, prefix, folder)

    def get_to_folder(self, prefix: str, target: Path) -> int:
        keys = self.list(prefix)
        if not keys:
            raise missing(prefix)
        base = validate_key(prefix) + "/"
        for key in keys:
            # Keys were validated on the way in, but a bucket may be shared: never write outside.
            relative = validate_key(key[len(base):])
            destination = target / relative
            destination.parent.mkdir(parents=True, exist_ok=True)
            with _s3_errors(key):
                self.client.fget_object(self.bucket, key, str(destination))
        return len(keys)

    def open(self, key: str) -> BinaryIO:
        with _s3_errors(key):
            response = self.client.get_object(self.bucket, validate_key(key))
        return cast(BinaryIO, _ResponseStream(response))

    def read(self, key: str) -> bytes:
        with self.open(key) as handle:
            return handle.read()

    def exists(self, key: str) -> bool:
        try:
            with _s3_errors(key):
                self.client.stat_object(self.bucket, validate_key(key))
        except LookupError:
            return False
        return True

    def list(self, prefix: str) -> list[str]:
        with _s3_errors(prefix):
            objects = self.client.list_objects(self.bucket, validate_key(prefix) + "/", recursive=True)
            return sorted(str(item.object_name) for item in objects if not item.is_dir)

    def delete_prefix(self, prefix: str) -> int:
        keys = self.list(prefix)
        for key in keys:
            with _s3_errors(key):
                self.client.remove_object(self.bucket, key)
        return len(keys)

    def uri_for(self, key: str) -> str:
        return f"s3://{self.bucket}/{validate_key(key)}"

    def _ensure_bucket(self) -> None:
        with self._lock:
            if self._bucket_ready:
                return
            with _s3_errors(self.bucket):
                if not self.client.bucket_exists(self.bucket):
                    self.client.make_bucket(self.bucket)
            self._bucket_ready = True


class _ResponseStream(io.RawIOBase):
    """A urllib3 response as a closeable binary stream that returns its connection to the pool."""

    def __init__(self, response: object) -> None:
        self._response = response

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self._response.read(len(buffer))  # type: ignore[attr-defined]
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        if not self.closed:
            self._response.close()  # type: ignore[attr-defined]
            self._response.release_conn()  # type: ignore[attr-defined]
        super().close()


@contextmanager
def _s3_errors(key: str) -> Iterator[None]:
    """Map S3 failures: a missing key or bucket -> NotFound; anything else -> Unavailable."""
    try:
        yield
    except S3Error as error:
        if error.code in _MISSING_CODES:
            raise missing(key) from error
        raise _unavailable(key, error) from error
    except (MinioException, OSError, urllib3.exceptions.HTTPError) as error:
        raise _unavailable(key, error) from error


def _unavailable(key: str, error: Exception) -> Unavailable:
    logger.warning("object store failure on %s: %s", key, error)
    return Unavailable(f"the object store failed on {key}: {error}")
