"""Deployment configurations, stored as Hydrosphere's JSON (`DeploymentConfiguration.to_dict()`)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from controller.catalog import outbox
from controller.catalog.schema import Application, ApplicationVariant, DeploymentConfigurationRow, Servable
from controller.errors import Conflict, NotFound
from controller.resources import DeploymentConfiguration


def create(session: Session, config: DeploymentConfiguration) -> DeploymentConfiguration:
    spec = config.to_dict()
    existing = session.scalars(
        select(DeploymentConfigurationRow).where(DeploymentConfigurationRow.name == config.name)
    ).one_or_none()
    if existing is not None:
        if existing.spec == spec:
            return to_definition(existing)  # re-applying the same file is not an error
        raise Conflict(f"deployment configuration {config.name} already exists with a different spec")
    row = DeploymentConfigurationRow(name=config.name, spec=spec)
    session.add(row)
    session.flush()
    outbox.record(session, outbox.DEPLOYMENT_CONFIGURATION_CHANGED, config.name, "created", spec)
    return to_definition(row)


def list_all(session: Session) -> list[DeploymentConfiguration]:
    rows = session.scalars(select(DeploymentConfigurationRow).order_by(DeploymentConfigurationRow.name))
    return [to_definition(row) for row in rows]


def get_row(session: Session, name: str) -> DeploymentConfigurationRow:
    row = session.scalars(
        select(DeploymentConfigurationRow).where(DeploymentConfigurationRow.name == name)
    ).one_or_none()
    if row is None:
        raise NotFound(f"deployment configuration {name} not found")
    return row


def delete(session: Session, name: str) -> DeploymentConfiguration:
    row = get_row(session, name)
    apps = sorted(set(session.scalars(
        select(Application.name).join(ApplicationVariant)
        .where(ApplicationVariant.deployment_configuration_id == row.id)
    )))
    if apps:
        raise Conflict(f"deployment configuration {name} is used by application(s) {', '.join(apps)}")
    servable = session.scalars(
        select(Servable.name).where(Servable.deployment_configuration_id == row.id).limit(1)
    ).first()
    if servable is not None:
        raise Conflict(f"deployment configuration {name} is used by servable {servable}")
    definition = to_definition(row)
    session.delete(row)
    session.flush()
    outbox.record(session, outbox.DEPLOYMENT_CONFIGURATION_CHANGED, name, "deleted", row.spec)
    return definition


def to_definition(row: DeploymentConfigurationRow) -> DeploymentConfiguration:
    return DeploymentConfiguration.from_dict(row.spec, source=f"deployment configuration {row.name}")
