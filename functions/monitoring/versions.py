"""Model versions as monitoring knows them: from the manager API (cached), mirrored into
`fn_monitoring_versions` so batch work can run without asking the manager again."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from functions.host.store import Store, utcnow
from functions.monitoring.cache import TtlCache
from functions.monitoring.errors import BadRequest, Unavailable
from functions.monitoring.inference import Inference
from functions.monitoring.manager import ManagerApi, VersionInfo
from functions.monitoring.tables import VersionRow
from protos.contract import Contract


class VersionDirectory:
    def __init__(self, manager: ManagerApi, store: Store, ttl_s: float) -> None:
        self.manager = manager
        self.store = store
        self._by_id: TtlCache[int, VersionInfo] = TtlCache(ttl_s)
        self._by_ref: TtlCache[tuple[str, int], VersionInfo] = TtlCache(ttl_s)

    def get(self, version_id: int) -> VersionInfo:
        """The version (NotFound when the catalog has no such version, Unavailable when the
        manager cannot answer)."""
        return self._by_id.get(version_id, self._load, stale_on=(Unavailable,))

    def resolve(self, inference: Inference) -> VersionInfo:
        """The version an inference event concerns: by id, else by model name and version."""
        if inference.model_version_id is not None:
            return self.get(inference.model_version_id)
        if inference.model_name is None or inference.model_version is None:
            raise BadRequest("data.modelVersionId: the event names no model version (no modelVersionId, "
                             "and no modelName with modelVersion)", "data.modelVersionId")
        info = self._by_ref.get((inference.model_name, inference.model_version),
                                lambda ref: self.manager.find_version(*ref), stale_on=(Unavailable,))
        return self.get(info.id)

    def forget(self, version_id: int) -> None:
        self._by_id.invalidate(version_id)

    def _load(self, version_id: int) -> VersionInfo:
        info = self.manager.version(version_id)
        with self.store.transaction() as session:
            save(session, info)
        return info


def save(session: Session, info: VersionInfo) -> None:
    """Insert the version's row, or refresh what the catalog says of it (counters untouched)."""
    values: dict[str, Any] = {
        "model_name": info.model_name, "model_version": info.version, "contract": info.contract.to_dict(),
        "batch_size": info.batch_size, "meta": dict(info.metadata), "updated_at": utcnow(),
    }
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement: Any = dialect.insert(VersionRow).values(model_version_id=info.id, requests=0, errors=0,
                                                       checks_failed=0, outliers=0, profile_revision=0,
                                                       **values)
    session.execute(statement.on_conflict_do_update(index_elements=[VersionRow.model_version_id], set_=values))


def from_row(row: VersionRow) -> VersionInfo:
    return VersionInfo(id=row.model_version_id, model_name=row.model_name, version=row.model_version,
                       contract=Contract.from_dict(row.contract), batch_size=row.batch_size,
                       metadata=dict(row.meta or {}))
