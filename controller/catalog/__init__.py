"""The catalog: models, versions, applications, servables and their events, in SQL.

`Catalog` (in `service`) is the API; `Database` owns the engine; `migrate.upgrade` creates and
upgrades the schema (only migrations ever create tables).
"""

from controller.catalog.database import Database
from controller.catalog.migrate import upgrade
from controller.catalog.records import (
    ApplicationRecord,
    ApplicationStatus,
    EventRecord,
    MetricSpecRecord,
    ModelRecord,
    ModelVersionRecord,
    ServableRecord,
    ServableStatus,
    StageRecord,
    TrainingDataRecord,
    VariantRecord,
    VersionKind,
    VersionStatus,
    to_jsonable,
)
from controller.catalog.service import Catalog

__all__ = [
    "ApplicationRecord", "ApplicationStatus", "Catalog", "Database", "EventRecord", "MetricSpecRecord",
    "ModelRecord", "ModelVersionRecord", "ServableRecord", "ServableStatus", "StageRecord",
    "TrainingDataRecord", "VariantRecord", "VersionKind", "VersionStatus", "to_jsonable", "upgrade",
]
