"""The app served by a real uvicorn in this process, for WebSocket and SSE tests.

httpx has no WebSocket client and its ASGI transport cannot stream an endless
response, so these tests talk to a real server on a free port.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import uvicorn
from fastapi import FastAPI

from streamfleet.accounts.credentials import random_password
from streamfleet.accounts.service import AccountService
from streamfleet.api.app import create_app
from streamfleet.config import Settings
from streamfleet.domain.roles import Role
from streamfleet.engine.builder import EngineFactory
from streamfleet.events.bus import EventBus
from tests.support.server import admin_token, free_port
from tests.support.waiting import eventually

START_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 15.0


@dataclass
class LiveServer:
    app: FastAPI
    port: int
    token: str = ""
    """A bearer token of the first-start ``admin``."""

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    @property
    def ws_url_with_token(self) -> str:
        return f"{self.ws_url}?access_token={self.token}"

    async def token_for(self, role: Role | str) -> str:
        """A bearer token of a fresh user with ``role``."""
        accounts: AccountService = self.app.state.accounts
        role = Role(role)
        user = await accounts.create_user(
            f"{role.value}-{uuid.uuid4().hex[:8]}", random_password(), role
        )
        issued = await accounts.issue_token(user, name="test", role=role, expires_at=None)
        return issued.secret

    @property
    def http_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/api/v1/ws"

    @property
    def bus(self) -> EventBus:
        bus: EventBus = self.app.state.bus
        return bus


@contextlib.asynccontextmanager
async def serve_app(app: FastAPI, **uvicorn_options: Any) -> AsyncIterator[LiveServer]:
    """Run ``app`` (lifespan included) until the block ends."""
    port = free_port()
    options: dict[str, Any] = {"log_level": "warning", "lifespan": "on"}
    options.update(uvicorn_options)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, **options))
    task = asyncio.create_task(server.serve())
    await eventually(lambda: server.started or task.done(), START_TIMEOUT_S, "uvicorn started")
    if task.done():
        task.result()
        raise AssertionError("uvicorn stopped during start-up")
    accounts = getattr(app.state, "accounts", None)
    try:
        yield LiveServer(app, port, await admin_token(app) if accounts is not None else "")
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, STOP_TIMEOUT_S)


@contextlib.asynccontextmanager
async def serve_streamfleet(
    settings: Settings, *, engine_factory: EngineFactory | None = None, **uvicorn_options: Any
) -> AsyncIterator[LiveServer]:
    """``create_app(settings)`` (with ``engine_factory`` when given), served by uvicorn."""
    async with serve_app(
        create_app(settings, engine_factory=engine_factory), **uvicorn_options
    ) as server:
        yield server
