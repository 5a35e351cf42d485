"""Stored profiles: per model version, field and source (`training` or `production`), as JSON."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from functions.host.store import utcnow
from functions.monitoring.checks import Bounds
from functions.monitoring.tables import ProfileRow
from functions.stats import NumericalProfile, Profile, StatsError, profile_from_dict

logger = logging.getLogger(__name__)
TRAINING, PRODUCTION = "training", "production"


def load(session: Session, version_id: int, source: str) -> dict[str, Profile]:
    """The stored profiles by field; a profile that does not load is logged and left out."""
    rows = session.scalars(select(ProfileRow).where(ProfileRow.model_version_id == version_id,
                                                    ProfileRow.source == source))
    out: dict[str, Profile] = {}
    for row in rows:
        try:
            out[row.field] = profile_from_dict(row.profile)
        except StatsError as error:
            logger.warning("model version %d: stored %s profile of %s does not load: %s", version_id, source,
                           row.field, error)
    return out


def save(session: Session, version_id: int, source: str, profiles: Mapping[str, Profile]) -> None:
    """Insert or replace the given fields' profiles."""
    now = utcnow()
    for field, profile in profiles.items():
        numerical = profile if isinstance(profile, NumericalProfile) and profile.count > 0 else None
        values = {"kind": profile.kind, "profile": profile.to_dict(), "updated_at": now,
                  "minimum": numerical.minimum if numerical else None,
                  "maximum": numerical.maximum if numerical else None}
        row = session.get(ProfileRow, {"model_version_id": version_id, "field": field, "source": source})
        if row is None:
            session.add(ProfileRow(model_version_id=version_id, field=field, source=source, **values))
        else:
            for key, value in values.items():
                setattr(row, key, value)


def replace_training(session: Session, version_id: int, profiles: Mapping[str, Profile]) -> None:
    """New training data replaces every training profile of the version."""
    session.execute(delete(ProfileRow).where(ProfileRow.model_version_id == version_id,
                                             ProfileRow.source == TRAINING))
    session.flush()
    save(session, version_id, TRAINING, profiles)


def training_bounds(session: Session, version_id: int, fields: set[str]) -> dict[str, Bounds]:
    """Min and max of the numerical training profiles of `fields` (the raw checks' thresholds)."""
    query = select(ProfileRow.field, ProfileRow.minimum, ProfileRow.maximum).where(
        ProfileRow.model_version_id == version_id, ProfileRow.source == TRAINING,
        ProfileRow.minimum.is_not(None), ProfileRow.maximum.is_not(None))
    return {field: Bounds(low, high) for field, low, high in session.execute(query) if field in fields}


def fields(session: Session, version_id: int) -> dict[str, dict[str, str]]:
    """Field name -> {source: kind} for every stored profile of the version."""
    query = select(ProfileRow.field, ProfileRow.source, ProfileRow.kind).where(
        ProfileRow.model_version_id == version_id)
    out: dict[str, dict[str, str]] = {}
    for field, source, kind in session.execute(query):
        out.setdefault(field, {})[source] = kind
    return out


def one(session: Session, version_id: int, field: str, source: str) -> Profile | None:
    row = session.get(ProfileRow, {"model_version_id": version_id, "field": field, "source": source})
    return None if row is None else profile_from_dict(row.profile)
