"""Models and their versions: numbering, builds' end states, deletion, records.

Version numbers are max+1 per model. Two uploads of the same name must not both get the same
number: the model row is created with an upsert (`ON CONFLICT DO NOTHING`) and then locked
(`SELECT ... FOR UPDATE`) before the next number is read, so on PostgreSQL concurrent creators
queue on that row; on SQLite the write transaction itself is exclusive (`BEGIN IMMEDIATE`).
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from controller.catalog import metrics, outbox, servables
from controller.catalog.records import ModelRecord, ModelVersionRecord, VersionKind, VersionStatus
from controller.catalog.schema import ApplicationVariant, MetricSpec, Model, ModelVersion, Servable, utcnow
from controller.errors import Conflict, NotFound
from controller.resources import ModelDefinition
from controller.storage import ArtifactStore
from protos.contract import Contract

MODEL_JSON = "model.json"
PAYLOAD_DIR = "files"


def model_prefix(name: str) -> str:
    return f"models/{name}"


def version_prefix(name: str, version: int) -> str:
    """`models/<name>/<version>`: model.json and files/ (the layout the runtimes read)."""
    return f"models/{name}/{version}"


def manifest(record: ModelVersionRecord) -> bytes:
    """The version's `model.json`."""
    body = {"name": record.model_name, "version": record.version, "runtime": record.runtime,
            "contract": record.contract.to_dict(), "metadata": dict(record.metadata)}
    return json.dumps(body, indent=2).encode()


def create(
    session: Session, definition: ModelDefinition, store: ArtifactStore, *, kind: VersionKind, external: bool
) -> ModelVersionRecord:
    model = _locked_model(session, definition.name)
    number = int(session.scalar(
        select(func.coalesce(func.max(ModelVersion.version), 0)).where(ModelVersion.model_id == model.id)
    )) + 1
    row = ModelVersion(
        model=model, version=number, runtime=definition.runtime,
        status=VersionStatus.RELEASED if external else VersionStatus.ASSEMBLING,
        status_message="external model" if external else "",
        install_command=None if external else definition.install_command,
        contract=definition.contract.to_dict(), meta=dict(definition.metadata),
        batch_size=definition.batch_size, is_external=external,
        artifact_uri=None if external else store.uri_for(version_prefix(definition.name, number)),
        training_data_uri=definition.training_data, kind=kind.value, build_log="",
        finished_at=utcnow() if external else None,
    )
    session.add(row)
    session.flush()
    for index, metric in enumerate(definition.monitoring):
        monitor = find_row(session, *metric.monitoring_model, field=f"monitoring[{index}].config.monitoring-model")
        metrics.create_row(session, metric.name, row, monitor, metric.threshold, metric.operator)
    record = to_record(row)
    outbox.record(session, outbox.MODEL_VERSION_CHANGED, record.ref, "created", record)
    return record


def _locked_model(session: Session, name: str) -> Model:
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    session.execute(
        insert(Model).values(name=name, created_at=utcnow()).on_conflict_do_nothing(index_elements=["name"])
    )
    return session.scalars(select(Model).where(Model.name == name).with_for_update()).one()


def finish(
    session: Session, version_id: int, succeeded: bool, message: str, python_path: str | None
) -> ModelVersionRecord:
    row = get_row(session, version_id, lock=True)
    if row.status != VersionStatus.ASSEMBLING:
        ref = f"{row.model.name}:{row.version}"
        raise Conflict(f"model version {ref} is {row.status}, its build has already ended")
    row.status = VersionStatus.RELEASED if succeeded else VersionStatus.FAILED
    row.status_message = message
    row.python_path = python_path
    row.finished_at = utcnow()
    session.flush()
    record = to_record(row)
    outbox.record(session, outbox.MODEL_VERSION_CHANGED, record.ref, "status", record)
    return record


def append_log(session: Session, version_id: int, chunk: str) -> None:
    # One UPDATE with concatenation: no read of the (possibly long) log so far.
    result = session.execute(
        update(ModelVersion).where(ModelVersion.id == version_id)
        .values(build_log=ModelVersion.build_log + chunk)
    )
    if result.rowcount == 0:  # type: ignore[attr-defined]
        raise NotFound(f"model version {version_id} not found")


def get_row(session: Session, version_id: int, *, lock: bool = False) -> ModelVersion:
    query = select(ModelVersion).where(ModelVersion.id == version_id)
    row = session.scalars(query.with_for_update() if lock else query).one_or_none()
    if row is None:
        raise NotFound(f"model version {version_id} not found")
    return row


def find_row(session: Session, name: str, version: int, *, field: str | None = None) -> ModelVersion:
    row = session.scalars(
        select(ModelVersion).join(Model).where(Model.name == name, ModelVersion.version == version)
    ).one_or_none()
    if row is None:
        raise NotFound(f"model version {name}:{version} not found", field=field)
    return row


def list_versions(session: Session, model_name: str | None, status: VersionStatus | None) -> list[ModelVersionRecord]:
    query = select(ModelVersion).join(Model).order_by(Model.name, ModelVersion.version)
    if model_name is not None:
        get_model_row(session, model_name)
        query = query.where(Model.name == model_name)
    if status is not None:
        query = query.where(ModelVersion.status == status.value)
    return [to_record(row) for row in session.scalars(query)]


def list_models(session: Session) -> list[ModelRecord]:
    return [_model_record(row) for row in session.scalars(select(Model).order_by(Model.name))]


def get_model(session: Session, model_id: int) -> ModelRecord:
    row = session.get(Model, model_id)
    if row is None:
        raise NotFound(f"model {model_id} not found")
    return _model_record(row)


def get_model_by_name(session: Session, name: str) -> ModelRecord:
    return _model_record(get_model_row(session, name))


def get_model_row(session: Session, name: str) -> Model:
    row = session.scalars(select(Model).where(Model.name == name)).one_or_none()
    if row is None:
        raise NotFound(f"model {name} not found")
    return row


def delete_model(session: Session, model_id: int) -> ModelRecord:
    model = session.scalars(select(Model).where(Model.id == model_id).with_for_update()).one_or_none()
    if model is None:
        raise NotFound(f"model {model_id} not found")
    ids = list(session.scalars(select(ModelVersion.id).where(ModelVersion.model_id == model.id)))
    _refuse_if_used(session, model.name, ids)
    records = [to_record(row) for row in model.versions]
    session.execute(delete(MetricSpec).where(
        or_(MetricSpec.model_version_id.in_(ids), MetricSpec.monitor_model_version_id.in_(ids))
    ))
    servables.prune(session)  # the servables that only its own metric specs needed
    result = _model_record(model)
    session.delete(model)
    session.flush()
    for record in records:
        outbox.record(session, outbox.MODEL_VERSION_CHANGED, record.ref, "deleted", record)
    return result


def _refuse_if_used(session: Session, name: str, ids: list[int]) -> None:
    """409 naming the first user: an application variant, a standalone servable, or another
    model's metric spec (servables that applications or metrics need are covered by those)."""
    users: list[tuple[str, Any]] = [
        ("an application", select(ApplicationVariant.model_version_id)
         .where(ApplicationVariant.model_version_id.in_(ids))),
        ("a servable", select(Servable.model_version_id).where(
            Servable.model_version_id.in_(ids), Servable.standalone.is_(True))),
        ("a metric of another model", select(MetricSpec.monitor_model_version_id).where(
            MetricSpec.monitor_model_version_id.in_(ids), MetricSpec.model_version_id.not_in(ids))),
    ]
    for user, query in users:
        version_id = session.scalars(query.limit(1)).first()
        if version_id is not None:
            version = session.get(ModelVersion, version_id)
            ref = f"{name}:{version.version}" if version else name
            raise Conflict(f"model {name} cannot be deleted: version {ref} is used by {user}")


def to_record(row: ModelVersion) -> ModelVersionRecord:
    return ModelVersionRecord(
        id=row.id, model_id=row.model_id, model_name=row.model.name, version=row.version,
        status=VersionStatus(row.status), status_message=row.status_message or "",
        runtime=row.runtime, contract=Contract.from_dict(row.contract),
        install_command=row.install_command, metadata=dict(row.meta or {}),
        batch_size=row.batch_size, artifact_uri=row.artifact_uri, is_external=row.is_external,
        training_data_uri=row.training_data_uri, kind=VersionKind(row.kind),
        python_path=row.python_path, created_at=row.created_at, finished_at=row.finished_at,
    )


def _model_record(row: Model) -> ModelRecord:
    return ModelRecord(id=row.id, name=row.name, created_at=row.created_at)
