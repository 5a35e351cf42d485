"""The initial catalog schema.

Revision ID: 0001
Revises:
Create Date: 2026-11-21

Migrations are frozen history: they use plain SQLAlchemy types and never import the models.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

NAME = sa.String(length=253)
STATUS = sa.String(length=32)


def _timestamp(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _version_fk(column: str, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], ["model_versions.id"], ondelete=ondelete)


def upgrade() -> None:
    op.create_table(
        "models",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", NAME, nullable=False, unique=True),
        _timestamp("created_at"),
    )
    op.create_table(
        "model_versions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("model_id", sa.Integer(), sa.ForeignKey("models.id", ondelete="CASCADE"), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("status", STATUS, nullable=False),
        sa.Column("status_message", sa.Text(), nullable=False),
        sa.Column("runtime", sa.String(length=512), nullable=False),
        sa.Column("install_command", sa.Text(), nullable=True),
        sa.Column("contract", sa.JSON(), nullable=False),
        sa.Column("metadata", sa.JSON(), nullable=False),
        sa.Column("batch_size", sa.Integer(), nullable=False),
        sa.Column("artifact_uri", sa.Text(), nullable=True),
        sa.Column("build_log", sa.Text(), nullable=False),
        sa.Column("python_path", sa.Text(), nullable=True),
        sa.Column("is_external", sa.Boolean(), nullable=False),
        sa.Column("training_data_uri", sa.Text(), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        _timestamp("created_at"),
        _timestamp("finished_at", nullable=True),
        sa.UniqueConstraint("model_id", "version", name="uq_model_versions_model_version"),
    )
    op.create_index("ix_model_versions_model_id", "model_versions", ["model_id"])
    op.create_table(
        "deployment_configurations",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", NAME, nullable=False, unique=True),
        sa.Column("spec", sa.JSON(), nullable=False),
        _timestamp("created_at"),
    )
    op.create_table(
        "applications",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", NAME, nullable=False, unique=True),
        sa.Column("status", STATUS, nullable=False),
        sa.Column("status_message", sa.Text(), nullable=False),
        sa.Column("metadata", sa.JSON(), nullable=False),
        _timestamp("created_at"),
        _timestamp("updated_at"),
    )
    _create_application_variants()
    _create_servables()
    _create_metric_specs()
    _create_training_data()
    op.create_table(
        "events",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("type", sa.String(length=128), nullable=False),
        sa.Column("subject", sa.String(length=512), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        _timestamp("created_at"),
    )


def _create_application_variants() -> None:
    op.create_table(
        "application_variants",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("stage", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("model_version_id", sa.Integer(), nullable=False),
        sa.Column("weight", sa.Integer(), nullable=False),
        sa.Column("deployment_configuration_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["application_id"], ["applications.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["deployment_configuration_id"], ["deployment_configurations.id"], ondelete="RESTRICT"
        ),
        _version_fk("model_version_id", "RESTRICT"),
        sa.UniqueConstraint("application_id", "stage", "position", name="uq_application_variants_slot"),
    )
    for column in ("application_id", "deployment_configuration_id", "model_version_id"):
        op.create_index(f"ix_application_variants_{column}", "application_variants", [column])


def _create_servables() -> None:
    op.create_table(
        "servables",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", NAME, nullable=False, unique=True),
        sa.Column("model_version_id", sa.Integer(), nullable=False),
        sa.Column("deployment_configuration_id", sa.Integer(), nullable=True),
        sa.Column("status", STATUS, nullable=False),
        sa.Column("status_message", sa.Text(), nullable=False),
        sa.Column("replicas", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("standalone", sa.Boolean(), nullable=False),
        sa.Column("metadata", sa.JSON(), nullable=False),
        _timestamp("created_at"),
        _timestamp("updated_at"),
        sa.ForeignKeyConstraint(
            ["deployment_configuration_id"], ["deployment_configurations.id"], ondelete="RESTRICT"
        ),
        _version_fk("model_version_id", "RESTRICT"),
    )
    for column in ("deployment_configuration_id", "model_version_id"):
        op.create_index(f"ix_servables_{column}", "servables", [column])


def _create_metric_specs() -> None:
    op.create_table(
        "metric_specs",
        sa.Column("id", sa.String(length=36), primary_key=True),
        sa.Column("name", NAME, nullable=False),
        sa.Column("model_version_id", sa.Integer(), nullable=False),
        sa.Column("monitor_model_version_id", sa.Integer(), nullable=False),
        sa.Column("threshold", sa.Float(), nullable=True),
        sa.Column("operator", sa.String(length=16), nullable=False),
        _timestamp("created_at"),
        _version_fk("model_version_id", "CASCADE"),
        _version_fk("monitor_model_version_id", "RESTRICT"),
    )
    for column in ("model_version_id", "monitor_model_version_id"):
        op.create_index(f"ix_metric_specs_{column}", "metric_specs", [column])


def _create_training_data() -> None:
    op.create_table(
        "training_data",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("model_version_id", sa.Integer(), nullable=False),
        sa.Column("uri", sa.Text(), nullable=False),
        sa.Column("status", STATUS, nullable=False),
        sa.Column("profile_status", STATUS, nullable=False),
        sa.Column("profile_message", sa.Text(), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=True),
        _timestamp("created_at"),
        _version_fk("model_version_id", "CASCADE"),
    )
    op.create_index("ix_training_data_model_version_id", "training_data", ["model_version_id"])


def downgrade() -> None:
    for table in ("events", "training_data", "metric_specs", "servables", "application_variants",
                  "applications", "deployment_configurations", "model_versions", "models"):
        op.drop_table(table)
