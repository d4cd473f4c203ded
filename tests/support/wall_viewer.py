"""A dashboard that has tiles on screen: thumbnails are made only for those.

    async with showing_tiles(base_url, ["demo-1", "demo-2"], headers=server.headers):
        ...  # the server makes their thumbnails while the block runs

Opens ``/api/v1/ws`` (with ``headers`` on the handshake: the socket needs credentials), reads
the snapshot and sends ``{"type": "visible", "channels": [...]}`` as the wall does; closing
the socket shows nothing any more.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Iterable, Mapping
from typing import Final

from websockets.asyncio.client import connect

SNAPSHOT_TIMEOUT_S: Final = 30.0


@contextlib.asynccontextmanager
async def showing_tiles(
    base_url: str, slugs: Iterable[str], *, headers: Mapping[str, str]
) -> AsyncIterator[None]:
    ws_url = base_url.replace("http://", "ws://", 1) + "/api/v1/ws"
    async with connect(ws_url, additional_headers=dict(headers)) as socket:
        await asyncio.wait_for(socket.recv(), SNAPSHOT_TIMEOUT_S)  # the snapshot
        await socket.send(json.dumps({"type": "visible", "channels": sorted(slugs)}))
        yield
