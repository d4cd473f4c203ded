"""The database connection: one async engine and session factory per process.

``Database`` works the same on SQLite (aiosqlite), PostgreSQL (asyncpg) and
MySQL/MariaDB (asyncmy). ``transaction()`` is how repositories talk to it: one
session, one transaction, and connection failures turned into
``DatabaseUnavailable``.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any, Final

from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from streamfleet.db.errors import DatabaseUnavailable

PING_TIMEOUT_S: Final = 2.0
SQLITE_BUSY_TIMEOUT_S: Final = 15.0
CONNECT_TIMEOUT_S: Final = 5

UNAVAILABLE_ERRORS: Final = (OperationalError, InterfaceError, OSError, TimeoutError)
"""Failures that mean "the database is not there right now", not "your data is wrong"."""


class Database:
    """An async engine plus its session factory; ``dispose()`` when done."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.dialect = make_url(url).get_backend_name()
        if self.dialect == "sqlite":
            ensure_sqlite_directory(url)
        self.engine: AsyncEngine = create_async_engine(url, **_engine_options(self.dialect))
        if self.dialect == "sqlite":
            event.listen(self.engine.sync_engine, "connect", _sqlite_on_connect)
        self.sessions: async_sessionmaker[AsyncSession] = async_sessionmaker(
            self.engine, expire_on_commit=False
        )

    async def ping(self, timeout_s: float = PING_TIMEOUT_S) -> None:
        """Run ``SELECT 1``; raises ``DatabaseUnavailable`` when that fails or takes too long."""
        try:
            async with asyncio.timeout(timeout_s), self.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        except UNAVAILABLE_ERRORS as exc:
            raise DatabaseUnavailable(f"database not reachable: {type(exc).__name__}") from exc

    async def dispose(self) -> None:
        await self.engine.dispose()


Transactions = Callable[[], AbstractAsyncContextManager[AsyncSession]]
"""Opens the transaction a repository's writes run in: ``transaction(sessions)`` by default, a
fleet leader's ``fenced()`` one (``cluster/leader_job.py``) for the writes of its job."""


@asynccontextmanager
async def transaction(sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """A session inside one transaction: committed on success, rolled back on any error."""
    try:
        async with sessions() as session, session.begin():
            yield session
    except UNAVAILABLE_ERRORS as exc:
        raise DatabaseUnavailable(f"database not available: {type(exc).__name__}") from exc


def ensure_sqlite_directory(url: str) -> None:
    """Create the folder of an SQLite database file so the first connection can create it."""
    database = make_url(url).database
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).parent.mkdir(parents=True, exist_ok=True)


def _engine_options(dialect: str) -> dict[str, Any]:
    if dialect == "sqlite":
        return {"connect_args": {"timeout": SQLITE_BUSY_TIMEOUT_S}}
    if dialect == "postgresql":
        return {"pool_pre_ping": True, "connect_args": {"timeout": CONNECT_TIMEOUT_S}}
    return {
        "pool_pre_ping": True,
        "pool_recycle": 3600,
        "connect_args": {"connect_timeout": CONNECT_TIMEOUT_S},
    }


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()
