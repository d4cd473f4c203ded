"""Fixtures for the real services the integration tests use: databases and Redis.

``database_url`` is parametrised over ``sqlite``, ``postgresql`` and ``mariadb``;
each test gets its own freshly created, uniquely named database that is
dropped afterwards. A server that cannot be reached skips the test with the
reason, or fails it when ``CI=true`` (CI must prove every backend).

Override the servers with ``STREAMFLEET_TEST_POSTGRES`` (an asyncpg DSN to an
admin database), ``STREAMFLEET_TEST_MARIADB`` (``mysql://user:password@host:port/db``)
and ``STREAMFLEET_TEST_REDIS``.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, NoReturn
from urllib.parse import urlsplit

import pytest

POSTGRES_ADMIN_DSN = os.environ.get(
    "STREAMFLEET_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test"
)
MARIADB_ADMIN_URL = os.environ.get("STREAMFLEET_TEST_MARIADB", "mysql://root:@127.0.0.1:3306/test")
REDIS_TEST_URL = os.environ.get("STREAMFLEET_TEST_REDIS", "redis://127.0.0.1:6379/15")
CONNECT_TIMEOUT_S = 5
BACKENDS = ("sqlite", "postgresql", "mariadb")


def running_in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def service_unavailable(reason: str) -> NoReturn:
    """Skip outside CI; fail under ``CI=true``."""
    if running_in_ci():
        pytest.fail(f"{reason} (CI=true: every service must be reachable)")
    pytest.skip(reason)


def unique_name(prefix: str = "sf_test") -> str:
    return f"{prefix}_{uuid.uuid4().hex[:12]}"


# PostgreSQL ------------------------------------------------------------------------------


async def _postgres_admin() -> Any:
    import asyncpg

    try:
        return await asyncpg.connect(POSTGRES_ADMIN_DSN, timeout=CONNECT_TIMEOUT_S)
    except (OSError, TimeoutError, asyncpg.PostgresError) as exc:
        service_unavailable(f"PostgreSQL at {_where(POSTGRES_ADMIN_DSN)} is not reachable: {exc}")


async def postgres_database() -> AsyncIterator[str]:
    """Create a uniquely named PostgreSQL database; yield its asyncpg URL; drop it."""
    name = unique_name()
    admin = await _postgres_admin()
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    parts = urlsplit(POSTGRES_ADMIN_DSN)
    try:
        yield f"postgresql+asyncpg://{parts.netloc}/{name}"
    finally:
        admin = await _postgres_admin()
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


# MariaDB / MySQL -------------------------------------------------------------------------


async def _mariadb_admin() -> Any:
    import asyncmy

    parts = urlsplit(MARIADB_ADMIN_URL)
    try:
        return await asyncmy.connect(
            host=parts.hostname or "127.0.0.1",
            port=parts.port or 3306,
            user=parts.username or "root",
            password=parts.password or "",
            connect_timeout=CONNECT_TIMEOUT_S,
        )
    except (OSError, TimeoutError, asyncmy.errors.Error) as exc:
        service_unavailable(f"MariaDB at {_where(MARIADB_ADMIN_URL)} is not reachable: {exc}")


async def _mariadb_execute(sql: str) -> None:
    conn = await _mariadb_admin()
    try:
        async with conn.cursor() as cursor:
            await cursor.execute(sql)
    finally:
        conn.close()


async def mariadb_database() -> AsyncIterator[str]:
    """Create a uniquely named MariaDB database (utf8mb4); yield its asyncmy URL; drop it."""
    name = unique_name()
    await _mariadb_execute(
        f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
    )
    parts = urlsplit(MARIADB_ADMIN_URL)
    try:
        yield f"mysql+asyncmy://{parts.netloc}/{name}?charset=utf8mb4"
    finally:
        await _mariadb_execute(f"DROP DATABASE IF EXISTS `{name}`")


# SQLite ----------------------------------------------------------------------------------


async def sqlite_database(directory: Path) -> AsyncIterator[str]:
    yield f"sqlite+aiosqlite:///{directory / 'streamfleet.db'}"


def _where(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.hostname}:{parts.port}"


# Fixtures --------------------------------------------------------------------------------


async def _database_for(backend: str, tmp_path: Path) -> AsyncIterator[str]:
    if backend == "postgresql":
        source = postgres_database()
    elif backend == "mariadb":
        source = mariadb_database()
    else:
        source = sqlite_database(tmp_path)
    async for url in source:
        yield url


@pytest.fixture(params=BACKENDS)
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """An empty database of each backend in turn (ids ``sqlite``, ``postgresql``, ``mariadb``)."""
    async for url in _database_for(request.param, tmp_path):
        yield url


@pytest.fixture(params=("postgresql", "mariadb"))
async def server_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """An empty PostgreSQL, then MariaDB, database (for the smaller cross-backend API set)."""
    async for url in _database_for(request.param, tmp_path):
        yield url


@pytest.fixture(params=("sqlite", "postgresql"))
async def sqlite_or_postgres_url(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[str]:
    """An empty SQLite, then PostgreSQL, database (for the slower process-level tests)."""
    async for url in _database_for(request.param, tmp_path):
        yield url


@pytest.fixture
async def sqlite_url(tmp_path: Path) -> AsyncIterator[str]:
    async for url in sqlite_database(tmp_path):
        yield url


@pytest.fixture
async def postgres_url() -> AsyncIterator[str]:
    async for url in postgres_database():
        yield url


@pytest.fixture
async def redis_url() -> AsyncIterator[str]:
    """A reachable Redis (database 15). Other tests share it: use unique key and channel names."""
    import redis.asyncio as redis

    client = redis.from_url(REDIS_TEST_URL, socket_connect_timeout=CONNECT_TIMEOUT_S)
    try:
        try:
            await client.ping()
        except (OSError, redis.RedisError) as exc:
            service_unavailable(f"Redis at {_where(REDIS_TEST_URL)} is not reachable: {exc}")
        yield REDIS_TEST_URL
    finally:
        await client.aclose()
