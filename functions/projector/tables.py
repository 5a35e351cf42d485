"""The projector's tables: projection requests, and the fitted projector of each model version."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Integer, LargeBinary
from sqlalchemy.orm import Mapped, mapped_column

from functions.explainer.jobs import JobColumns
from functions.host.store import FunctionBase


class ProjectionRow(JobColumns, FunctionBase):
    __tablename__ = "fn_projections"


class ProjectorRow(FunctionBase):
    """The fitted map (`Projector.to_bytes`) and the settings it was fitted with: a projection
    reuses it until a request asks for a refit or for other settings."""

    __tablename__ = "fn_projectors"

    model_version_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    config: Mapped[dict[str, Any]] = mapped_column(JSON)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    fitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
