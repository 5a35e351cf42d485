"""Writing one checked request into the production data store, inside the event's transaction.

The version row's counter gives the request its number (`seq`): an `UPDATE ... RETURNING` that
also locks the row (PostgreSQL) or holds SQLite's write lock, so numbers are dense and unique per
version even with several threads or replicas. The batch is `(seq - 1) // batch_size`; the first
request of a batch opens its row and the last one marks it `full` (due for batch work).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Table, bindparam, update
from sqlalchemy.orm import Session

from functions.monitoring import versions
from functions.monitoring.checks import Check, score
from functions.monitoring.inference import Inference
from functions.monitoring.manager import VersionInfo
from functions.monitoring.metrics import MetricResult
from functions.monitoring.tables import BatchRow, RequestRow, VersionRow

OPEN, FULL, DONE, FAILED, PROCESSING = "open", "full", "done", "failed", "processing"


@dataclass(frozen=True)
class CheckedRequest:
    inference: Inference
    checks: Mapping[str, list[Check]]
    metrics: tuple[MetricResult, ...]

    @property
    def checks_failed(self) -> bool:
        return any(not c.passed for items in self.checks.values() for c in items)

    @property
    def outlier(self) -> bool:
        return any(m.failed for m in self.metrics)


@dataclass(frozen=True)
class Recorded:
    seq: int
    batch: int
    filled: bool
    """This request completed its batch: the batch is due."""


_VERSION_TABLE = cast(Table, VersionRow.__table__)
_VERSIONS = _VERSION_TABLE.c
# Built once with bind parameters: the statements every event runs cost no construction.
_COUNT = (
    update(_VERSION_TABLE).where(_VERSIONS.model_version_id == bindparam("version_id"))
    .values(requests=_VERSIONS.requests + 1, errors=_VERSIONS.errors + bindparam("error"),
            checks_failed=_VERSIONS.checks_failed + bindparam("failed"),
            outliers=_VERSIONS.outliers + bindparam("outlier"))
    .returning(_VERSIONS.requests, _VERSIONS.batch_size)
)
_INSERT_REQUEST = cast(Table, RequestRow.__table__).insert()


def record(session: Session, info: VersionInfo, checked: CheckedRequest) -> Recorded:
    seq, batch_size = _next_seq(session, info, checked)
    batch = (seq - 1) // batch_size
    inference = checked.inference
    session.connection().execute(_INSERT_REQUEST, {
        "model_version_id": info.id, "seq": seq, "batch": batch, "request_id": inference.request_id,
        "timestamp": inference.timestamp, "latency_ms": inference.latency_ms, "error": inference.error,
        "shadow": inference.shadow, "score": score(c for items in checked.checks.values() for c in items),
        "checks_failed": checked.checks_failed, "outlier": checked.outlier, "data": _data(checked),
    })
    filled = seq % batch_size == 0
    if (seq - 1) % batch_size == 0:
        session.add(BatchRow(model_version_id=info.id, batch=batch, status=FULL if filled else OPEN,
                             size=batch_size, first_seq=seq, started_at=inference.timestamp,
                             ended_at=inference.timestamp if filled else None, attempts=0))
    elif filled:
        session.execute(update(BatchRow).where(BatchRow.model_version_id == info.id, BatchRow.batch == batch)
                        .values(status=FULL, ended_at=inference.timestamp))
    return Recorded(seq, batch, filled)


def _next_seq(session: Session, info: VersionInfo, checked: CheckedRequest) -> tuple[int, int]:
    values = {"version_id": info.id, "error": int(checked.inference.error is not None),
              "failed": int(checked.checks_failed), "outlier": int(checked.outlier)}
    row = session.connection().execute(_COUNT, values).first()
    if row is None:  # first request of a version this store has not seen: create its row, then count
        versions.save(session, info)
        row = session.connection().execute(_COUNT, values).first()
        assert row is not None
    return int(row[0]), int(row[1])


def _data(checked: CheckedRequest) -> dict[str, Any]:
    return {
        "request": checked.inference.request,
        "response": checked.inference.response,
        "checks": {field: [c.to_json() for c in items] for field, items in checked.checks.items()},
        "metrics": {m.name: m.to_json() for m in checked.metrics},
    }
