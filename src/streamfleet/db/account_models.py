"""The account tables: users, their dashboard sessions and their API tokens.

Neither a session nor a token is stored as such: ``secret_hash`` is the SHA-256
(hex) of the secret the client holds, so a copy of the database logs nobody in.
``sessions`` rows carry both expiries (idle: ``last_seen_at`` plus the idle
timeout; absolute: ``expires_at``); ``api_tokens`` rows are personal tokens
(``kind="personal"``) and the ones ``POST /api/v1/auth/token`` hands out
(``kind="login"``). Deleting a user deletes both.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from streamfleet.db.base import Base, UtcDateTime
from streamfleet.db.models import MYSQL_TABLE, EventId

MAX_USERNAME_LENGTH = 64
MAX_TOKEN_NAME_LENGTH = 100
SECRET_HASH_LENGTH = 64
"""A SHA-256 digest in hex."""


class UserRow(Base):
    __tablename__ = "users"
    __table_args__ = MYSQL_TABLE

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(MAX_USERNAME_LENGTH), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class SessionRow(Base):
    __tablename__ = "sessions"
    __table_args__ = MYSQL_TABLE

    id: Mapped[int] = mapped_column(EventId, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    secret_hash: Mapped[str] = mapped_column(String(SECRET_HASH_LENGTH), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    last_seen_at: Mapped[datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    client_address: Mapped[str] = mapped_column(String(64), default="")


class ApiTokenRow(Base):
    __tablename__ = "api_tokens"
    __table_args__ = MYSQL_TABLE

    id: Mapped[int] = mapped_column(EventId, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(MAX_TOKEN_NAME_LENGTH))
    kind: Mapped[str] = mapped_column(String(16))
    role: Mapped[str] = mapped_column(String(16))
    secret_hash: Mapped[str] = mapped_column(String(SECRET_HASH_LENGTH), unique=True)
    hint: Mapped[str] = mapped_column(String(8))
    """The secret's last four characters, to tell tokens apart in a list."""
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), index=True)
    last_used_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
