"""Where training data is read from: the catalog's URI (`file:///...` for the local store,
`s3://bucket/key` for S3/MinIO through `HYDRO_S3_*`).

An S3 object is downloaded to a scratch file first: the CSV is read twice (profiles, then the
outlier detector), and a local file costs disk, not memory. A missing file or object is a
`JobFailed`; an object store that cannot be reached is `Unavailable` (the job retries).
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import unquote, urlparse

import urllib3

from functions.host.settings import S3Settings
from functions.monitoring.errors import JobFailed, Unavailable

_MISSING_CODES = {"NoSuchKey", "NoSuchBucket", "AccessDenied"}


@contextmanager
def local_file(uri: str, s3: S3Settings | None, scratch: Path) -> Iterator[Path]:
    """A local path holding the training data at `uri`, for the duration of the block."""
    parsed = urlparse(uri)
    if parsed.scheme in ("", "file"):
        path = Path(unquote(parsed.path) if parsed.scheme else uri)
        if not path.is_file():
            raise JobFailed(f"training data {uri}: no such file")
        yield path
    elif parsed.scheme == "s3":
        scratch.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=scratch, prefix="training-") as folder:
            target = Path(folder) / "data.csv"
            _download(parsed.netloc, unquote(parsed.path.lstrip("/")), target, s3, uri)
            yield target
    else:
        raise JobFailed(f"training data {uri}: unsupported URI scheme {parsed.scheme!r} (file:// or s3://)")


def _download(bucket: str, key: str, target: Path, s3: S3Settings | None, uri: str) -> None:
    if s3 is None:
        raise JobFailed(f"training data {uri}: HYDRO_S3_ENDPOINT is not set, so S3 cannot be read")
    from minio import Minio  # only with S3: the local store never pays its import in every function
    from minio.error import MinioException, S3Error

    client = Minio(s3.endpoint, access_key=s3.access_key, secret_key=s3.secret_key, secure=s3.secure,
                   region=s3.region)
    try:
        client.fget_object(bucket, key, str(target))
    except S3Error as error:
        if error.code in _MISSING_CODES:
            raise JobFailed(f"training data {uri}: {error.code}: {error.message}") from None
        raise Unavailable(f"training data {uri}: S3 answered {error.code}: {error.message}") from None
    except (MinioException, urllib3.exceptions.HTTPError, OSError) as error:
        raise Unavailable(f"training data {uri}: S3 at {s3.endpoint} cannot be reached: {error}") from None
