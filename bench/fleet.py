"""A fleet the benchmark starts: ``streamfleet api`` and ``streamfleet worker`` processes on a
fresh PostgreSQL database and Redis, sharing one data directory (the media volume).

    async def use(url: str) -> ...:
        fleet = BenchFleet(command, work, url, redis_url)
        try:
            fleet.upgrade()
            api = await fleet.start_api()
            await fleet.start_worker("w1", capacity=30)
            ...
        finally:
            fleet.stop()
    await with_database(POSTGRES_DSN, use)

Every process goes through ``process_group.spawn`` (its own session, killed with the
benchmark); ``stop()`` stops them all. The API helpers here ask only what the API promises:
the channels with their status, the workers with their channels.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, Final, TypeVar
from urllib.parse import urlsplit

import httpx

from bench.contenders.streamfleet import serve_env
from bench.contenders.streamfleet_api import bearer, wait_ready
from bench.ports import LOOPBACK, free_tcp_port
from bench.process_group import Child, spawn, stop_all

POSTGRES_DSN: Final = "postgresql://postgres@127.0.0.1:5432/test"
REDIS_URL: Final = "redis://127.0.0.1:6379/15"
READY_TIMEOUT_S: Final = 60.0
UPGRADE_TIMEOUT_S: Final = 120.0
POLL_S: Final = 0.2
T = TypeVar("T")


def add_service_options(parser: argparse.ArgumentParser) -> None:
    """``--postgres`` (an admin DSN) and ``--redis`` (``STREAMFLEET_BENCH_REDIS``) for a fleet."""
    parser.add_argument("--postgres", default=POSTGRES_DSN, help="an admin DSN (asyncpg)")
    parser.add_argument("--redis", default=os.environ.get("STREAMFLEET_BENCH_REDIS", REDIS_URL))


async def with_database(admin_dsn: str, use: Callable[[str], Awaitable[T]]) -> T:
    """Create a uniquely named PostgreSQL database, call ``use`` with its asyncpg URL, drop it."""
    import asyncpg  # type: ignore[import-untyped]

    name = f"sf_bench_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(admin_dsn)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    parts = urlsplit(admin_dsn)
    try:
        return await use(f"postgresql+asyncpg://{parts.netloc}/{name}")
    finally:
        admin = await asyncpg.connect(admin_dsn)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


class BenchFleet:
    """The fleet's processes by name (``api``, worker ids), all sharing ``work / "fleet"``."""

    def __init__(self, command: str, work: Path, database_url: str, redis_url: str) -> None:
        self.command = command
        self.work = work
        self.data_dir = work / "fleet"
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.env = {
            **serve_env(self.data_dir),
            "STREAMFLEET_DATABASE_URL": database_url,
            "STREAMFLEET_REDIS_URL": redis_url,
            "STREAMFLEET_REDIS_PREFIX": f"bench-{uuid.uuid4().hex[:8]}",
        }
        self.children: dict[str, Child] = {}
        self._stopped: list[Child] = []
        self.api_url = ""

    def upgrade(self) -> None:
        upgrade = spawn([self.command, "db", "upgrade"], name="upgrade", env=self.env)
        if upgrade.popen.wait(UPGRADE_TIMEOUT_S) != 0:
            raise SystemExit("streamfleet db upgrade failed")

    async def start_api(self) -> Child:
        return await self._start("api", "api", {})

    async def start_worker(self, name: str, capacity: int) -> Child:
        env = {"STREAMFLEET_WORKER_NAME": name, "STREAMFLEET_ENGINE_CAPACITY": str(capacity)}
        return await self._start(name, "worker", env)

    async def _start(self, name: str, role: str, env: dict[str, str]) -> Child:
        port = free_tcp_port()
        child = spawn(
            [self.command, role, "--host", LOOPBACK, "--port", str(port)],
            name=name,
            log_path=self.work / f"{name}.log",
            stdout_to_log=True,
            env={**self.env, **env},
        )
        if name in self.children:
            self._stopped.append(self.children[name])
        self.children[name] = child
        await wait_ready(f"http://{LOOPBACK}:{port}", READY_TIMEOUT_S, child.alive)
        if role == "api":
            self.api_url = f"http://{LOOPBACK}:{port}"
        return child

    def stop(self) -> None:
        stop_all([*self.children.values(), *self._stopped])


class FleetApi:
    """What the benchmark asks an API node: channels with their status, workers with theirs."""

    def __init__(self, base_url: str, token: str | None) -> None:
        self._client = httpx.AsyncClient(base_url=base_url, headers=bearer(token), timeout=10)

    async def close(self) -> None:
        await self._client.aclose()

    async def channels(self) -> list[dict[str, Any]]:
        answer = await self._client.get("/api/v1/channels", params={"limit": 200})
        answer.raise_for_status()
        items: list[dict[str, Any]] = answer.json()["items"]
        return items

    async def workers(self) -> list[dict[str, Any]]:
        answer = await self._client.get("/api/v1/workers")
        answer.raise_for_status()
        items: list[dict[str, Any]] = answer.json()["items"]
        return items

    async def holders(self) -> dict[int, str]:
        """Channel id → the worker holding its lease, as ``GET /api/v1/workers`` lists them."""
        return {c["id"]: w["id"] for w in await self.workers() for c in w["channels"]}

    async def drain(self, worker: str) -> None:
        answer = await self._client.post(f"/api/v1/workers/{worker}/drain")
        answer.raise_for_status()

    async def all_online(self, count: int) -> list[dict[str, Any]] | None:
        """The channels once there are ``count`` of them and every one is online."""
        items = await self.channels()
        if len(items) == count and all(c["state"]["status"] == "online" for c in items):
            return items
        return None


async def wait_for(
    check: Callable[[], Awaitable[T | None]], timeout_s: float, what: str | Callable[[], str]
) -> T:
    """Call ``check`` every ``POLL_S`` until it returns something truthy; SystemExit naming
    ``what`` after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while True:
        result = await check()
        if result:
            return result
        if time.monotonic() > deadline:
            text = what() if callable(what) else what
            raise SystemExit(f"not within {timeout_s:g} s: {text}")
        await asyncio.sleep(POLL_S)
