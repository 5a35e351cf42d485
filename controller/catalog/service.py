"""The catalog service: everything the manager API, the build runner and the appliers ask of it.

`Catalog` is the one transport-free core over the database and the artifact store. It returns
frozen records (`controller.catalog.records`), never live ORM rows, and raises the controller's
errors: `NotFound` naming the object (`model version claims-model:3 not found`), `Conflict`
(409, e.g. deleting something still in use) and `BadRequest`/`InvalidResource` naming the field.

Every state change writes an `events` outbox row in the same transaction; `events_since(cursor)`
reads them in order, and listeners added with `subscribe` are called after each commit (to wake
SSE streams without polling).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from sqlalchemy.orm import Session

from controller.catalog import applications, configurations, metrics, outbox, planning, servables, versions
from controller.catalog.database import Database
from controller.catalog.records import (
    ApplicationRecord,
    ApplicationStatus,
    EventRecord,
    MetricSpecRecord,
    ModelRecord,
    ModelVersionRecord,
    ServableRecord,
    ServableStatus,
    TrainingDataRecord,
    VersionKind,
    VersionStatus,
)
from controller.catalog.schema import RelayCursor, utcnow
from controller.desired_state import DesiredState, PlatformSpec
from controller.errors import BadRequest
from controller.resources import ApplicationDefinition, DeploymentConfiguration, ModelDefinition
from controller.storage import ArtifactStore

logger = logging.getLogger(__name__)
EventListener = Callable[[list[EventRecord]], None]
StatusT = TypeVar("StatusT", ApplicationStatus, ServableStatus)


class Catalog:
    """Models, versions, applications, servables, deployment configurations, metric specs, data."""

    def __init__(self, database: Database, store: ArtifactStore) -> None:
        self.database = database
        self.store = store
        self._listeners: list[EventListener] = []

    # -- events ---------------------------------------------------------------------------------

    def subscribe(self, listener: EventListener) -> Callable[[], None]:
        """Call `listener(events)` after every commit that wrote events; returns an unsubscribe."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    def events_since(self, cursor: int = 0, limit: int = 500) -> list[EventRecord]:
        """Outbox events with `id > cursor`, oldest first (at most `limit`)."""
        with self.database.read() as session:
            return outbox.since(session, cursor, limit)

    def relay_position(self, name: str) -> int:
        """The last outbox event id the relay `name` delivered (0 before its first)."""
        with self.database.read() as session:
            row = session.get(RelayCursor, name)
            return row.position if row is not None else 0

    def save_relay_position(self, name: str, position: int) -> None:
        with self.database.write() as session:
            row = session.get(RelayCursor, name)
            if row is None:
                session.add(RelayCursor(name=name, position=position, updated_at=utcnow()))
            else:
                row.position, row.updated_at = position, utcnow()

    def last_event_id(self) -> int:
        """The newest event's id (0 when there is none): a cursor for "from now on"."""
        with self.database.read() as session:
            return outbox.last_id(session)

    # -- models and versions --------------------------------------------------------------------

    def create_model_version(
        self, definition: ModelDefinition, payload: Path, *, kind: VersionKind = VersionKind.MODEL
    ) -> ModelVersionRecord:
        """A new version of `definition.name` (numbered max+1, safe under concurrent uploads).

        `payload` is the unpacked upload folder; it is stored as `models/<name>/<version>/files/`
        next to `model.json`. The version is `Assembling` until `finish_build`. Metric specs for
        `definition.monitoring` are created with it (404 when a monitoring model is missing).
        """
        with self._write() as session:
            record = versions.create(session, definition, self.store, kind=kind, external=False)
        self._store_artifact(record, payload)
        return record

    def register_external_model(
        self, definition: ModelDefinition, *, kind: VersionKind = VersionKind.MODEL
    ) -> ModelVersionRecord:
        """An external model (served elsewhere, monitored here): `Released` at once, no payload."""
        with self._write() as session:
            return versions.create(session, definition, self.store, kind=kind, external=True)

    def finish_build(
        self, version_id: int, *, succeeded: bool, message: str = "", python_path: str | None = None
    ) -> ModelVersionRecord:
        """End an `Assembling` version's build: `Released` or `Failed` with `message`."""
        with self._write() as session:
            return versions.finish(session, version_id, succeeded, message, python_path)

    def append_build_log(self, version_id: int, chunk: str) -> None:
        """Append output to the version's stored build log (no event: logs stream separately)."""
        with self.database.write() as session:
            versions.append_log(session, version_id, chunk)

    def build_log(self, version_id: int) -> str:
        """The version's build log so far."""
        with self.database.read() as session:
            return versions.get_row(session, version_id).build_log

    def list_models(self) -> list[ModelRecord]:
        with self.database.read() as session:
            return versions.list_models(session)

    def get_model(self, model_id: int) -> ModelRecord:
        with self.database.read() as session:
            return versions.get_model(session, model_id)

    def get_model_by_name(self, name: str) -> ModelRecord:
        with self.database.read() as session:
            return versions.get_model_by_name(session, name)

    def delete_model(self, model_id: int) -> ModelRecord:
        """Delete a model, all its versions and their artifacts; 409 while any version is in use."""
        with self._write() as session:
            record = versions.delete_model(session, model_id)
        self.store.delete_prefix(versions.model_prefix(record.name))
        return record

    def list_versions(
        self, model_name: str | None = None, *, status: VersionStatus | None = None
    ) -> list[ModelVersionRecord]:
        """All versions (of one model when named), by model name then version."""
        with self.database.read() as session:
            return versions.list_versions(session, model_name, status)

    def get_version(self, version_id: int) -> ModelVersionRecord:
        with self.database.read() as session:
            return versions.to_record(versions.get_row(session, version_id))

    def find_version(self, model_name: str, version: int) -> ModelVersionRecord:
        """By `name` and `version`; `NotFound("model version claims-model:3 not found")`."""
        with self.database.read() as session:
            return versions.to_record(versions.find_row(session, model_name, version))

    # -- applications ---------------------------------------------------------------------------

    def create_application(self, definition: ApplicationDefinition) -> ApplicationRecord:
        """A new application (409 if the name exists); `name:version` refs must exist (404)."""
        with self._write() as session:
            return applications.create(session, definition)

    def update_application(self, definition: ApplicationDefinition) -> ApplicationRecord:
        """Replace an existing application's stages and metadata (404 if it does not exist)."""
        with self._write() as session:
            return applications.update(session, definition)

    def apply_application(self, definition: ApplicationDefinition) -> ApplicationRecord:
        """Create or update, as `hs apply` does."""
        with self._write() as session:
            return applications.apply(session, definition)

    def list_applications(self) -> list[ApplicationRecord]:
        with self.database.read() as session:
            return applications.list_all(session)

    def get_application(self, name: str) -> ApplicationRecord:
        with self.database.read() as session:
            return applications.to_record(session, applications.get_row(session, name))

    def delete_application(self, name: str) -> ApplicationRecord:
        """Delete the application and the servables only it needed."""
        with self._write() as session:
            return applications.delete(session, name)

    def report_application_status(
        self, name: str, status: ApplicationStatus | str, message: str = ""
    ) -> ApplicationRecord:
        """Called by the appliers when an application becomes Ready or Failed."""
        with self._write() as session:
            return applications.report_status(session, name, _parse(ApplicationStatus, status), message)

    # -- servables ------------------------------------------------------------------------------

    def create_servable(
        self,
        model_name: str,
        version: int,
        deployment_configuration: str | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> ServableRecord:
        """Deploy a model version on its own. Idempotent: the same version and configuration
        give the same servable (named by `servables.servable_name`)."""
        with self._write() as session:
            return servables.create(session, model_name, version, deployment_configuration, metadata or {})

    def find_servable(
        self, model_name: str, version: int, deployment_configuration: str | None = None
    ) -> ServableRecord:
        """The servable of a version and configuration (what the appliers report status for)."""
        with self.database.read() as session:
            return servables.find(session, model_name, version, deployment_configuration)

    def list_servables(self, model_version_id: int | None = None) -> list[ServableRecord]:
        with self.database.read() as session:
            return servables.list_all(session, model_version_id)

    def get_servable(self, name: str) -> ServableRecord:
        with self.database.read() as session:
            return servables.to_record(session, servables.get_row(session, name))

    def delete_servable(self, name: str) -> ServableRecord:
        """Undeploy a standalone servable; 409 while an application uses it."""
        with self._write() as session:
            return servables.delete(session, name)

    def report_servable_status(
        self, name: str, status: ServableStatus | str, message: str = "", replicas: int | None = None
    ) -> ServableRecord:
        """Called by the appliers: Starting, Serving, NotServing or NotAvailable (+ replicas)."""
        with self._write() as session:
            return servables.report_status(session, name, _parse(ServableStatus, status), message, replicas)

    # -- deployment configurations --------------------------------------------------------------

    def create_deployment_configuration(self, config: DeploymentConfiguration) -> DeploymentConfiguration:
        """Store a configuration; 409 if the name exists with a different spec (same spec: no-op)."""
        with self._write() as session:
            return configurations.create(session, config)

    def list_deployment_configurations(self) -> list[DeploymentConfiguration]:
        with self.database.read() as session:
            return configurations.list_all(session)

    def get_deployment_configuration(self, name: str) -> DeploymentConfiguration:
        with self.database.read() as session:
            return configurations.to_definition(configurations.get_row(session, name))

    def delete_deployment_configuration(self, name: str) -> DeploymentConfiguration:
        """Delete a configuration; 409 while a servable or an application variant uses it."""
        with self._write() as session:
            return configurations.delete(session, name)

    # -- metric specs ---------------------------------------------------------------------------

    def create_metric_spec(
        self,
        name: str,
        model_version_id: int,
        monitor_model_version_id: int,
        threshold: float | None = None,
        operator: str = "Less",
    ) -> MetricSpecRecord:
        """Monitor `model_version_id` with the metric model `monitor_model_version_id`."""
        with self._write() as session:
            return metrics.create(session, name, model_version_id, monitor_model_version_id,
                                  threshold, operator)

    def list_metric_specs(self, model_version_id: int | None = None) -> list[MetricSpecRecord]:
        with self.database.read() as session:
            return metrics.list_all(session, model_version_id)

    def get_metric_spec(self, spec_id: str) -> MetricSpecRecord:
        with self.database.read() as session:
            return metrics.to_record(metrics.get_row(session, spec_id))

    def delete_metric_spec(self, spec_id: str) -> MetricSpecRecord:
        with self._write() as session:
            return metrics.delete(session, spec_id)

    # -- training data --------------------------------------------------------------------------

    def add_training_data(self, model_version_id: int, uri: str) -> TrainingDataRecord:
        """Record a training data upload for a version (status `Uploaded`, profile `Pending`)."""
        with self._write() as session:
            return metrics.add_training_data(session, model_version_id, uri)

    def update_training_data(
        self,
        data_id: int,
        *,
        status: str | None = None,
        profile_status: str | None = None,
        profile_message: str | None = None,
        rows: int | None = None,
    ) -> TrainingDataRecord:
        with self._write() as session:
            return metrics.update_training_data(session, data_id, status, profile_status,
                                                profile_message, rows)

    def get_training_data(self, data_id: int) -> TrainingDataRecord:
        with self.database.read() as session:
            return metrics.get_training_data(session, data_id)

    def list_training_data(self, model_version_id: int) -> list[TrainingDataRecord]:
        with self.database.read() as session:
            return metrics.list_training_data(session, model_version_id)

    # -- planning -------------------------------------------------------------------------------

    def desired_state(
        self, platform: PlatformSpec, image_for_runtime: Callable[[str], str]
    ) -> DesiredState:
        """What should run: a servable per application variant, standalone servable and metric
        model in use (Released, non-external versions only), and every application whose
        versions are all Released."""
        with self.database.read() as session:
            return planning.desired_state(session, platform, image_for_runtime)

    # -- internals ------------------------------------------------------------------------------

    def _store_artifact(self, record: ModelVersionRecord, payload: Path) -> None:
        """Write `model.json` and `files/`; a version whose artifact could not be stored fails."""
        prefix = versions.version_prefix(record.model_name, record.version)
        try:
            self.store.put_folder(f"{prefix}/{versions.PAYLOAD_DIR}", payload)
            self.store.put_bytes(f"{prefix}/{versions.MODEL_JSON}", versions.manifest(record))
        except Exception as error:
            logger.exception("storing the artifact of %s failed", record.ref)
            self.finish_build(record.id, succeeded=False, message=f"storing the artifact failed: {error}")
            raise

    @contextmanager
    def _write(self) -> Iterator[Session]:
        """A write transaction whose outbox events reach the listeners once it has committed."""
        with self.database.write() as session:
            outbox.begin(session)
            yield session
            written = outbox.pending(session)
        if written:
            self._notify(written)

    def _notify(self, events: list[EventRecord]) -> None:
        for listener in list(self._listeners):
            try:
                listener(events)
            except Exception:
                # A broken listener (a gone SSE client) must never undo or block a committed change.
                logger.exception("catalog event listener failed")


def _parse(kind: type[StatusT], value: StatusT | str) -> StatusT:
    try:
        return kind(value)
    except ValueError:
        allowed = ", ".join(member.value for member in kind)
        raise BadRequest(f"status: {value!r} is not one of {allowed}", field="status") from None
