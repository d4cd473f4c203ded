"""``channel_media``: each channel's media info as the worker running it last read it.

One row per channel whose segments a fleet worker has read (``fleet/media_keeper.py``),
written under the channel's lease epoch (``LeaseBook.fenced``) and only when the reading
changed (``media/media_info.py`` ``worth_storing``). API nodes read it for the channel
page, the listing and the WebSocket snapshot (``fleet/api_control.py``); ``serve`` keeps
its readings in memory and never writes here. Runtime state, like the lease tables: not
backed up (``backup/tables.py``). Deleted with its channel.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from streamfleet.db.base import Base, UtcDateTime
from streamfleet.db.cluster_models import MAX_WORKER_ID_LENGTH
from streamfleet.db.models import MYSQL_TABLE, EventId


class ChannelMediaRow(Base):
    __tablename__ = "channel_media"
    __table_args__ = MYSQL_TABLE

    channel_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("channels.id", ondelete="CASCADE"), primary_key=True
    )
    info: Mapped[dict[str, Any]] = mapped_column(JSON)
    """``MediaInfo.to_dict()``: what ``GET /api/v1/channels/{id}`` shows as ``media_info``."""
    worker_id: Mapped[str] = mapped_column(String(MAX_WORKER_ID_LENGTH))
    epoch: Mapped[int] = mapped_column(EventId)
    """The lease epoch the reading was written under."""
    written_at: Mapped[datetime] = mapped_column(UtcDateTime())
