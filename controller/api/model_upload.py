"""`POST /api/v2/model/upload`: multipart `payload` (tar.gz) + `metadata` (JSON) -> a building version.

The metadata is validated, within the contract and metadata size limits, before the archive is
touched; the archive is unpacked safely into a temporary folder (the uploads module refuses
links, absolute and `..` paths, and bombs), the catalog stores it as a new `Assembling`
version, and the build starts in the background.
"""

from __future__ import annotations

from typing import BinaryIO, cast

from flask import Request

from controller.api import parse
from controller.api.context import ApiContext
from controller.catalog.records import ModelVersionRecord
from controller.errors import BadRequest
from controller.uploads import remove_folder, unpack_archive


def accept_upload(ctx: ApiContext, request: Request) -> ModelVersionRecord:
    """Validate, unpack, record and start building one uploaded model version."""
    limits = ctx.settings.uploads
    definition = parse.model_definition(parse.json_object(_metadata_part(request), "metadata"), limits)
    payload = request.files.get("payload")
    if payload is None:
        raise BadRequest("multipart part 'payload' (the model folder as tar.gz) is missing", field="payload")
    folder = unpack_archive(cast(BinaryIO, payload.stream), limits, ctx.settings.home / "uploads")
    try:
        version = ctx.catalog.create_model_version(definition, folder)
    finally:
        remove_folder(folder)
    ctx.builds.submit(version.id)
    return version


def _metadata_part(request: Request) -> bytes | str | None:
    """hydrosdk sends `metadata` as a plain form field; other clients send it as a file part."""
    if "metadata" in request.form:
        return request.form["metadata"]
    part = request.files.get("metadata")
    return part.read() if part is not None else None
