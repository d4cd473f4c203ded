"""archive_segments, channels.retention_bytes

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

from streamfleet.db.base import UtcDateTime

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MYSQL: dict[str, Any] = {"mysql_charset": "utf8mb4", "mysql_engine": "InnoDB"}


def _big_id() -> sa.types.TypeEngine[int]:
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.add_column("channels", sa.Column("retention_bytes", sa.BigInteger(), nullable=True))
    op.create_table(
        "archive_segments",
        sa.Column("id", _big_id(), autoincrement=True, nullable=False),
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("start", UtcDateTime(), nullable=False),
        sa.Column("duration_s", sa.Float(), nullable=False),
        sa.Column("bytes", sa.BigInteger(), nullable=False),
        sa.Column("path", sa.String(255), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_archive_segments"),
        **MYSQL,
    )
    op.create_index(
        "ix_archive_segments_channel_id_start", "archive_segments", ["channel_id", "start"]
    )


def downgrade() -> None:
    op.drop_table("archive_segments")
    with op.batch_alter_table("channels") as batch:
        batch.drop_column("retention_bytes")
