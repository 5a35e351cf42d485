"""Drift of production data against training data, from stored profiles (`functions.stats`).

A drift window is whole batches of a version, at least `drift_min_window` requests (so a batch
size of 10 still compares 100 requests); windows follow each other (batches 0-9, 10-19, ...). When
the batch that closes a window completes, the window is compared with the training profiles; on
demand, the latest window's worth of requests is. Settings
per model version: stored through `PUT /stat/config/{id}`, else the version's metadata keys
`drift.<setting>` (`drift.alpha: "0.01"`), else the defaults of `DriftConfig`.
"""

from __future__ import annotations

import dataclasses
import logging
import math
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from functions.host.store import utcnow
from functions.monitoring import profile_store
from functions.monitoring.inference import field_values
from functions.monitoring.manager import VersionInfo
from functions.monitoring.profiles import profile_requests
from functions.monitoring.tables import DriftConfigRow, DriftRow, RequestRow
from functions.stats import BadConfig, DriftConfig, drift_report

logger = logging.getLogger(__name__)
METADATA_PREFIX = "drift."
BATCH, ON_DEMAND = "batch", "on-demand"


def window_batches(batch_size: int, min_window: int) -> int:
    """How many batches a drift window spans."""
    return max(1, math.ceil(min_window / batch_size))


def config_for(session: Session, info: VersionInfo) -> tuple[DriftConfig, str]:
    """The version's drift settings and where they came from (`stored`, `metadata`, `default`)."""
    stored = session.get(DriftConfigRow, info.id)
    if stored is not None:
        return DriftConfig.from_dict(stored.config), "stored"
    values = {key[len(METADATA_PREFIX):]: value for key, value in info.metadata.items()
              if key.startswith(METADATA_PREFIX)}
    if not values:
        return DriftConfig(), "default"
    try:
        return from_text(values), "metadata"
    except BadConfig as error:
        logger.warning("model version %d: metadata drift settings ignored: %s", info.id, error)
        return DriftConfig(), "default"


def from_text(values: Mapping[str, str]) -> DriftConfig:
    """A config from text values (model metadata values are strings)."""
    types = {f.name: f.type for f in dataclasses.fields(DriftConfig)}
    parsed: dict[str, Any] = {}
    for key, text in values.items():
        kind = types.get(key)
        if kind is None:
            raise BadConfig(key, f"unknown key; allowed: {', '.join(types)}")
        try:
            parsed[key] = {"int": int, "float": float}.get(str(kind), str)(text)
        except ValueError:
            raise BadConfig(key, f"must be a{'n' if kind == 'int' else ''} {kind}, got {text!r}") from None
    return DriftConfig.from_dict(parsed)


def store_config(session: Session, version_id: int, config: DriftConfig) -> None:
    row = session.get(DriftConfigRow, version_id)
    if row is None:
        session.add(DriftConfigRow(model_version_id=version_id, config=config.to_dict(), updated_at=utcnow()))
    else:
        row.config, row.updated_at = config.to_dict(), utcnow()


def evaluate(session: Session, info: VersionInfo, rows: Sequence[RequestRow], *, trigger: str,
             batch: int | None = None) -> DriftRow | None:
    """Compare `rows` with the training profiles: the report as a row to store (not added to the
    session); None without training data or production rows."""
    training = profile_store.load(session, info.id, profile_store.TRAINING)
    if not training or not rows:
        return None
    production = profile_requests(info.contract, [values_of(row) for row in rows], training)
    config, source = config_for(session, info)
    report = drift_report(training, production, config)
    window = {"requests": len(rows), "firstSeq": rows[0].seq, "lastSeq": rows[-1].seq,
              "batches": sorted({row.batch for row in rows}), "configSource": source}
    return DriftRow(model_version_id=info.id, batch=batch, trigger=trigger, window=window,
                    drifted=bool(report.drifted_features), report=report.to_dict(), created_at=utcnow())


def window_rows(session: Session, version_id: int, last_seq: int, size: int) -> list[RequestRow]:
    """The `size` requests up to `last_seq`, oldest first."""
    query = (select(RequestRow).where(RequestRow.model_version_id == version_id, RequestRow.seq <= last_seq,
                                      RequestRow.seq > last_seq - size).order_by(RequestRow.seq))
    return list(session.scalars(query))


def latest(session: Session, version_id: int) -> DriftRow | None:
    query = select(DriftRow).where(DriftRow.model_version_id == version_id).order_by(DriftRow.id.desc()).limit(1)
    return session.scalars(query).first()


def values_of(row: RequestRow) -> dict[str, Any]:
    """A stored request's inputs and outputs by field name."""
    return field_values(row.data.get("request") or {}, row.data.get("response"))
