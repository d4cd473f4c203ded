"""The recording archive's index: one row per archived segment file.

``archive_segments`` grows by one row per segment of every recording channel
(60 channels of 2 s segments: ~78 million rows a month), so its key is 64-bit
and every query the engine and the API make goes through the index on
``(channel_id, start)``. ``channel_id`` has no foreign key: a channel deleted with
``?keep_archive=true`` keeps its rows, filed under the negated id (a channel created later
may get the id back on SQLite), and retention removes them in time.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, Float, Index, Integer, String, false
from sqlalchemy.orm import Mapped, mapped_column

from streamfleet.db.base import Base, UtcDateTime
from streamfleet.db.models import MYSQL_TABLE, EventId

MAX_ARCHIVE_PATH_LENGTH = 255
"""``<slug (64)>/<YYYY-MM-DD>/<HH>/<rendition>/<segment name (128)>`` fits."""


class ArchiveSegmentRow(Base):
    __tablename__ = "archive_segments"
    __table_args__ = (
        Index("ix_archive_segments_channel_id_start", "channel_id", "start"),
        Index("ix_archive_segments_channel_id_in_bucket_start", "channel_id", "in_bucket", "start"),
        MYSQL_TABLE,
    )

    id: Mapped[int] = mapped_column(EventId, primary_key=True, autoincrement=True)
    channel_id: Mapped[int] = mapped_column(Integer)
    start: Mapped[datetime] = mapped_column(UtcDateTime())
    duration_s: Mapped[float] = mapped_column(Float)
    bytes: Mapped[int] = mapped_column(BigInteger)
    path: Mapped[str] = mapped_column(String(MAX_ARCHIVE_PATH_LENGTH))
    in_bucket: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    """Uploaded to the bucket (``archive_to_s3``); the local file may be gone."""
