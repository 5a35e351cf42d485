"""Applications: stages of weighted model variants, stored as one row per variant.

Creating or updating resolves every `name:version` reference (404 naming the missing one) and
deployment configuration, and makes sure each variant's servable exists; servables that an
update or delete leaves unused are pruned.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from controller.catalog import outbox, servables
from controller.catalog.records import (
    ApplicationRecord,
    ApplicationStatus,
    StageRecord,
    VariantRecord,
)
from controller.catalog.schema import (
    Application,
    ApplicationVariant,
    DeploymentConfigurationRow,
    Model,
    ModelVersion,
    utcnow,
)
from controller.errors import Conflict, NotFound
from controller.resources import ApplicationDefinition


def create(session: Session, definition: ApplicationDefinition) -> ApplicationRecord:
    if _find(session, definition.name) is not None:
        raise Conflict(f"application {definition.name} already exists")
    row = Application(name=definition.name, status=ApplicationStatus.ASSEMBLING, meta={})
    session.add(row)
    return _save(session, row, definition, "created")


def update(session: Session, definition: ApplicationDefinition) -> ApplicationRecord:
    return _save(session, get_row(session, definition.name, lock=True), definition, "updated")


def apply(session: Session, definition: ApplicationDefinition) -> ApplicationRecord:
    if _find(session, definition.name) is None:
        return create(session, definition)
    return update(session, definition)


def _save(session: Session, row: Application, definition: ApplicationDefinition, action: str) -> ApplicationRecord:
    variants = _resolve(session, definition)
    row.variants.clear()
    session.flush()  # the old variants go before the new ones take their (stage, position) slots
    row.variants.extend(variants)
    row.meta = dict(definition.metadata)
    row.status, row.status_message, row.updated_at = ApplicationStatus.ASSEMBLING, "", utcnow()
    session.flush()
    for variant in variants:
        servables.ensure(session, variant.model_version, variant.deployment_configuration, standalone=False)
    servables.prune(session)
    record = to_record(session, row)
    outbox.record(session, outbox.APPLICATION_CHANGED, row.name, action, record)
    return record


def _resolve(session: Session, definition: ApplicationDefinition) -> list[ApplicationVariant]:
    resolved = []
    for stage_index, stage in enumerate(definition.stages):
        for position, variant in enumerate(stage.variants):
            field = f"pipeline[{stage_index}][{position}]"
            version = _version(session, *variant.model, field=f"{field}.model")
            servables.check_deployable(version, field=f"{field}.model")
            config = None
            if variant.deployment_configuration:
                config = _config(session, variant.deployment_configuration, f"{field}.deployment-config")
            resolved.append(ApplicationVariant(
                stage=stage_index, position=position, model_version=version,
                weight=variant.weight, deployment_configuration=config,
            ))
    return resolved


def _version(session: Session, name: str, version: int, *, field: str) -> ModelVersion:
    row = session.scalars(
        select(ModelVersion).join(Model).where(Model.name == name, ModelVersion.version == version)
    ).one_or_none()
    if row is None:
        raise NotFound(f"model version {name}:{version} not found", field=field)
    return row


def _config(session: Session, name: str, field: str) -> DeploymentConfigurationRow:
    row = session.scalars(
        select(DeploymentConfigurationRow).where(DeploymentConfigurationRow.name == name)
    ).one_or_none()
    if row is None:
        raise NotFound(f"deployment configuration {name} not found", field=field)
    return row


def list_all(session: Session) -> list[ApplicationRecord]:
    return [to_record(session, row) for row in session.scalars(select(Application).order_by(Application.name))]


def _find(session: Session, name: str) -> Application | None:
    return session.scalars(select(Application).where(Application.name == name)).one_or_none()


def get_row(session: Session, name: str, *, lock: bool = False) -> Application:
    query = select(Application).where(Application.name == name)
    row = session.scalars(query.with_for_update() if lock else query).one_or_none()
    if row is None:
        raise NotFound(f"application {name} not found")
    return row


def delete(session: Session, name: str) -> ApplicationRecord:
    row = get_row(session, name, lock=True)
    record = to_record(session, row)
    session.delete(row)
    session.flush()
    servables.prune(session)
    outbox.record(session, outbox.APPLICATION_CHANGED, name, "deleted", record)
    return record


def report_status(session: Session, name: str, status: ApplicationStatus, message: str) -> ApplicationRecord:
    row = get_row(session, name, lock=True)
    changed = (row.status, row.status_message) != (status.value, message)
    row.status, row.status_message = status.value, message
    record = to_record(session, row)
    if changed:
        row.updated_at = utcnow()
        session.flush()
        outbox.record(session, outbox.APPLICATION_CHANGED, name, "status", record)
    return record


def to_record(session: Session, row: Application) -> ApplicationRecord:
    stages: dict[int, list[VariantRecord]] = {}
    for variant in sorted(row.variants, key=lambda v: (v.stage, v.position)):
        version = variant.model_version
        config = variant.deployment_configuration.name if variant.deployment_configuration else None
        servable = servables.name_for(session, version.id, variant.deployment_configuration_id)
        stages.setdefault(variant.stage, []).append(VariantRecord(
            model_version_id=version.id, model_name=version.model.name, model_version=version.version,
            weight=variant.weight, deployment_configuration=config, servable_name=servable,
        ))
    return ApplicationRecord(
        id=row.id, name=row.name, stages=tuple(StageRecord(tuple(v)) for _, v in sorted(stages.items())),
        status=ApplicationStatus(row.status), status_message=row.status_message or "",
        metadata=dict(row.meta or {}), created_at=row.created_at,
    )
