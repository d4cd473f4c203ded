"""Alembic environment: runs on the connection ``db/migrate.py`` hands over.

Run by hand (``alembic -c …``) it opens ``sqlalchemy.url`` itself.
"""

from __future__ import annotations

import asyncio
import importlib
import importlib.util

from alembic import context
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from streamfleet.db.base import Base

# Every module that defines tables, so autogenerate sees all of Base.metadata.
for _module in (
    "streamfleet.db.models",
    "streamfleet.db.alert_models",
    "streamfleet.db.account_models",
    "streamfleet.db.audit_models",
    "streamfleet.db.archive_models",
    "streamfleet.db.export_models",
    "streamfleet.db.cluster_models",
    "streamfleet.db.command_models",
    "streamfleet.db.media_models",
):
    if importlib.util.find_spec(_module) is not None:
        importlib.import_module(_module)

target_metadata = Base.metadata


def _configure_and_run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_with_own_engine(url: str) -> None:
    engine = create_async_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(_configure_and_run)
    finally:
        await engine.dispose()


def run_migrations_offline() -> None:
    context.configure(
        url=context.config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _configure_and_run(connection)
        return
    url = context.config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("set sqlalchemy.url or pass a connection in config.attributes")
    asyncio.run(_run_with_own_engine(url))


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
