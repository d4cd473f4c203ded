"""The channel tables: configuration, observed status, and the channel's event history.

``channels`` holds every configuration field of ``domain.channel.Channel``
(tags and content checks as JSON, HLS overrides as two nullable columns) and
the observed status columns the engine keeps up to date, so ``?status=``
filters in SQL and any API node can answer. ``channel_events`` is the
history: one row per status change (alerts add other types later).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from streamfleet.db.base import Base, UtcDateTime
from streamfleet.domain.status import Status

MAX_REASON_LENGTH = 1000
"""Longer reasons (an FFmpeg error line, say) are cut to this many characters."""

EventId = BigInteger().with_variant(Integer, "sqlite")
"""64-bit ids; SQLite needs plain INTEGER to autoincrement."""

MYSQL_TABLE = {"mysql_charset": "utf8mb4", "mysql_engine": "InnoDB"}


class ChannelRow(Base):
    __tablename__ = "channels"
    __table_args__ = MYSQL_TABLE

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    input_url: Mapped[str] = mapped_column(String(2048))
    backup_url: Mapped[str | None] = mapped_column(String(2048))
    tags: Mapped[list[str]] = mapped_column(JSON)
    enabled: Mapped[bool] = mapped_column(Boolean)
    ingest_mode: Mapped[str] = mapped_column(String(16))
    listen_port: Mapped[int | None] = mapped_column(Integer, unique=True)
    passphrase: Mapped[str | None] = mapped_column(String(79))
    stream_key_sha256: Mapped[str | None] = mapped_column(String(64), index=True, unique=True)
    """``push_rtmp`` only: SHA-256 of the stream key (the key itself is shown once)."""
    profile: Mapped[str] = mapped_column(String(32))
    hls_segment_seconds: Mapped[float | None] = mapped_column(Float)
    hls_list_size: Mapped[int | None] = mapped_column(Integer)
    recording: Mapped[bool] = mapped_column(Boolean)
    retention_days: Mapped[int] = mapped_column(Integer)
    retention_bytes: Mapped[int | None] = mapped_column(BigInteger)
    thumbnail_interval_s: Mapped[int] = mapped_column(Integer)
    offline_grace_s: Mapped[int] = mapped_column(Integer)
    content_checks: Mapped[list[str]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    status: Mapped[str] = mapped_column(String(16), index=True, default=Status.STOPPED.value)
    status_since: Mapped[datetime | None] = mapped_column(UtcDateTime())
    status_reason: Mapped[str] = mapped_column(String(MAX_REASON_LENGTH), default="")


class ChannelEventRow(Base):
    __tablename__ = "channel_events"
    __table_args__ = MYSQL_TABLE

    id: Mapped[int] = mapped_column(EventId, primary_key=True, autoincrement=True)
    channel_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("channels.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    type: Mapped[str] = mapped_column(String(32), index=True)
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str | None] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(String(MAX_REASON_LENGTH), default="")
    worker: Mapped[str] = mapped_column(String(64), default="")
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
