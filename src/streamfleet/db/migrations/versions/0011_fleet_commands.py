"""fleet_commands: commands from API nodes to the worker running a channel, and their results

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

from streamfleet.db.base import UtcDateTime

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MYSQL: dict[str, Any] = {"mysql_charset": "utf8mb4", "mysql_engine": "InnoDB"}


def upgrade() -> None:
    op.create_table(
        "fleet_commands",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("channel_id", sa.Integer(), nullable=True),
        sa.Column("target_worker", sa.String(64), nullable=True),
        sa.Column("args", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("error", sa.String(500), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("finished_at", UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_fleet_commands"),
        **MYSQL,
    )
    op.create_index(
        "ix_fleet_commands_state_target_worker", "fleet_commands", ["state", "target_worker"]
    )
    op.create_index("ix_fleet_commands_created_at", "fleet_commands", ["created_at"])


def downgrade() -> None:
    op.drop_table("fleet_commands")
