"""An open WebSocket or SSE stream ends as soon as the credential that opened it lapses."""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from streamfleet.api.live_access import (
    CLOSE_CREDENTIAL_ENDED,
    CLOSE_ROLE_CHANGED,
    RECHECK_INTERVAL_S,
)
from tests.support.live_server import LiveServer, serve_streamfleet
from tests.support.server import settings_for_test
from tests.support.waiting import wait_until

SNAPSHOT_TIMEOUT_S = 10.0
CLOSED_WITHIN_S = 2.0
"""A revocation made through this server's API ends its live connections this fast."""
PASSWORD = "correct horse battery staple"


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[LiveServer]:
    async with serve_streamfleet(settings_for_test(tmp_path / "data")) as running:
        yield running


@pytest.fixture
async def admin(server: LiveServer) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=server.http_url, headers=server.headers) as client:
        yield client


async def _user(admin: httpx.AsyncClient, role: str) -> tuple[int, str]:
    """A new user's id and name."""
    name = f"{role}-{uuid.uuid4().hex[:8]}"
    made = await admin.post(
        "/api/v1/users", json={"username": name, "password": PASSWORD, "role": role}
    )
    assert made.status_code == 201, made.text
    return int(made.json()["id"]), name


async def _token(server: LiveServer, name: str) -> str:
    async with httpx.AsyncClient(base_url=server.http_url) as client:
        answer = await client.post(
            "/api/v1/auth/token", json={"username": name, "password": PASSWORD}
        )
    assert answer.status_code == 200, answer.text
    return str(answer.json()["access_token"])


async def _snapshot(ws: ClientConnection) -> None:
    assert json.loads(await ws.recv(SNAPSHOT_TIMEOUT_S))["type"] == "snapshot"


async def _read_forever(ws: ClientConnection) -> None:
    while True:
        await ws.recv()


async def _close_code(ws: ClientConnection, within_s: float = CLOSED_WITHIN_S) -> tuple[int, str]:
    """The code and reason the server closes ``ws`` with, within ``within_s``."""
    async with asyncio.timeout(within_s):
        with pytest.raises(ConnectionClosed) as closed:
            await _read_forever(ws)
    received = closed.value.rcvd
    assert received is not None, "the server sent no close frame"
    return received.code, received.reason


async def _change_user(admin: httpx.AsyncClient, user_id: int, **change: object) -> None:
    answer = await admin.patch(f"/api/v1/users/{user_id}", json=change)
    assert answer.status_code == 200, answer.text


@pytest.mark.parametrize(
    ("change", "credential"),
    [({"disabled": True}, "header"), ({"role": "viewer"}, "query")],
    ids=["disabled", "demoted"],
)
async def test_disabling_or_demoting_a_user_closes_their_open_websocket(
    server: LiveServer, admin: httpx.AsyncClient, change: dict[str, object], credential: str
) -> None:
    user_id, name = await _user(admin, "operator")
    token = await _token(server, name)
    if credential == "header":
        opened = connect(server.ws_url, additional_headers={"Authorization": f"Bearer {token}"})
    else:
        opened = connect(f"{server.ws_url}?access_token={token}")
    async with opened as ws:
        await _snapshot(ws)
        await _change_user(admin, user_id, **change)
        code, reason = await _close_code(ws)
    assert code == CLOSE_CREDENTIAL_ENDED
    assert "not valid" in reason


async def test_revoking_the_token_of_an_open_websocket_closes_it(
    server: LiveServer, admin: httpx.AsyncClient
) -> None:
    made = await admin.post("/api/v1/tokens", json={"name": "wall", "role": "viewer"})
    assert made.status_code == 201, made.text
    token_id, secret = made.json()["id"], made.json()["token"]
    other = await server.token_for("viewer")
    async with (
        connect(f"{server.ws_url}?access_token={secret}") as revoked,
        connect(f"{server.ws_url}?access_token={other}") as kept,
    ):
        await _snapshot(revoked)
        await _snapshot(kept)
        assert (await admin.delete(f"/api/v1/tokens/{token_id}")).status_code == 204
        code, _reason = await _close_code(revoked)
        assert code == CLOSE_CREDENTIAL_ENDED
        await kept.ping()  # another credential's socket stays open
        assert kept.close_code is None


@contextlib.asynccontextmanager
async def _session_socket(
    server: LiveServer, name: str
) -> AsyncIterator[tuple[httpx.AsyncClient, str, ClientConnection]]:
    """``name`` logged in with cookies: the cookie client, its CSRF token and a live socket
    opened with the session cookie (past its snapshot)."""
    async with httpx.AsyncClient(base_url=server.http_url) as client:
        answer = await client.post(
            "/api/v1/auth/login", json={"username": name, "password": PASSWORD}
        )
        assert answer.status_code == 200, answer.text
        cookie = {"Cookie": f"sf_session={client.cookies['sf_session']}"}
        async with connect(server.ws_url, additional_headers=cookie) as ws:
            await _snapshot(ws)
            yield client, str(answer.json()["csrf_token"]), ws


async def test_logging_out_closes_the_session_s_open_websocket(
    server: LiveServer, admin: httpx.AsyncClient
) -> None:
    _user_id, name = await _user(admin, "viewer")
    async with _session_socket(server, name) as (client, csrf, ws):
        out = await client.post("/api/v1/auth/logout", headers={"X-CSRF-Token": csrf})
        assert out.status_code == 204
        code, reason = await _close_code(ws)
    assert code == CLOSE_CREDENTIAL_ENDED
    assert "session has ended" in reason


async def test_a_promoted_user_s_session_socket_is_closed_to_reconnect_with_the_new_role(
    server: LiveServer, admin: httpx.AsyncClient
) -> None:
    user_id, name = await _user(admin, "viewer")
    async with _session_socket(server, name) as (_client, _csrf, ws):
        await _change_user(admin, user_id, role="operator")
        code, reason = await _close_code(ws)
    assert code == CLOSE_ROLE_CHANGED
    assert "operator" in reason


async def test_disabling_a_user_ends_their_event_stream_with_a_closed_frame(
    server: LiveServer, admin: httpx.AsyncClient
) -> None:
    user_id, name = await _user(admin, "viewer")
    token = await _token(server, name)
    headers = {"Authorization": f"Bearer {token}"}
    async with (
        httpx.AsyncClient(base_url=server.http_url) as client,
        client.stream("GET", "/api/v1/events/stream", headers=headers) as stream,
    ):
        lines = stream.aiter_lines()
        assert await anext(lines) == "event: snapshot"
        await _change_user(admin, user_id, disabled=True)
        async with asyncio.timeout(CLOSED_WITHIN_S):
            rest = [line async for line in lines]  # the stream ends
    closed = rest.index("event: closed")
    frame = json.loads(rest[closed + 1].removeprefix("data: "))
    assert frame["type"] == "closed"
    assert frame["code"] == CLOSE_CREDENTIAL_ENDED


async def test_a_socket_whose_token_expires_is_closed_at_the_next_periodic_check(
    server: LiveServer, admin: httpx.AsyncClient
) -> None:
    expires = datetime.now(UTC) + timedelta(seconds=2)
    made = await admin.post(
        "/api/v1/tokens",
        json={"name": "short", "role": "viewer", "expires_at": expires.isoformat()},
    )
    assert made.status_code == 201, made.text
    async with connect(f"{server.ws_url}?access_token={made.json()['token']}") as ws:
        await _snapshot(ws)
        code, _reason = await _close_code(ws, 2 + RECHECK_INTERVAL_S + CLOSED_WITHIN_S)
    assert code == CLOSE_CREDENTIAL_ENDED


async def test_open_sockets_sharing_a_credential_check_it_with_one_query_per_beat(
    server: LiveServer,
) -> None:
    """Every guard checks on the same beat, so ten sockets of one token ask the database once."""
    sockets = 10
    token = await server.token_for("viewer")
    lookups = server.app.state.accounts.lookups
    async with contextlib.AsyncExitStack() as stack:
        for _ in range(sockets):
            ws = await stack.enter_async_context(connect(f"{server.ws_url}?access_token={token}"))
            await _snapshot(ws)
        computed, joined = lookups.computed, lookups.joined
        await wait_until(
            lambda: lookups.joined - joined >= sockets - 1,
            RECHECK_INTERVAL_S + SNAPSHOT_TIMEOUT_S,
            "the sockets' periodic checks",
        )
        # One beat: the ten checks shared one query (a second may have begun on a new beat).
        assert lookups.computed - computed <= 2
