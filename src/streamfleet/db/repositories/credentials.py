"""Sessions and API tokens in the database, looked up by the hash of their secret.

``session_owner``/``token_owner`` are the per-request lookups: one indexed
query joining the user, answering only for a live credential of an enabled
user. Nothing is cached, so a revoked token or a deleted session is refused at
its very next use. ``touch_*`` record use (callers do it at most once a minute).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from streamfleet.db.account_models import ApiTokenRow, SessionRow, UserRow
from streamfleet.db.repositories.users import UserRecord, user_record
from streamfleet.db.session import transaction
from streamfleet.domain.errors import Conflict, NotFound
from streamfleet.domain.roles import Role

LOGIN_TOKEN_KEPT_AFTER_EXPIRY = timedelta(days=1)
"""Expired login tokens are deleted this long after they expire (personal ones are kept)."""


@dataclass(frozen=True, slots=True)
class TokenRecord:
    id: int
    user_id: int
    username: str
    name: str
    kind: str
    role: Role
    hint: str
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None


@dataclass(frozen=True, slots=True)
class NewToken:
    user_id: int
    name: str
    kind: str
    role: Role
    secret_hash: str
    hint: str
    expires_at: datetime | None


class CredentialRepository:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    # Sessions ------------------------------------------------------------------------------

    async def create_session(
        self, user_id: int, secret_hash: str, now: datetime, expires_at: datetime, address: str
    ) -> int:
        async with transaction(self._sessions) as session:
            row = SessionRow(
                user_id=user_id,
                secret_hash=secret_hash,
                created_at=now,
                last_seen_at=now,
                expires_at=expires_at,
                client_address=address[:64],
            )
            session.add(row)
            await session.flush()
            return row.id

    async def session_owner(
        self, secret_hash: str, now: datetime, idle_s: float
    ) -> tuple[int, datetime, UserRecord] | None:
        """``(session id, last seen, user)`` for a live session of an enabled user."""
        query = (
            select(SessionRow.id, SessionRow.last_seen_at, UserRow)
            .join(UserRow, UserRow.id == SessionRow.user_id)
            .where(
                SessionRow.secret_hash == secret_hash,
                SessionRow.expires_at > now,
                SessionRow.last_seen_at > now - timedelta(seconds=idle_s),
                UserRow.disabled.is_(False),
            )
        )
        async with transaction(self._sessions) as session:
            found = (await session.execute(query)).first()
        if found is None:
            return None
        session_id, last_seen, user_row = found
        return session_id, last_seen, user_record(user_row)

    async def touch_session(self, session_id: int, now: datetime) -> None:
        async with transaction(self._sessions) as session:
            await session.execute(
                update(SessionRow).where(SessionRow.id == session_id).values(last_seen_at=now)
            )

    async def delete_session(self, session_id: int) -> None:
        async with transaction(self._sessions) as session:
            await session.execute(delete(SessionRow).where(SessionRow.id == session_id))

    async def prune(self, now: datetime, idle_s: float) -> None:
        """Delete sessions past either expiry and login tokens a day past theirs."""
        async with transaction(self._sessions) as session:
            await session.execute(
                delete(SessionRow).where(
                    or_(
                        SessionRow.expires_at <= now,
                        SessionRow.last_seen_at <= now - timedelta(seconds=idle_s),
                    )
                )
            )
            await session.execute(
                delete(ApiTokenRow).where(
                    ApiTokenRow.kind == "login",
                    ApiTokenRow.expires_at <= now - LOGIN_TOKEN_KEPT_AFTER_EXPIRY,
                )
            )

    # Tokens --------------------------------------------------------------------------------

    async def create_token(self, new: NewToken, now: datetime) -> TokenRecord:
        try:
            async with transaction(self._sessions) as session:
                row = ApiTokenRow(
                    user_id=new.user_id,
                    name=new.name,
                    kind=new.kind,
                    role=new.role.value,
                    secret_hash=new.secret_hash,
                    hint=new.hint,
                    created_at=now,
                    expires_at=new.expires_at,
                )
                session.add(row)
                await session.flush()
                user = await session.get(UserRow, new.user_id)
                if user is None:
                    raise NotFound(f"user {new.user_id} does not exist")
                return token_record(row, user.username)
        except IntegrityError as exc:  # a 256-bit collision, or the user vanished meanwhile
            raise Conflict("the token could not be stored; try again") from exc

    async def token_owner(
        self, secret_hash: str, now: datetime
    ) -> tuple[TokenRecord, UserRecord] | None:
        """The live (unrevoked, unexpired) token with this hash and its enabled user."""
        query = (
            select(ApiTokenRow, UserRow)
            .join(UserRow, UserRow.id == ApiTokenRow.user_id)
            .where(
                ApiTokenRow.secret_hash == secret_hash,
                ApiTokenRow.revoked_at.is_(None),
                or_(ApiTokenRow.expires_at.is_(None), ApiTokenRow.expires_at > now),
                UserRow.disabled.is_(False),
            )
        )
        async with transaction(self._sessions) as session:
            found = (await session.execute(query)).first()
        if found is None:
            return None
        token_row, user_row = found
        return token_record(token_row, user_row.username), user_record(user_row)

    async def touch_token(self, token_id: int, now: datetime) -> None:
        async with transaction(self._sessions) as session:
            await session.execute(
                update(ApiTokenRow).where(ApiTokenRow.id == token_id).values(last_used_at=now)
            )

    async def list_tokens(self, now: datetime, user_id: int | None = None) -> list[TokenRecord]:
        """Live tokens (of ``user_id``, or everyone's), oldest first."""
        query = (
            select(ApiTokenRow, UserRow.username)
            .join(UserRow, UserRow.id == ApiTokenRow.user_id)
            .where(
                ApiTokenRow.revoked_at.is_(None),
                or_(ApiTokenRow.expires_at.is_(None), ApiTokenRow.expires_at > now),
            )
            .order_by(ApiTokenRow.id)
        )
        if user_id is not None:
            query = query.where(ApiTokenRow.user_id == user_id)
        async with transaction(self._sessions) as session:
            return [token_record(row, name) for row, name in (await session.execute(query)).all()]

    async def get_token(self, token_id: int) -> TokenRecord:
        query = (
            select(ApiTokenRow, UserRow.username)
            .join(UserRow, UserRow.id == ApiTokenRow.user_id)
            .where(ApiTokenRow.id == token_id)
        )
        async with transaction(self._sessions) as session:
            found = (await session.execute(query)).first()
        if found is None:
            raise NotFound(f"token {token_id} does not exist")
        return token_record(found[0], found[1])

    async def revoke_token(self, token_id: int, now: datetime) -> None:
        async with transaction(self._sessions) as session:
            await session.execute(
                update(ApiTokenRow)
                .where(ApiTokenRow.id == token_id, ApiTokenRow.revoked_at.is_(None))
                .values(revoked_at=now)
            )


def token_record(row: ApiTokenRow, username: str) -> TokenRecord:
    return TokenRecord(
        id=row.id,
        user_id=row.user_id,
        username=username,
        name=row.name,
        kind=row.kind,
        role=Role(row.role),
        hint=row.hint,
        created_at=row.created_at,
        expires_at=row.expires_at,
        last_used_at=row.last_used_at,
        revoked_at=row.revoked_at,
    )
