"""Servables: a model version deployed with one deployment configuration (or none).

A servable exists because it was deployed on its own (`standalone`), because an application
variant needs it, or because a metric spec needs its monitoring model. The same version and
configuration always share one servable; when its last user goes, `prune` removes it.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.orm import Session

from controller.catalog import outbox
from controller.catalog.records import ServableRecord, ServableStatus, VersionStatus
from controller.catalog.schema import (
    Application,
    ApplicationVariant,
    DeploymentConfigurationRow,
    MetricSpec,
    Model,
    ModelVersion,
    Servable,
    utcnow,
)
from controller.errors import BadRequest, Conflict, NotFound


def base_name(model_name: str, version: int, config: str | None) -> str:
    return f"{model_name}-{version}" + (f"-{config}" if config else "")


def check_deployable(version: ModelVersion, field: str | None = None) -> None:
    """External models are served elsewhere; failed builds have nothing to serve."""
    ref = f"{version.model.name}:{version.version}"
    if version.is_external:
        raise BadRequest(f"model version {ref} is an external model and cannot be deployed", field=field)
    if version.status == VersionStatus.FAILED:
        raise BadRequest(f"model version {ref} failed to build and cannot be deployed", field=field)


def ensure(
    session: Session, version: ModelVersion, config: DeploymentConfigurationRow | None, *, standalone: bool,
    metadata: Mapping[str, str] | None = None,
) -> Servable:
    """The servable of (version, config), created when missing; `standalone` is only ever raised."""
    config_id = config.id if config else None
    row = session.scalars(select(Servable).where(
        Servable.model_version_id == version.id, Servable.deployment_configuration_id.is_(config_id)
        if config_id is None else Servable.deployment_configuration_id == config_id,
    )).one_or_none()
    if row is None:
        row = Servable(name=_free_name(session, version, config), model_version=version,
                       deployment_configuration=config, status=ServableStatus.STARTING,
                       status_message="", replicas=0, standalone=standalone, meta=dict(metadata or {}))
        session.add(row)
        session.flush()
        _event(session, row, "created")
    elif standalone and not row.standalone:
        row.standalone = True
        row.meta = {**(row.meta or {}), **(metadata or {})}
        session.flush()
        _event(session, row, "updated")
    return row


def _free_name(session: Session, version: ModelVersion, config: DeploymentConfigurationRow | None) -> str:
    name = base_name(version.model.name, version.version, config.name if config else None)
    candidate, suffix = name, 1
    while session.scalars(select(Servable.id).where(Servable.name == candidate)).first() is not None:
        suffix += 1
        candidate = f"{name}-{suffix}"
    return candidate


def create(
    session: Session, model_name: str, version: int, config_name: str | None, metadata: Mapping[str, str]
) -> ServableRecord:
    row = session.scalars(
        select(ModelVersion).join(Model).where(Model.name == model_name, ModelVersion.version == version)
    ).one_or_none()
    if row is None:
        raise NotFound(f"model version {model_name}:{version} not found")
    check_deployable(row)
    config = _config(session, config_name) if config_name else None
    return to_record(session, ensure(session, row, config, standalone=True, metadata=metadata))


def find(session: Session, model_name: str, version: int, config_name: str | None) -> ServableRecord:
    query = select(Servable).join(ModelVersion).join(Model).where(
        Model.name == model_name, ModelVersion.version == version)
    if config_name is None:
        query = query.where(Servable.deployment_configuration_id.is_(None))
    else:
        query = query.join(DeploymentConfigurationRow).where(DeploymentConfigurationRow.name == config_name)
    row = session.scalars(query).one_or_none()
    if row is None:
        suffix = f" with deployment configuration {config_name}" if config_name else ""
        raise NotFound(f"servable of model version {model_name}:{version}{suffix} not found")
    return to_record(session, row)


def name_for(session: Session, model_version_id: int, config_id: int | None) -> str:
    """The name of the servable of (version, configuration); the caller knows it exists."""
    query = select(Servable.name).where(Servable.model_version_id == model_version_id)
    if config_id is None:
        query = query.where(Servable.deployment_configuration_id.is_(None))
    else:
        query = query.where(Servable.deployment_configuration_id == config_id)
    return session.scalars(query).one()


def _config(session: Session, name: str) -> DeploymentConfigurationRow:
    row = session.scalars(
        select(DeploymentConfigurationRow).where(DeploymentConfigurationRow.name == name)
    ).one_or_none()
    if row is None:
        raise NotFound(f"deployment configuration {name} not found", field="deploymentConfigName")
    return row


def list_all(session: Session, model_version_id: int | None) -> list[ServableRecord]:
    query = select(Servable).order_by(Servable.name)
    if model_version_id is not None:
        query = query.where(Servable.model_version_id == model_version_id)
    return [to_record(session, row) for row in session.scalars(query)]


def get_row(session: Session, name: str, *, lock: bool = False) -> Servable:
    query = select(Servable).where(Servable.name == name)
    row = session.scalars(query.with_for_update() if lock else query).one_or_none()
    if row is None:
        raise NotFound(f"servable {name} not found")
    return row


def delete(session: Session, name: str) -> ServableRecord:
    row = get_row(session, name, lock=True)
    apps = _applications_using(session, row)
    if apps:
        raise Conflict(f"servable {name} is used by application(s) {', '.join(apps)}")
    if _monitors(session, row):
        raise Conflict(f"servable {name} runs a metric model that a metric spec still uses")
    record = to_record(session, row)
    session.delete(row)
    session.flush()
    outbox.record(session, outbox.SERVABLE_CHANGED, record.name, "deleted", record)
    return record


def prune(session: Session) -> None:
    """Delete servables nobody needs any more (not standalone, no application, no metric)."""
    used_by_app = exists().where(
        ApplicationVariant.model_version_id == Servable.model_version_id,
        or_(ApplicationVariant.deployment_configuration_id == Servable.deployment_configuration_id,
            and_(ApplicationVariant.deployment_configuration_id.is_(None),
                 Servable.deployment_configuration_id.is_(None))),
    )
    used_by_metric = exists().where(
        MetricSpec.monitor_model_version_id == Servable.model_version_id,
        Servable.deployment_configuration_id.is_(None),
    )
    orphans = session.scalars(select(Servable).where(
        Servable.standalone.is_(False), ~used_by_app, ~used_by_metric).order_by(Servable.name)).all()
    for row in orphans:
        record = to_record(session, row)
        session.delete(row)
        session.flush()
        outbox.record(session, outbox.SERVABLE_CHANGED, record.name, "deleted", record)


def report_status(
    session: Session, name: str, status: ServableStatus, message: str, replicas: int | None
) -> ServableRecord:
    row = get_row(session, name, lock=True)
    changed = (row.status, row.status_message, row.replicas) != (status.value, message, replicas or row.replicas)
    row.status, row.status_message = status.value, message
    row.replicas = row.replicas if replicas is None else replicas
    if status in (ServableStatus.NOT_AVAILABLE, ServableStatus.NOT_SERVING) and message:
        row.last_error = message
    record = to_record(session, row)
    if changed:
        # Appliers report on every reconcile; only real changes become events.
        row.updated_at = utcnow()
        session.flush()
        outbox.record(session, outbox.SERVABLE_CHANGED, row.name, "status", record)
    return record


def _applications_using(session: Session, row: Servable) -> list[str]:
    query = select(Application.name).join(ApplicationVariant).where(
        ApplicationVariant.model_version_id == row.model_version_id)
    if row.deployment_configuration_id is None:
        query = query.where(ApplicationVariant.deployment_configuration_id.is_(None))
    else:
        query = query.where(ApplicationVariant.deployment_configuration_id == row.deployment_configuration_id)
    return sorted(set(session.scalars(query)))


def _monitors(session: Session, row: Servable) -> bool:
    if row.deployment_configuration_id is not None:
        return False
    query = select(MetricSpec.id).where(MetricSpec.monitor_model_version_id == row.model_version_id)
    return session.scalars(query.limit(1)).first() is not None


def _event(session: Session, row: Servable, action: str) -> None:
    outbox.record(session, outbox.SERVABLE_CHANGED, row.name, action, to_record(session, row))


def to_record(session: Session, row: Servable) -> ServableRecord:
    version = row.model_version
    return ServableRecord(
        id=row.id, name=row.name, model_version_id=version.id, model_name=version.model.name,
        model_version=version.version,
        deployment_configuration=row.deployment_configuration.name if row.deployment_configuration else None,
        status=ServableStatus(row.status), status_message=row.status_message or "",
        replicas=row.replicas, last_error=row.last_error, standalone=row.standalone,
        used_by=tuple(_applications_using(session, row)), metadata=dict(row.meta or {}),
        created_at=row.created_at,
    )
