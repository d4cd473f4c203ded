"""Users, sessions and API tokens on SQLite, PostgreSQL and MariaDB: same code, same answers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from streamfleet.accounts.credentials import mint_session, mint_token
from streamfleet.db import migrate
from streamfleet.db.base import utc_now
from streamfleet.db.repositories.credentials import CredentialRepository, NewToken
from streamfleet.db.repositories.users import UserChange, UserRepository
from streamfleet.db.session import Database
from streamfleet.domain.errors import Conflict, NotFound
from streamfleet.domain.roles import Role

IDLE_S = 600.0


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    db = Database(database_url)
    await migrate.upgrade(db)
    try:
        yield db
    finally:
        await db.dispose()


@pytest.fixture
def users(database: Database) -> UserRepository:
    return UserRepository(database.sessions)


@pytest.fixture
def credentials(database: Database) -> CredentialRepository:
    return CredentialRepository(database.sessions)


async def _token(credentials: CredentialRepository, user_id: int, role: Role) -> str:
    minted = mint_token()
    new = NewToken(user_id, "ci", "personal", role, minted.secret_hash, minted.hint, None)
    await credentials.create_token(new, utc_now())
    return minted.secret_hash


async def test_a_username_is_unique_and_users_list_in_creation_order(
    users: UserRepository,
) -> None:
    first = await users.create("alice", "hash-a", Role.ADMIN)
    await users.create("bob", "hash-b", Role.VIEWER)
    with pytest.raises(Conflict) as conflict:
        await users.create("alice", "hash-c", Role.VIEWER)
    assert conflict.value.field == "username"
    assert [u.username for u in await users.list()] == ["alice", "bob"]
    assert await users.count() == 2
    found = await users.credentials("alice")
    assert found is not None
    assert found[0] == first
    assert found[1] == "hash-a"
    with pytest.raises(NotFound):
        await users.get(999)


async def test_demoting_a_user_ends_their_sessions_and_revokes_their_tokens_at_once(
    users: UserRepository, credentials: CredentialRepository
) -> None:
    await users.create("root", "h", Role.ADMIN)
    ops = await users.create("ops", "h", Role.OPERATOR)
    now = utc_now()
    session = mint_session()
    await credentials.create_session(ops.id, session.secret_hash, now, now + timedelta(days=1), "")
    token_hash = await _token(credentials, ops.id, Role.OPERATOR)
    assert await credentials.session_owner(session.secret_hash, utc_now(), IDLE_S) is not None
    assert await credentials.token_owner(token_hash, utc_now()) is not None

    await users.update(ops.id, UserChange(role=Role.VIEWER))

    assert await credentials.session_owner(session.secret_hash, utc_now(), IDLE_S) is None
    assert await credentials.token_owner(token_hash, utc_now()) is None
    assert (await users.get(ops.id)).role is Role.VIEWER


async def test_a_disabled_users_credentials_stop_working(
    users: UserRepository, credentials: CredentialRepository
) -> None:
    await users.create("root", "h", Role.ADMIN)
    viewer = await users.create("tv", "h", Role.VIEWER)
    token_hash = await _token(credentials, viewer.id, Role.VIEWER)
    await users.update(viewer.id, UserChange(disabled=True))
    assert await credentials.token_owner(token_hash, utc_now()) is None


async def test_the_last_enabled_admin_can_be_neither_demoted_nor_disabled(
    users: UserRepository,
) -> None:
    admin = await users.create("root", "h", Role.ADMIN)
    for change in (UserChange(role=Role.OPERATOR), UserChange(disabled=True)):
        with pytest.raises(Conflict):
            await users.update(admin.id, change)
    second = await users.create("root2", "h", Role.ADMIN)
    assert (await users.update(admin.id, UserChange(role=Role.OPERATOR))).role is Role.OPERATOR
    with pytest.raises(Conflict):
        await users.update(second.id, UserChange(disabled=True))


async def test_sessions_end_at_their_idle_and_absolute_expiry(
    users: UserRepository, credentials: CredentialRepository
) -> None:
    user = await users.create("root", "h", Role.ADMIN)
    now = utc_now()
    session = mint_session()
    await credentials.create_session(
        user.id, session.secret_hash, now, now + timedelta(hours=1), ""
    )
    assert await credentials.session_owner(session.secret_hash, now, IDLE_S) is not None
    later = now + timedelta(seconds=IDLE_S + 1)
    assert await credentials.session_owner(session.secret_hash, later, IDLE_S) is None
    await credentials.touch_session(
        (await credentials.session_owner(session.secret_hash, now, IDLE_S) or (0,))[0], later
    )
    assert await credentials.session_owner(session.secret_hash, later, IDLE_S) is not None
    after_max = now + timedelta(hours=1, seconds=1)
    assert await credentials.session_owner(session.secret_hash, after_max, 10 * 86400) is None


async def test_tokens_list_revoke_and_expire(
    users: UserRepository, credentials: CredentialRepository
) -> None:
    alice = await users.create("alice", "h", Role.ADMIN)
    bob = await users.create("bob", "h", Role.VIEWER)
    minted = mint_token()
    soon = utc_now() + timedelta(minutes=5)
    record = await credentials.create_token(
        NewToken(bob.id, "ci", "personal", Role.VIEWER, minted.secret_hash, minted.hint, soon),
        utc_now(),
    )
    await _token(credentials, alice.id, Role.ADMIN)
    assert [t.username for t in await credentials.list_tokens(utc_now())] == ["bob", "alice"]
    assert [t.id for t in await credentials.list_tokens(utc_now(), bob.id)] == [record.id]
    past_expiry = soon + timedelta(seconds=1)
    assert await credentials.token_owner(minted.secret_hash, past_expiry) is None
    await credentials.touch_token(record.id, utc_now())
    assert (await credentials.get_token(record.id)).last_used_at is not None
    await credentials.revoke_token(record.id, utc_now())
    assert await credentials.token_owner(minted.secret_hash, utc_now()) is None
    assert [t.username for t in await credentials.list_tokens(utc_now())] == ["alice"]
