"""Apply the Alembic migrations: one function used by ``streamfleet db upgrade`` and by start-up.

Alembic's synchronous API runs through ``AsyncConnection.run_sync``, so the
event loop keeps serving while the schema is brought up to date.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Final

import structlog
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection

from streamfleet.db.errors import DatabaseUnavailable
from streamfleet.db.session import UNAVAILABLE_ERRORS, Database

MIGRATIONS_DIR: Final = Path(__file__).parent / "migrations"

log = structlog.get_logger()


def alembic_config() -> Config:
    """Alembic's configuration, built in code (no alembic.ini needed)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


async def upgrade(database: Database, revision: str = "head") -> str | None:
    """Bring the schema of ``database`` to ``revision``; returns the revision it is at."""
    try:
        with _quiet_mysql_notes():
            async with database.engine.begin() as conn:
                await conn.run_sync(_upgrade_sync, revision)
                current = await conn.run_sync(_current_sync)
    except UNAVAILABLE_ERRORS as exc:
        raise DatabaseUnavailable(f"database not reachable: {type(exc).__name__}") from exc
    log.info("db.migrated", dialect=database.dialect, revision=current)
    return current


def known_revisions() -> list[str]:
    """Every revision this code knows, oldest first (the history is linear)."""
    script = ScriptDirectory.from_config(alembic_config())
    return [r.revision for r in reversed(list(script.walk_revisions()))]


async def downgrade(database: Database, revision: str) -> str | None:
    """Take the schema of ``database`` back to ``revision`` (a restore of an older backup)."""
    async with database.engine.begin() as conn:
        await conn.run_sync(_downgrade_sync, revision)
        current = await conn.run_sync(_current_sync)
    log.info("db.downgraded", dialect=database.dialect, revision=current)
    return current


async def current_revision(database: Database) -> str | None:
    async with database.engine.connect() as conn:
        return await conn.run_sync(_current_sync)


async def upgrade_url(url: str, revision: str = "head") -> str | None:
    """Open ``url``, upgrade it, close it (the ``streamfleet db upgrade`` command)."""
    database = Database(url)
    try:
        return await upgrade(database, revision)
    finally:
        await database.dispose()


def _upgrade_sync(connection: Connection, revision: str) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


def _downgrade_sync(connection: Connection, revision: str) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.downgrade(config, revision)


def _current_sync(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


@contextmanager
def _quiet_mysql_notes() -> Iterator[None]:
    """MySQL notes that it ignores primary key names; asyncmy logs each note as a warning."""
    logger = logging.getLogger("asyncmy")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)
