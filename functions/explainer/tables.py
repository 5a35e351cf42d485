"""The explainer's table: one row per explanation request, with its state and result."""

from __future__ import annotations

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from functions.explainer.jobs import JobColumns
from functions.host.store import FunctionBase


class ExplanationRow(JobColumns, FunctionBase):
    __tablename__ = "fn_explanations"
    __table_args__ = (Index("ix_fn_explanations_request", "model_version_id", "explained_request_id"),)

    explained_request_id: Mapped[str] = mapped_column(String(255))
    method: Mapped[str] = mapped_column(String(16))
    output_field: Mapped[str | None] = mapped_column(String(255))
