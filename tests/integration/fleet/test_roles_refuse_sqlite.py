"""``streamfleet api`` and ``worker`` refuse SQLite, and a missing Redis, in one line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.server import child_env

EXIT_TIMEOUT_S = 30.0


def run_role(role: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "streamfleet", role],
        env=child_env(**env),
        capture_output=True,
        text=True,
        timeout=EXIT_TIMEOUT_S,
        check=False,
    )


@pytest.mark.parametrize("role", ["api", "worker"])
def test_a_fleet_role_on_sqlite_exits_with_one_line(role: str, tmp_path: Path) -> None:
    """A fleet needs row locks SQLite lacks: the role says so in one line and exits non-zero."""
    done = run_role(
        role,
        STREAMFLEET_DATA_DIR=str(tmp_path),
        STREAMFLEET_DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'fleet.db'}",
        STREAMFLEET_REDIS_URL="redis://127.0.0.1:6379/15",
    )
    assert done.returncode != 0
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert "SQLite" in lines[0]
    assert "PostgreSQL or MySQL/MariaDB" in lines[0]


@pytest.mark.parametrize("role", ["api", "worker"])
def test_a_fleet_role_without_redis_exits_with_one_line(role: str, tmp_path: Path) -> None:
    """Events between API nodes and workers travel over Redis: without its URL, one line."""
    done = run_role(
        role,
        STREAMFLEET_DATA_DIR=str(tmp_path),
        STREAMFLEET_DATABASE_URL="postgresql+asyncpg://postgres@127.0.0.1/test",
    )
    assert done.returncode != 0
    lines = done.stderr.strip().splitlines()
    assert lines == [
        "error: the fleet needs Redis for its events: set STREAMFLEET_REDIS_URL "
        "(redis://host:port/db)"
    ]
