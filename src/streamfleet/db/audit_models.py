"""The audit log table: who did what to which target, when and from where.

One row per recorded action (``domain.audit.AuditAction``). ``actor`` is the
username as it was at the time (a snapshot: renaming or deleting the user
leaves the history as it was), so there is no foreign key to ``users``.
``changes`` is JSON text ``{field: [old, new]}`` with secrets already masked.
"""

from __future__ import annotations

from datetime import datetime
from typing import Final

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from streamfleet.db.base import Base, UtcDateTime
from streamfleet.db.models import MYSQL_TABLE, EventId

MAX_ACTOR_LENGTH: Final = 64
MAX_ROLE_LENGTH: Final = 16
MAX_ADDRESS_LENGTH: Final = 64
MAX_ACTION_LENGTH: Final = 64
MAX_TARGET_TYPE_LENGTH: Final = 32
MAX_TARGET_ID_LENGTH: Final = 64
MAX_TARGET_NAME_LENGTH: Final = 200


class AuditEventRow(Base):
    __tablename__ = "audit_events"
    __table_args__ = MYSQL_TABLE

    id: Mapped[int] = mapped_column(EventId, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    actor_user_id: Mapped[int | None] = mapped_column(Integer, index=True)
    actor: Mapped[str | None] = mapped_column(String(MAX_ACTOR_LENGTH), index=True)
    role: Mapped[str | None] = mapped_column(String(MAX_ROLE_LENGTH))
    address: Mapped[str | None] = mapped_column(String(MAX_ADDRESS_LENGTH))
    action: Mapped[str] = mapped_column(String(MAX_ACTION_LENGTH), index=True)
    target_type: Mapped[str | None] = mapped_column(String(MAX_TARGET_TYPE_LENGTH), index=True)
    target_id: Mapped[str | None] = mapped_column(String(MAX_TARGET_ID_LENGTH))
    target_name: Mapped[str | None] = mapped_column(String(MAX_TARGET_NAME_LENGTH))
    changes: Mapped[str | None] = mapped_column(Text)
