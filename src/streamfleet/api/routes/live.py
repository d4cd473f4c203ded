"""``/api/v1/ws`` (WebSocket) and ``/api/v1/events/stream`` (SSE): the live event feed.

Both send a ``snapshot`` envelope first (every channel as the API shows it,
secrets hidden), then the bus envelopes as they come, ``metrics`` at most once
per channel per second. A WebSocket frame is one envelope, except the metrics
flush: one frame holding a JSON array of the client's metrics envelopes. SSE
sends every envelope, metrics included, as its own frame. ``?channels=a,b``
limits delivery to those channels; on the WebSocket, ``{"type": "subscribe",
"channels": [...]}`` changes that later, and ``{"type": "visible", "channels": [...]}``
tells the engine which channels' tiles the client has on screen (only those get
thumbnails; ``EngineControl.set_visible_tiles``). A client that does not read is
dropped (WebSocket close code 1013); the server's WebSocket pings (uvicorn's
``ws_ping_interval``) close dead connections. A connection whose credential lapses
(logout, revocation, expiry, a disabled or demoted user) ends within a few seconds,
at once for changes made by this process (``api/live_access.py``): close code 4401
(log in again) or 4403 (the role changed: reconnect); SSE sends a last ``closed`` frame.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Annotated, Any, Final

import structlog
from fastapi import APIRouter, FastAPI, Query, Request, WebSocket, WebSocketDisconnect
from fastapi.responses import StreamingResponse

from streamfleet.api.channel_view import PublishPoint, channel_view, observe
from streamfleet.api.live_access import CredentialGuard, Ending, LiveAccess
from streamfleet.api.live_feed import (
    ChannelFilter,
    parse_channels_query,
    parse_client_message,
    wants,
)
from streamfleet.api.live_hub import LiveClient, LiveHub
from streamfleet.api.playback import UNSIGNED, Playback
from streamfleet.domain.errors import InvalidInput, StreamfleetError
from streamfleet.engine.control import EngineControl
from streamfleet.events.envelope import Envelope, EventType

log = structlog.get_logger()

router = APIRouter(prefix="/api/v1", tags=["live"])

SEND_TIMEOUT_S: Final = 5.0
"""A WebSocket send that takes longer than this drops the client."""
CLOSE_TIMEOUT_S: Final = 1.0
SSE_KEEPALIVE_S: Final = 15.0
"""An SSE comment line is sent after this long without an event (proxies close idle streams)."""
SNAPSHOT_PAGE_SIZE: Final = 500
CLOSE_TRY_AGAIN_LATER: Final = 1013
CLOSE_POLICY_VIOLATION: Final = 1008
CLOSE_INTERNAL_ERROR: Final = 1011

SnapshotSource = Callable[[], Awaitable[list[dict[str, Any]]]]
"""``app.state.live_snapshot``: every channel as an API object (overrides the repository)."""


def live_hub(app: FastAPI) -> LiveHub:
    """The app's hub, made on first use (``app.state.live_hub``)."""
    hub: LiveHub | None = getattr(app.state, "live_hub", None)
    if hub is None:
        playback: Playback = getattr(app.state, "playback", UNSIGNED)
        thumbnail_url = playback.thumbnail_url if playback.signing else None
        hub = LiveHub(app.state.bus, thumbnail_url=thumbnail_url)
        app.state.live_hub = hub
    return hub


def live_access(app: Any) -> LiveAccess:
    access: LiveAccess | None = getattr(app.state, "live_access", None)
    if access is None:
        access = app.state.live_access = LiveAccess()
    return access


async def _end_when_lapsed(guard: CredentialGuard, hub: LiveHub, client: LiveClient) -> None:
    """Cut ``client`` off once its credential lapses (its sender then stops)."""
    ending = await guard.ended()
    client.cut_off(ending.reason)
    hub.disconnect(client)


def _engine(app: Any) -> EngineControl | None:
    engine: EngineControl | None = getattr(app.state, "engine", None)
    return engine


async def snapshot_envelope(app: Any, channels: ChannelFilter) -> Envelope:
    """The ``snapshot`` envelope: every channel the client wants."""
    source: SnapshotSource | None = getattr(app.state, "live_snapshot", None)
    items = await source() if source is not None else await _channels_from_repository(app)
    return Envelope(
        EventType.SNAPSHOT,
        None,
        {"channels": [item for item in items if wants(channels, item.get("slug"))]},
    )


async def _channels_from_repository(app: Any) -> list[dict[str, Any]]:
    repository = getattr(app.state, "channels", None)
    if repository is None:
        return []
    engine = _engine(app)
    point = PublishPoint.of(app.state.settings)
    playback: Playback = getattr(app.state, "playback", UNSIGNED)
    out: list[dict[str, Any]] = []
    offset = 0
    while True:
        page = await repository.list_page(limit=SNAPSHOT_PAGE_SIZE, offset=offset)
        observed = await observe(engine, page.items)
        for record in page.items:
            view = channel_view(record, observed=observed, point=point, playback=playback)
            out.append(view.model_dump(mode="json"))
        offset += len(page.items)
        if not page.items or offset >= page.total:
            return out


# WebSocket ---------------------------------------------------------------------------


@router.websocket("/ws")
async def live_socket(websocket: WebSocket, channels: str | None = None) -> None:
    """Snapshot, then every envelope (the metrics flush as one array frame); see docs/events.md."""
    try:
        wanted = parse_channels_query(channels)
    except InvalidInput as exc:
        await websocket.close(code=CLOSE_POLICY_VIOLATION, reason=exc.detail[:120])
        return
    app = websocket.app
    hub = live_hub(app)
    await websocket.accept()
    # Before the snapshot: nothing published after it is lost. Metrics come as one array a tick.
    client = hub.connect(wanted, batches=True)
    wall = _Wall(_engine(app), uuid.uuid4().hex)
    guard = live_access(app).guard(websocket, query_token=True)
    watcher = asyncio.create_task(_end_when_lapsed(guard, hub, client))
    try:
        close = await _serve(websocket, hub, client, wanted, wall)
    finally:
        watcher.cancel()
        hub.disconnect(client)
        await wall.closed()
    if guard.ending is not None:
        close = guard.ending.code, guard.ending.reason
    if close is not None:
        with contextlib.suppress(TimeoutError, WebSocketDisconnect, RuntimeError, OSError):
            await asyncio.wait_for(websocket.close(code=close[0], reason=close[1]), CLOSE_TIMEOUT_S)


class _Wall:
    """Tells the engine which tiles this client's live wall has on screen."""

    def __init__(self, engine: EngineControl | None, client_id: str) -> None:
        self._engine = engine
        self._client_id = client_id

    async def shows(self, channels: frozenset[str]) -> None:
        if self._engine is not None:
            await self._engine.set_visible_tiles(self._client_id, channels)

    async def closed(self) -> None:
        if self._engine is not None:
            await self._engine.viewer_left(self._client_id)


async def _serve(
    websocket: WebSocket, hub: LiveHub, client: LiveClient, wanted: ChannelFilter, wall: _Wall
) -> tuple[int, str] | None:
    """Run the connection; the close code and reason to send, or ``None`` if the peer left."""
    try:
        snapshot = await snapshot_envelope(websocket.app, wanted)
    except StreamfleetError as exc:  # the database is down, say: tell the client
        log.warning("live.snapshot_failed", error=str(exc))
        return CLOSE_INTERNAL_ERROR, "snapshot unavailable"
    if not await _send(websocket, hub, client, snapshot.to_json()):
        return _close_for(client)
    sender = asyncio.create_task(_send_queued(websocket, hub, client))
    receiver = asyncio.create_task(_receive(websocket, client, wall))
    done, pending = await asyncio.wait({sender, receiver}, return_when=asyncio.FIRST_COMPLETED)
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    if receiver in done and receiver.exception() is None and receiver.result() is not None:
        return CLOSE_POLICY_VIOLATION, receiver.result() or ""
    return _close_for(client)


def _close_for(client: LiveClient) -> tuple[int, str] | None:
    if client.dropped is None or client.dropped == "disconnected":
        return None
    return CLOSE_TRY_AGAIN_LATER, client.dropped


async def _send(websocket: WebSocket, hub: LiveHub, client: LiveClient, text: str) -> bool:
    """Send one message; ``False`` when the client is gone or too slow (then it is dropped)."""
    try:
        async with asyncio.timeout(SEND_TIMEOUT_S):  # a deadline, not a task per message
            await websocket.send_text(text)
    except TimeoutError:
        hub.drop(client, "send timed out")
        return False
    except (WebSocketDisconnect, RuntimeError, OSError):
        return False
    return True


async def _send_queued(websocket: WebSocket, hub: LiveHub, client: LiveClient) -> None:
    while (message := await client.next_message()) is not None:
        if not await _send(websocket, hub, client, message[1]):
            return


async def _receive(websocket: WebSocket, client: LiveClient, wall: _Wall) -> str | None:
    """Read client messages until the peer leaves (``None``) or breaks the protocol (reason)."""
    while True:
        message = await websocket.receive()
        if message["type"] == "websocket.disconnect":
            return None
        text = message.get("text")
        if text is None:
            continue
        try:
            kind, payload = parse_client_message(text)
        except InvalidInput as exc:
            return exc.detail[:120]
        if kind == "subscribe":
            client.channels = payload
        elif kind == "visible":
            await wall.shows(payload)


# Server-Sent Events ------------------------------------------------------------------


@router.get(
    "/events/stream",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}, "description": "event stream"}},
)
async def events_stream(
    request: Request,
    channels: Annotated[
        str | None, Query(description="comma-separated slugs; absent means every channel")
    ] = None,
) -> StreamingResponse:
    """The same envelopes as the WebSocket, as ``event: <type>`` / ``data: <json>`` frames."""
    wanted = parse_channels_query(channels)
    hub = live_hub(request.app)
    client = hub.connect(wanted)
    try:
        snapshot = await snapshot_envelope(request.app, wanted)
    except BaseException:
        hub.disconnect(client)
        raise
    guard = live_access(request.app).guard(request, query_token=False)
    return StreamingResponse(
        _sse_frames(hub, client, snapshot, guard),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


def sse_frame(kind: str, data: str) -> str:
    return f"event: {kind}\ndata: {data}\n\n"


async def _sse_frames(
    hub: LiveHub, client: LiveClient, snapshot: Envelope, guard: CredentialGuard
) -> AsyncIterator[str]:
    watcher = asyncio.create_task(_end_when_lapsed(guard, hub, client))
    try:
        yield sse_frame(EventType.SNAPSHOT.value, snapshot.to_json())
        while True:
            try:
                message = await asyncio.wait_for(client.next_message(), SSE_KEEPALIVE_S)
            except TimeoutError:
                yield ": keep-alive\n\n"
                continue
            if message is None:
                if guard.ending is not None:
                    yield _closed_frame(guard.ending)
                return
            yield sse_frame(*message)
    finally:
        watcher.cancel()
        hub.disconnect(client)


def _closed_frame(ending: Ending) -> str:
    """The last SSE frame when the credential lapsed: ``{"type": "closed", "code", "reason"}``."""
    return sse_frame("closed", json.dumps(ending.as_json()))
