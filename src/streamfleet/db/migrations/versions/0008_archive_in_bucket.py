"""archive_segments.in_bucket: segments uploaded to object storage

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("archive_segments") as batch:
        batch.add_column(
            sa.Column("in_bucket", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.create_index(
        "ix_archive_segments_channel_id_in_bucket_start",
        "archive_segments",
        ["channel_id", "in_bucket", "start"],
    )


def downgrade() -> None:
    op.drop_index("ix_archive_segments_channel_id_in_bucket_start", "archive_segments")
    with op.batch_alter_table("archive_segments") as batch:
        batch.drop_column("in_bucket")
