"""channels and channel_events

Revision ID: 0001
Revises:
Create Date: 2026-01-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from streamfleet.db.base import UtcDateTime

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "channels",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("slug", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("input_url", sa.String(2048), nullable=False),
        sa.Column("backup_url", sa.String(2048), nullable=True),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("ingest_mode", sa.String(16), nullable=False),
        sa.Column("listen_port", sa.Integer(), nullable=True),
        sa.Column("passphrase", sa.String(79), nullable=True),
        sa.Column("profile", sa.String(32), nullable=False),
        sa.Column("hls_segment_seconds", sa.Float(), nullable=True),
        sa.Column("hls_list_size", sa.Integer(), nullable=True),
        sa.Column("recording", sa.Boolean(), nullable=False),
        sa.Column("retention_days", sa.Integer(), nullable=False),
        sa.Column("thumbnail_interval_s", sa.Integer(), nullable=False),
        sa.Column("offline_grace_s", sa.Integer(), nullable=False),
        sa.Column("content_checks", sa.JSON(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False, server_default="stopped"),
        sa.Column("status_since", UtcDateTime(), nullable=True),
        sa.Column("status_reason", sa.String(1000), nullable=False, server_default=""),
        sa.PrimaryKeyConstraint("id", name="pk_channels"),
        sa.UniqueConstraint("slug", name="uq_channels_slug"),
        sa.UniqueConstraint("listen_port", name="uq_channels_listen_port"),
        mysql_charset="utf8mb4",
        mysql_engine="InnoDB",
    )
    op.create_index("ix_channels_status", "channels", ["status"])
    op.create_table(
        "channel_events",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.Column("type", sa.String(32), nullable=False),
        sa.Column("from_status", sa.String(16), nullable=True),
        sa.Column("to_status", sa.String(16), nullable=True),
        sa.Column("reason", sa.String(1000), nullable=False, server_default=""),
        sa.Column("worker", sa.String(64), nullable=False, server_default=""),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_channel_events"),
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["channels.id"],
            name="fk_channel_events_channel_id_channels",
            ondelete="CASCADE",
        ),
        mysql_charset="utf8mb4",
        mysql_engine="InnoDB",
    )
    op.create_index("ix_channel_events_channel_id", "channel_events", ["channel_id"])
    op.create_index("ix_channel_events_at", "channel_events", ["at"])
    op.create_index("ix_channel_events_type", "channel_events", ["type"])


def downgrade() -> None:
    op.drop_table("channel_events")
    op.drop_table("channels")
