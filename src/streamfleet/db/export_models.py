"""MP4 export jobs and locked archive ranges (revision 0007).

``export_jobs``: one row per export, its span, state, progress and parts (JSON: index,
from, to, bytes); files live in ``data/exports/<id>/``. Jobs are transient (removed
``export_keep_hours`` after they end) and their files are not in a backup, so backups
leave the table out. ``archive_locks``: spans of a channel retention never deletes,
an operator's decision: backed up like every other table. Neither has a foreign key
to ``channels`` (an archive may outlive its channel, with ``?keep_archive=true``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from streamfleet.db.base import Base, UtcDateTime
from streamfleet.db.models import MYSQL_TABLE
from streamfleet.domain.archive_locks import MAX_REASON_CHARS
from streamfleet.domain.exports import MAX_ERROR_CHARS

USERNAME_CHARS = 64


class ExportJobRow(Base):
    __tablename__ = "export_jobs"
    __table_args__ = (Index("ix_export_jobs_state", "state"), MYSQL_TABLE)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    channel_id: Mapped[int] = mapped_column(Integer)
    channel_slug: Mapped[str] = mapped_column(String(64))
    start: Mapped[datetime] = mapped_column(UtcDateTime())
    end: Mapped[datetime] = mapped_column(UtcDateTime())
    state: Mapped[str] = mapped_column(String(16))
    progress: Mapped[float] = mapped_column(Float)
    parts: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(String(MAX_ERROR_CHARS), nullable=True)
    requested_by: Mapped[str | None] = mapped_column(String(USERNAME_CHARS), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)


class ArchiveLockRow(Base):
    __tablename__ = "archive_locks"
    __table_args__ = (Index("ix_archive_locks_channel_id", "channel_id"), MYSQL_TABLE)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    channel_id: Mapped[int] = mapped_column(Integer)
    start: Mapped[datetime] = mapped_column(UtcDateTime())
    end: Mapped[datetime] = mapped_column(UtcDateTime())
    reason: Mapped[str] = mapped_column(String(MAX_REASON_CHARS))
    created_by: Mapped[str | None] = mapped_column(String(USERNAME_CHARS), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
