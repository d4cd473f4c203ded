"""channels.stream_key_sha256: the hashed stream key of push_rtmp channels

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# A plain ADD COLUMN and a unique index, no batch: SQLite's batch mode copies and drops
# ``channels``, and the drop would cascade to ``channel_events``.


def upgrade() -> None:
    op.add_column("channels", sa.Column("stream_key_sha256", sa.String(64), nullable=True))
    op.create_index("ix_channels_stream_key_sha256", "channels", ["stream_key_sha256"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_channels_stream_key_sha256", "channels")
    with op.batch_alter_table("channels") as batch:
        batch.drop_column("stream_key_sha256")
