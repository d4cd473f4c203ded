"""``streamfleet worker drain ID | --self``: asks for the drain in the database and waits until
the worker holds no channel; names the worker wrongly or on SQLite, one line and a non-zero
exit."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

from streamfleet.cluster.workers import WorkerRegistry, WorkerSpec
from streamfleet.db import migrate
from streamfleet.db.session import Database
from tests.support.server import child_env

EXIT_TIMEOUT_S = 30.0


def drain(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "streamfleet", "worker", "drain", *args],
        env=child_env(**env),
        capture_output=True,
        text=True,
        timeout=EXIT_TIMEOUT_S,
        check=False,
    )


def test_naming_no_worker_or_two_is_one_line_and_exit_2(tmp_path: Path) -> None:
    env = {"STREAMFLEET_DATA_DIR": str(tmp_path)}
    for args in ((), ("w1", "--self")):
        done = drain(*args, **env)
        assert done.returncode == 2
        assert done.stderr.strip() == "error: name the worker to drain, or give --self (not both)"


def test_a_drain_on_sqlite_is_refused_in_one_line(tmp_path: Path) -> None:
    done = drain(
        "w1",
        STREAMFLEET_DATA_DIR=str(tmp_path),
        STREAMFLEET_DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'one.db'}",
    )
    assert done.returncode == 2
    assert "SQLite" in done.stderr.strip()


async def test_drain_self_marks_the_worker_and_returns_once_it_holds_nothing(
    postgres_url: str, tmp_path: Path
) -> None:
    """``--self`` is ``STREAMFLEET_WORKER_NAME``; an unknown worker is exit 1, one line."""
    database = Database(postgres_url)
    try:
        await migrate.upgrade(database)
        registry = WorkerRegistry(database)
        await registry.register(WorkerSpec("w9", "h", 4, "1"))
        env = {"STREAMFLEET_DATA_DIR": str(tmp_path), "STREAMFLEET_DATABASE_URL": postgres_url}
        unknown = await asyncio.to_thread(drain, "--self", STREAMFLEET_WORKER_NAME="ghost", **env)
        assert (unknown.returncode, unknown.stderr.strip()) == (
            1,
            "error: no worker 'ghost' is registered",
        )
        done = await asyncio.to_thread(drain, "--self", STREAMFLEET_WORKER_NAME="w9", **env)
        assert done.returncode == 0, done.stderr
        assert done.stdout.splitlines() == ["w9: draining", "w9: drained"]
        assert [w.draining for w in await registry.all()] == [True]
    finally:
        await database.dispose()
