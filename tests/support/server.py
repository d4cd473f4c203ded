"""Fixtures that run streamfleet: a real ``streamfleet serve`` process, or the app in-process.

``server_factory`` starts ``python -m streamfleet serve --no-demo`` on a free port
with its own data directory (own process group, killed with its group at
teardown, parent-death signal set) and waits until ``/readyz`` answers.
``streamfleet_server`` is one such server on SQLite. Its API needs credentials:
``ServerProcess.headers`` (or ``.client()``, ``.async_client()``) carries the
first-start admin's bearer token; ``/healthz``, ``/readyz``, ``/hls`` and
``/thumbs`` answer without.

``api`` is an ``httpx.AsyncClient`` over the ASGI app (lifespan run, SQLite in
``tmp_path``) for fast API tests; ``api_on_server_db`` is the same on PostgreSQL
and then MariaDB. ``api_client_for(settings)`` builds one for any settings.
These clients act as the first-start ``admin`` (a bearer token); ``as_role()``
gives a client of a fresh user with another role, ``anonymous()`` one with none.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from streamfleet.accounts.credentials import random_password
from streamfleet.accounts.first_admin import FIRST_ADMIN
from streamfleet.accounts.service import AccountService
from streamfleet.api.app import create_app
from streamfleet.config import Settings
from streamfleet.domain.roles import Role
from streamfleet.engine.builder import EngineFactory, build_engine

SERVER_READY_TIMEOUT_S = 60.0
SERVER_STOP_TIMEOUT_S = 10.0
POLL_INTERVAL_S = 0.1
PR_SET_PDEATHSIG = 1
SERVE_COMMAND = (sys.executable, "-m", "streamfleet", "serve")
INITIAL_ADMIN_FILE = "initial-admin.txt"
"""Written by the first start into the data directory; its last word is the admin password."""
ADMIN_USERNAME = "admin"
TOKEN_TIMEOUT_S = 30.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def child_env(**overrides: str) -> dict[str, str]:
    """The environment for a child streamfleet: ours minus any STREAMFLEET_* plus ``overrides``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("STREAMFLEET_")}
    env.update(overrides)
    return env


SETPRIV = shutil.which("setpriv")
"""util-linux ``setpriv --pdeathsig KILL`` sets the parent-death signal without a preexec_fn."""
_PRCTL = ctypes.CDLL("libc.so.6", use_errno=True).prctl


def _die_with_parent() -> None:
    """Fallback when setpriv is missing (resolved before the fork: no dlopen in the child)."""
    _PRCTL(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def with_parent_death_signal(command: list[str]) -> tuple[list[str], Callable[[], None] | None]:
    """``command`` made to die with this process: through ``setpriv``, else by the
    ``preexec_fn`` returned with it (a ``prctl`` call)."""
    if SETPRIV is not None:
        return [SETPRIV, "--pdeathsig", "KILL", "--", *command], None
    return command, _die_with_parent


@dataclass
class ServerProcess:
    """A running ``streamfleet serve``; ``stop()`` ends its whole process group."""

    process: subprocess.Popen[bytes]
    port: int
    data_dir: Path
    stdout_path: Path
    stderr_path: Path
    stopped: bool = field(default=False)
    _token: str | None = field(default=None, repr=False)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/api/v1/ws"

    @property
    def admin_password(self) -> str:
        """The first-start admin's password: the last word of ``data_dir/initial-admin.txt``
        (waits until the server has written it)."""
        path = self.data_dir / INITIAL_ADMIN_FILE
        deadline = time.monotonic() + SERVER_READY_TIMEOUT_S
        while True:
            with contextlib.suppress(FileNotFoundError):
                words = path.read_text().split()
                if words:
                    return words[-1]
            if self.process.poll() is not None:
                raise AssertionError(
                    f"streamfleet serve exited with {self.process.returncode} before writing "
                    f"{path}:\n{self.stderr()}"
                )
            if time.monotonic() >= deadline:
                raise AssertionError(f"no {path} after {SERVER_READY_TIMEOUT_S:g}s")
            time.sleep(POLL_INTERVAL_S)

    @property
    def token(self) -> str:
        """An admin bearer token from ``POST /api/v1/auth/token``, fetched once."""
        if self._token is None:
            response = httpx.post(
                f"{self.base_url}/api/v1/auth/token",
                json={"username": ADMIN_USERNAME, "password": self.admin_password},
                timeout=TOKEN_TIMEOUT_S,
            )
            assert response.status_code == 200, f"token: {response.status_code} {response.text}"
            self._token = str(response.json()["access_token"])
        return self._token

    @property
    def headers(self) -> dict[str, str]:
        """The admin's ``Authorization`` header, for any client of this server."""
        return {"Authorization": f"Bearer {self.token}"}

    def client(self, **kwargs: Any) -> httpx.Client:
        """An ``httpx.Client`` on this server, authenticated as the admin."""
        return httpx.Client(base_url=self.base_url, headers=self.headers, **kwargs)

    def async_client(self, **kwargs: Any) -> httpx.AsyncClient:
        """An ``httpx.AsyncClient`` on this server, authenticated as the admin."""
        return httpx.AsyncClient(base_url=self.base_url, headers=self.headers, **kwargs)

    def stdout(self) -> str:
        return self.stdout_path.read_text(errors="replace")

    def stderr(self) -> str:
        return self.stderr_path.read_text(errors="replace")

    def wait_ready(self, timeout_s: float = SERVER_READY_TIMEOUT_S) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(
                    f"streamfleet serve exited with {self.process.returncode}:\n{self.stderr()}"
                )
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.base_url}/readyz", timeout=1.0).status_code == 200:
                    return
            time.sleep(POLL_INTERVAL_S)
        raise AssertionError(f"streamfleet serve not ready after {timeout_s}s:\n{self.stderr()}")

    def terminate(self, timeout_s: float = SERVER_STOP_TIMEOUT_S) -> int | None:
        """SIGTERM the server and wait; returns its exit code (``None`` if it did not end)."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            return self.process.wait(timeout_s)
        except subprocess.TimeoutExpired:
            return None

    def stop(self) -> None:
        if self.stopped:
            return
        self.stopped = True
        if self.process.poll() is None:
            self.terminate()
        # Whatever is left in the group (FFmpeg children included) goes now.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(SERVER_STOP_TIMEOUT_S)


def start_server(
    data_dir: Path,
    *,
    extra_args: tuple[str, ...] = (),
    env: dict[str, str] | None = None,
    demo: bool = False,
    role: str = "serve",
) -> ServerProcess:
    """Start ``streamfleet serve`` (or ``role``: ``api``, ``worker``, which share ``data_dir``
    on a fleet) without waiting for it (see ``ServerProcess.wait_ready``)."""
    port = free_port()
    data_dir.mkdir(parents=True, exist_ok=True)
    logs = "serve" if role == "serve" else f"{role}-{port}"
    stdout_path, stderr_path = data_dir / f"{logs}.stdout", data_dir / f"{logs}.stderr"
    environment = child_env(
        STREAMFLEET_DATA_DIR=str(data_dir), STREAMFLEET_HOST="127.0.0.1", **(env or {})
    )
    no_demo = ("--no-demo",) if role == "serve" and not demo else ()
    command, preexec = with_parent_death_signal(
        [*SERVE_COMMAND[:-1], role, "--port", str(port), *no_demo, *extra_args]
    )
    with stdout_path.open("wb") as out, stderr_path.open("wb") as err:
        process = subprocess.Popen(
            command,
            stdout=out,
            stderr=err,
            stdin=subprocess.DEVNULL,
            env=environment,
            start_new_session=True,
            preexec_fn=preexec,
        )
    return ServerProcess(process, port, data_dir, stdout_path, stderr_path)


@pytest.fixture
def server_factory(tmp_path: Path) -> Iterator[Callable[..., ServerProcess]]:
    """Start ready servers: ``server_factory(env={...})``; all are stopped at teardown."""
    servers: list[ServerProcess] = []

    def factory(
        *, env: dict[str, str] | None = None, extra_args: tuple[str, ...] = (), demo: bool = False
    ) -> ServerProcess:
        server = start_server(
            tmp_path / f"server{len(servers)}", extra_args=extra_args, env=env, demo=demo
        )
        servers.append(server)
        server.wait_ready()
        return server

    try:
        yield factory
    finally:
        for server in servers:
            server.stop()


@pytest.fixture
def streamfleet_server(server_factory: Callable[..., ServerProcess]) -> ServerProcess:
    """A ready ``streamfleet serve`` on SQLite in a temporary data directory."""
    return server_factory()


# In-process ------------------------------------------------------------------------------


class ApiClient(httpx.AsyncClient):
    """An httpx client bound to an in-process app; ``.app`` gives the app (``.app.state.bus``)."""

    def __init__(self, app: FastAPI, **kwargs: Any) -> None:
        super().__init__(transport=httpx.ASGITransport(app=app), **kwargs)
        self.app = app
        self._others: list[ApiClient] = []

    async def as_role(self, role: Role | str, username: str | None = None) -> ApiClient:
        """A client on the same app acting as a fresh user with ``role`` (a bearer token)."""
        role = Role(role)
        accounts: AccountService = self.app.state.accounts
        name = username or f"{role.value}-{uuid.uuid4().hex[:8]}"
        user = await accounts.create_user(name, random_password(), role)
        issued = await accounts.issue_token(user, name="test", role=role, expires_at=None)
        other = ApiClient(
            self.app,
            base_url=str(self.base_url),
            headers={"Authorization": f"Bearer {issued.secret}"},
        )
        other.user_id = user.id
        other.token = issued.secret
        self._others.append(other)
        return other

    def anonymous(self) -> ApiClient:
        """A client on the same app without credentials."""
        other = ApiClient(self.app, base_url=str(self.base_url))
        self._others.append(other)
        return other

    user_id: int | None = None
    token: str | None = None

    async def aclose(self) -> None:
        for other in self._others:
            await other.aclose()
        await super().aclose()


async def admin_token(app: FastAPI) -> str:
    """A bearer token of the first-start ``admin`` of a running app (made without a login)."""
    accounts: AccountService = app.state.accounts
    found = await accounts.users.credentials(FIRST_ADMIN)
    assert found is not None, "the app has no first-start admin"
    issued = await accounts.issue_token(found[0], name="test", role=Role.ADMIN, expires_at=None)
    return issued.secret


def settings_for_test(data_dir: Path, database_url: str = "", **overrides: Any) -> Settings:
    return Settings(data_dir=data_dir, database_url=database_url, demo=False, **overrides)


@contextlib.asynccontextmanager
async def api_client_for(
    settings: Settings, *, engine_factory: EngineFactory | None = None
) -> AsyncIterator[ApiClient]:
    """The app for ``settings`` with its lifespan running, and an admin's client talking to it."""
    app = create_app(settings, engine_factory=engine_factory)
    async with app.router.lifespan_context(app):
        token = await admin_token(app)
        async with ApiClient(
            app, base_url="http://streamfleet.test", headers={"Authorization": f"Bearer {token}"}
        ) as client:
            client.token = token
            yield client


@pytest.fixture
async def api(tmp_path: Path) -> AsyncIterator[ApiClient]:
    """The API in-process on a fresh SQLite database."""
    async with api_client_for(settings_for_test(tmp_path / "data")) as client:
        yield client


@pytest.fixture
async def engine_api(tmp_path: Path) -> AsyncIterator[ApiClient]:
    """The API in-process on a fresh SQLite database, with the engine ``serve`` builds."""
    settings = settings_for_test(tmp_path / "data")
    async with api_client_for(settings, engine_factory=build_engine) as client:
        yield client


PLAYBACK_SECRET = "Signing-secret-for-tests_0123456789"


@pytest.fixture
async def signed_api(tmp_path: Path) -> AsyncIterator[ApiClient]:
    """The API in-process with playback signing on (secret ``PLAYBACK_SECRET``, 600 s TTL)."""
    settings = settings_for_test(
        tmp_path / "data",
        playback_signing=True,
        playback_secret=PLAYBACK_SECRET,
        playback_token_ttl_s=600,
    )
    async with api_client_for(settings) as client:
        yield client


@pytest.fixture
async def api_on_server_db(server_database_url: str, tmp_path: Path) -> AsyncIterator[ApiClient]:
    """The API in-process on a fresh PostgreSQL, then MariaDB, database."""
    async with api_client_for(settings_for_test(tmp_path / "data", server_database_url)) as client:
        yield client
