"""Users in the database: create, find, list, change; and what a change revokes.

Roles travel as ``domain.roles.Role``. Demoting or disabling a user deletes
their sessions and revokes their tokens in the same transaction, so the next
request made with any of them is refused. A password change ends their
sessions. The last enabled admin can be neither demoted nor disabled
(``Conflict``), so the server always has someone who can manage it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from streamfleet.db.account_models import ApiTokenRow, SessionRow, UserRow
from streamfleet.db.base import utc_now
from streamfleet.db.session import transaction
from streamfleet.domain.errors import Conflict, NotFound
from streamfleet.domain.roles import Role


@dataclass(frozen=True, slots=True)
class UserRecord:
    id: int
    username: str
    role: Role
    disabled: bool
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class UserChange:
    """What ``UserRepository.update`` should change; ``None`` leaves a value as it is."""

    role: Role | None = None
    disabled: bool | None = None
    password_hash: str | None = None


class UserRepository:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def count(self) -> int:
        async with transaction(self._sessions) as session:
            return int(await session.scalar(select(func.count()).select_from(UserRow)) or 0)

    async def create(self, username: str, password_hash: str, role: Role) -> UserRecord:
        now = utc_now()
        try:
            async with transaction(self._sessions) as session:
                row = UserRow(
                    username=username,
                    password_hash=password_hash,
                    role=role.value,
                    disabled=False,
                    created_at=now,
                    updated_at=now,
                )
                session.add(row)
                await session.flush()
                return user_record(row)
        except IntegrityError as exc:
            raise Conflict(f"user '{username}' already exists", field="username") from exc

    async def get(self, user_id: int) -> UserRecord:
        async with transaction(self._sessions) as session:
            return user_record(await _row(session, user_id))

    async def credentials(self, username: str) -> tuple[UserRecord, str] | None:
        """The user called ``username`` and their password hash, or ``None``."""
        async with transaction(self._sessions) as session:
            row = await session.scalar(select(UserRow).where(UserRow.username == username))
            return None if row is None else (user_record(row), row.password_hash)

    async def list(self) -> list[UserRecord]:
        async with transaction(self._sessions) as session:
            rows = await session.scalars(select(UserRow).order_by(UserRow.id))
            return [user_record(row) for row in rows]

    async def update(self, user_id: int, change: UserChange) -> UserRecord:
        now = utc_now()
        async with transaction(self._sessions) as session:
            row = await _row(session, user_id)
            before = user_record(row)
            role = change.role if change.role is not None else before.role
            disabled = change.disabled if change.disabled is not None else before.disabled
            loses_rights = role < before.role or (disabled and not before.disabled)
            if loses_rights and before.role is Role.ADMIN and not before.disabled:
                await _keep_an_admin(session, user_id)
            row.role = role.value
            row.disabled = disabled
            if change.password_hash is not None:
                row.password_hash = change.password_hash
            row.updated_at = now
            if loses_rights or change.password_hash is not None:
                await session.execute(delete(SessionRow).where(SessionRow.user_id == user_id))
            if loses_rights:
                await session.execute(
                    update(ApiTokenRow)
                    .where(ApiTokenRow.user_id == user_id, ApiTokenRow.revoked_at.is_(None))
                    .values(revoked_at=now)
                )
            await session.flush()
            return user_record(row)

    async def set_password_hash(self, user_id: int, password_hash: str) -> None:
        """Store a re-hashed password (stronger parameters); ends no session."""
        async with transaction(self._sessions) as session:
            await session.execute(
                update(UserRow).where(UserRow.id == user_id).values(password_hash=password_hash)
            )


async def _keep_an_admin(session: AsyncSession, user_id: int) -> None:
    others = await session.scalar(
        select(func.count())
        .select_from(UserRow)
        .where(UserRow.role == Role.ADMIN.value, UserRow.disabled.is_(False), UserRow.id != user_id)
    )
    if not others:
        raise Conflict("the last enabled admin cannot be demoted or disabled", field="role")


async def _row(session: AsyncSession, user_id: int) -> UserRow:
    row = await session.get(UserRow, user_id)
    if row is None:
        raise NotFound(f"user {user_id} does not exist")
    return row


def user_record(row: UserRow) -> UserRecord:
    return UserRecord(
        id=row.id,
        username=row.username,
        role=Role(row.role),
        disabled=bool(row.disabled),
        created_at=row.created_at,
        updated_at=row.updated_at,
    )
