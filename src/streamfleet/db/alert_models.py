"""The alerting tables: alerts, notification targets, the outbox and its delivery attempts.

``alerts`` holds one row per alert, open while ``ended_at`` is null; ``subject``
(a channel slug, or ``worker:<name>``) plus ``rule`` identify which condition
it is. ``notifications`` is the durable outbox: a row exists before a message is
sent, and ``notification_attempts`` records every try.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from streamfleet.db.base import Base, UtcDateTime
from streamfleet.db.models import MYSQL_TABLE, EventId

MAX_ERROR_LENGTH = 1000
MAX_SUMMARY_LENGTH = 1000


class AlertRow(Base):
    __tablename__ = "alerts"
    __table_args__ = MYSQL_TABLE

    id: Mapped[int] = mapped_column(EventId, primary_key=True, autoincrement=True)
    channel_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("channels.id", ondelete="SET NULL"), index=True
    )
    subject: Mapped[str] = mapped_column(String(128), index=True)
    rule: Mapped[str] = mapped_column(String(32), index=True)
    severity: Mapped[str] = mapped_column(String(16))
    summary: Mapped[str] = mapped_column(String(MAX_SUMMARY_LENGTH), default="")
    started_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), index=True)
    acknowledged_by: Mapped[str | None] = mapped_column(String(200))
    acknowledged_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    notified: Mapped[bool] = mapped_column(Boolean, default=False)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)


class NotificationTargetRow(Base):
    __tablename__ = "notification_targets"
    __table_args__ = MYSQL_TABLE

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    url: Mapped[str] = mapped_column(String(2048))
    secret: Mapped[str | None] = mapped_column(String(200))
    filters: Mapped[dict[str, Any]] = mapped_column(JSON)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class NotificationRow(Base):
    __tablename__ = "notifications"
    __table_args__ = MYSQL_TABLE

    id: Mapped[int] = mapped_column(EventId, primary_key=True, autoincrement=True)
    target_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("notification_targets.id", ondelete="CASCADE"), index=True
    )
    event: Mapped[str] = mapped_column(String(16))
    alert_ids: Mapped[list[int]] = mapped_column(JSON)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    """``{"title", "text", "alerts": [...]}``, fixed when the row is written."""
    state: Mapped[str] = mapped_column(String(16), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(String(MAX_ERROR_LENGTH))
    next_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), index=True)
    locked_until: Mapped[datetime | None] = mapped_column(UtcDateTime())
    """A sender that claimed the row owns it until then (a crashed sender's claim expires)."""
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    delivered_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class NotificationAttemptRow(Base):
    __tablename__ = "notification_attempts"
    __table_args__ = MYSQL_TABLE

    id: Mapped[int] = mapped_column(EventId, primary_key=True, autoincrement=True)
    notification_id: Mapped[int] = mapped_column(
        EventId, ForeignKey("notifications.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    ok: Mapped[bool] = mapped_column(Boolean)
    error: Mapped[str | None] = mapped_column(String(MAX_ERROR_LENGTH))
    status_code: Mapped[int | None] = mapped_column(Integer)
