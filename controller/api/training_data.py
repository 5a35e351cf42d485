"""Training data uploads: a CSV body spooled to disk, then stored as `training-data/<version>/...`.

The body is copied in chunks with a byte limit (the same as for model uploads), so a large file
never sits in memory and an oversized one is refused with 413 as soon as it crosses the limit.
An `s3://` URI is recorded as it is: the monitoring functions read it from there.
"""

from __future__ import annotations

import tempfile
import uuid
from pathlib import Path
from typing import IO
from urllib.parse import urlparse

from controller.api.context import ApiContext
from controller.catalog.records import TrainingDataRecord
from controller.errors import BadRequest, PayloadTooLarge

CHUNK = 1024 * 1024


def store_csv(ctx: ApiContext, version_id: int, body: IO[bytes]) -> TrainingDataRecord:
    """Store the CSV read from `body` for the version and record it (404 for an unknown version)."""
    ctx.catalog.get_version(version_id)
    key = f"training-data/{version_id}/{uuid.uuid4().hex}.csv"
    ctx.settings.home.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=ctx.settings.home, prefix="training-") as folder:
        spool = Path(folder) / "data.csv"
        _copy(body, spool, ctx.settings.uploads.max_upload_bytes)
        _check_header(spool)
        ctx.catalog.store.put_file(key, spool)
    return ctx.catalog.add_training_data(version_id, ctx.catalog.store.uri_for(key))


def register_uri(ctx: ApiContext, version_id: int, uri: object) -> TrainingDataRecord:
    """Record training data that already lives in S3 (`{"path": "s3://bucket/key.csv"}`)."""
    ctx.catalog.get_version(version_id)
    parsed = urlparse(uri) if isinstance(uri, str) else None
    if parsed is None or parsed.scheme != "s3" or not parsed.netloc or not parsed.path.strip("/"):
        raise BadRequest(f"path must be an s3://bucket/key URI, got {uri!r}", field="path")
    return ctx.catalog.add_training_data(version_id, str(uri))


def _copy(body: IO[bytes], target: Path, limit: int) -> None:
    size = 0
    with target.open("wb") as out:
        while chunk := body.read(CHUNK):
            size += len(chunk)
            if size > limit:
                raise PayloadTooLarge(f"training data is larger than the limit of {limit} bytes")
            out.write(chunk)
    if size == 0:
        raise BadRequest("the request body is empty: send the training data as CSV", field="body")


def _check_header(path: Path) -> None:
    with path.open("rb") as handle:
        header = handle.readline(64 * 1024)
    try:
        text = header.decode("utf-8-sig").strip()
    except UnicodeDecodeError:
        raise BadRequest("training data must be UTF-8 CSV text", field="body") from None
    if not text or "\x00" in text:
        raise BadRequest("training data must be a CSV file whose first line names the columns", field="body")
