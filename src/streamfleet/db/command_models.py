"""``fleet_commands``: what API nodes asked of the workers, and what the workers answered.

One row per command (``domain/commands.py``): written ``pending`` by an API node,
finished by the worker it names (``target_worker``; NULL: whoever holds the channel's
lease). ``channel_id`` has no foreign key: a command outlives nothing for long, the
fleet's retention removes rows after ``KEEP_FINISHED``. Runtime state, like the lease
tables: not backed up (``backup/tables.py``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final

from sqlalchemy import JSON, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from streamfleet.db.base import Base, UtcDateTime
from streamfleet.db.cluster_models import MAX_WORKER_ID_LENGTH
from streamfleet.db.models import MYSQL_TABLE
from streamfleet.domain.commands import COMMAND_ID_LENGTH, MAX_ERROR_CHARS

MAX_ACTION_LENGTH: Final = 16


class CommandRow(Base):
    __tablename__ = "fleet_commands"
    __table_args__ = (
        Index("ix_fleet_commands_state_target_worker", "state", "target_worker"),
        Index("ix_fleet_commands_created_at", "created_at"),
        MYSQL_TABLE,
    )

    id: Mapped[str] = mapped_column(String(COMMAND_ID_LENGTH), primary_key=True)
    action: Mapped[str] = mapped_column(String(MAX_ACTION_LENGTH))
    channel_id: Mapped[int | None] = mapped_column(Integer)
    target_worker: Mapped[str | None] = mapped_column(String(MAX_WORKER_ID_LENGTH))
    args: Mapped[dict[str, Any]] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(16))
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(String(MAX_ERROR_CHARS))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
