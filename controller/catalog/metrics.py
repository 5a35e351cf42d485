"""Metric specs (Hydrosphere's MetricSpec: a metric model scores another model's traffic) and
training data records."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from controller.catalog import outbox, servables
from controller.catalog.records import MetricSpecRecord, TrainingDataRecord
from controller.catalog.schema import MetricSpec, ModelVersion, TrainingData
from controller.errors import BadRequest, NotFound
from controller.resources import fields
from controller.resources.model import parse_operator

TRAINING_UPLOADED = "Uploaded"
PROFILE_PENDING = "Pending"


def create(
    session: Session, name: str, model_version_id: int, monitor_version_id: int,
    threshold: float | None, operator: str,
) -> MetricSpecRecord:
    model = _version(session, model_version_id, "modelVersionId")
    monitor = _version(session, monitor_version_id, "config.modelVersionId")
    operator = parse_operator(operator, "config.thresholdCmpOperator.kind")
    fields.string(name, "name")
    return create_row(session, name, model, monitor, threshold, operator)


def create_row(
    session: Session, name: str, model: ModelVersion, monitor: ModelVersion,
    threshold: float | None, operator: str,
) -> MetricSpecRecord:
    """Insert a spec and make sure its monitoring model is deployed (as a non-standalone servable)."""
    if monitor.id == model.id:
        raise BadRequest("config.modelVersionId: a model version cannot monitor itself",
                         field="config.modelVersionId")
    row = MetricSpec(id=str(uuid.uuid4()), name=name, model_version_id=model.id,
                     monitor_model_version_id=monitor.id, threshold=threshold, operator=operator)
    session.add(row)
    session.flush()
    servables.ensure(session, monitor, None, standalone=False)
    record = to_record(row)
    outbox.record(session, outbox.METRIC_SPEC_CHANGED, record.id, "created", record)
    return record


def list_all(session: Session, model_version_id: int | None) -> list[MetricSpecRecord]:
    query = select(MetricSpec).order_by(MetricSpec.created_at, MetricSpec.id)
    if model_version_id is not None:
        query = query.where(MetricSpec.model_version_id == model_version_id)
    return [to_record(row) for row in session.scalars(query)]


def get_row(session: Session, spec_id: str) -> MetricSpec:
    row = session.get(MetricSpec, spec_id)
    if row is None:
        raise NotFound(f"metric spec {spec_id} not found")
    return row


def delete(session: Session, spec_id: str) -> MetricSpecRecord:
    row = get_row(session, spec_id)
    record = to_record(row)
    session.delete(row)
    session.flush()
    servables.prune(session)
    outbox.record(session, outbox.METRIC_SPEC_CHANGED, record.id, "deleted", record)
    return record


def to_record(row: MetricSpec) -> MetricSpecRecord:
    return MetricSpecRecord(
        id=row.id, name=row.name, model_version_id=row.model_version_id,
        monitor_model_version_id=row.monitor_model_version_id, threshold=row.threshold,
        operator=row.operator, created_at=row.created_at,
    )


def add_training_data(session: Session, model_version_id: int, uri: str) -> TrainingDataRecord:
    version = _version(session, model_version_id, "modelVersionId")
    row = TrainingData(model_version_id=version.id, uri=uri, status=TRAINING_UPLOADED,
                       profile_status=PROFILE_PENDING, profile_message="")
    session.add(row)
    version.training_data_uri = uri
    session.flush()
    record = training_record(row)
    subject = f"{version.model.name}:{version.version}"
    outbox.record(session, outbox.TRAINING_DATA_UPLOADED, subject, "created", record)
    return record


def update_training_data(
    session: Session, data_id: int, status: str | None, profile_status: str | None,
    profile_message: str | None, rows: int | None,
) -> TrainingDataRecord:
    row = session.get(TrainingData, data_id)
    if row is None:
        raise NotFound(f"training data {data_id} not found")
    row.status = status if status is not None else row.status
    row.profile_status = profile_status if profile_status is not None else row.profile_status
    row.profile_message = profile_message if profile_message is not None else row.profile_message
    row.rows = rows if rows is not None else row.rows
    session.flush()
    record = training_record(row)
    outbox.record(session, outbox.TRAINING_DATA_CHANGED, str(row.id), "updated", record)
    return record


def get_training_data(session: Session, data_id: int) -> TrainingDataRecord:
    row = session.get(TrainingData, data_id)
    if row is None:
        raise NotFound(f"training data {data_id} not found")
    return training_record(row)


def list_training_data(session: Session, model_version_id: int) -> list[TrainingDataRecord]:
    _version(session, model_version_id, "modelVersionId")
    query = select(TrainingData).where(TrainingData.model_version_id == model_version_id)
    return [training_record(row) for row in session.scalars(query.order_by(TrainingData.id))]


def training_record(row: TrainingData) -> TrainingDataRecord:
    return TrainingDataRecord(
        id=row.id, model_version_id=row.model_version_id, uri=row.uri, status=row.status,
        profile_status=row.profile_status, profile_message=row.profile_message or "",
        rows=row.rows, created_at=row.created_at,
    )


def _version(session: Session, version_id: int, field: str) -> ModelVersion:
    row = session.get(ModelVersion, version_id)
    if row is None:
        raise NotFound(f"model version {version_id} not found", field=field)
    return row
