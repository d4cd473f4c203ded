"""A second, empty database of the same engine as ``database_url``: where a backup is restored."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from tests.support.services import mariadb_database, postgres_database, sqlite_database


@pytest.fixture
async def empty_url(database_url: str, tmp_path: Path) -> AsyncIterator[str]:
    backend = make_url(database_url).get_backend_name()
    if backend == "postgresql":
        source = postgres_database()
    elif backend == "mysql":
        source = mariadb_database()
    else:
        source = sqlite_database(tmp_path / "restored")
    async for url in source:
        yield url
