"""The fleet's coordination tables: who is alive, who runs which channel, who leads which job.

These rows are runtime state, rewritten every 2 s by the workers; they are not
backed up (``backup/tables.py``). Times in them are written by the database's own
clock (``cluster/db_clock.py``), never by a worker's, so clock skew between
machines cannot make two workers believe they hold the same lease.

- ``workers``: one row per registered worker, its capacity, labels, last heartbeat and
  whether it is being drained.
- ``channel_leases``: one row per channel that was ever claimed; ``epoch`` grows at
  every claim and is the fencing token; ``worker_id``/``expires_at`` are NULL when free.
- ``leader_leases``: one row per fleet-wide single job (``placer``, ``alerts`` …), the
  same fencing as a channel lease.
"""

from __future__ import annotations

from datetime import datetime
from typing import Final

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, false
from sqlalchemy.orm import Mapped, mapped_column

from streamfleet.db.base import Base, UtcDateTime
from streamfleet.db.models import MYSQL_TABLE, EventId

MAX_WORKER_ID_LENGTH: Final = 64
MAX_HOST_LENGTH: Final = 255
MAX_VERSION_LENGTH: Final = 64
MAX_LEADER_NAME_LENGTH: Final = 64


class WorkerRow(Base):
    __tablename__ = "workers"
    __table_args__ = MYSQL_TABLE

    id: Mapped[str] = mapped_column(String(MAX_WORKER_ID_LENGTH), primary_key=True)
    host: Mapped[str] = mapped_column(String(MAX_HOST_LENGTH))
    capacity: Mapped[int] = mapped_column(Integer)
    labels: Mapped[dict[str, str]] = mapped_column(JSON)
    version: Mapped[str] = mapped_column(String(MAX_VERSION_LENGTH))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime())
    heartbeat_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    draining: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    """Set by a drain (``fleet/drain.py``): no new channels, its own move off one at a time."""


class ChannelLeaseRow(Base):
    __tablename__ = "channel_leases"
    __table_args__ = MYSQL_TABLE

    channel_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("channels.id", ondelete="CASCADE"), primary_key=True
    )
    worker_id: Mapped[str | None] = mapped_column(String(MAX_WORKER_ID_LENGTH), index=True)
    epoch: Mapped[int] = mapped_column(EventId, default=0)
    expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    claimed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class LeaderLeaseRow(Base):
    __tablename__ = "leader_leases"
    __table_args__ = MYSQL_TABLE

    name: Mapped[str] = mapped_column(String(MAX_LEADER_NAME_LENGTH), primary_key=True)
    holder: Mapped[str | None] = mapped_column(String(MAX_WORKER_ID_LENGTH))
    epoch: Mapped[int] = mapped_column(EventId, default=0)
    expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
