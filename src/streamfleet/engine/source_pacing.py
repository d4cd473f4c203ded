"""What an attempt learns of its source before it starts: how the source delivers its media.

For an HTTP(S) source the engine reads the start of the channel's own URL once
per attempt (the URL the operator configured, no redirect followed, no proxy
from the environment, at most ``HEAD_MAX_BYTES`` within ``HEAD_TIMEOUT_S``): a
playlist gives its target duration; anything else is a stream that may come in
bursts. Other schemes are not read. The rule itself is ``media/stall_deadline.py``.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Final

import httpx
import structlog

from streamfleet.domain.url_policy import redact
from streamfleet.media.stall_deadline import (
    Delivery,
    StallDeadline,
    delivery_of,
    is_playlist,
    is_stream_type,
    target_duration_of,
)

log = structlog.get_logger()

HEAD_TIMEOUT_S: Final = 2.0
"""The whole read of the source's start (connect, headers, body) ends within this."""
HEAD_MAX_BYTES: Final = 262_144
"""A playlist larger than this is cut (its target duration is near the top anyway)."""
PLAYLIST_SNIFF_BYTES: Final = 7
"""``#EXTM3U``: bytes enough to tell a playlist from a stream."""


@dataclass(frozen=True, slots=True)
class SourceHead:
    text: str
    content_type: str | None


async def read_source_head(
    url: str, timeout_s: float = HEAD_TIMEOUT_S, max_bytes: int = HEAD_MAX_BYTES
) -> SourceHead | None:
    """The start of the response to ``GET url`` (all of it for a playlist), or ``None`` when
    the source did not answer 200 in time."""
    try:
        async with asyncio.timeout(timeout_s):
            return await _read(url, timeout_s, max_bytes)
    except (httpx.HTTPError, httpx.InvalidURL, TimeoutError, OSError, ValueError) as exc:
        log.info("engine.source_head_unread", url=redact(url), error=type(exc).__name__)
        return None


async def _read(url: str, timeout_s: float, max_bytes: int) -> SourceHead | None:
    async with (
        httpx.AsyncClient(timeout=timeout_s, follow_redirects=False, trust_env=False) as client,
        client.stream("GET", url) as response,
    ):
        if response.status_code != httpx.codes.OK:
            log.info("engine.source_head_unread", url=redact(url), http=response.status_code)
            return None
        content_type = response.headers.get("content-type")
        if is_stream_type(content_type):
            return SourceHead("", content_type)  # no need to wait for a stream's first bytes
        body = bytearray()
        async for chunk in response.aiter_bytes():
            body += chunk
            if len(body) >= max_bytes:
                break
            if len(body) >= PLAYLIST_SNIFF_BYTES and not is_playlist(
                body.decode("utf-8", "replace"), content_type
            ):
                break  # a stream, not a playlist: its first bytes are all we need
        return SourceHead(bytes(body[:max_bytes]).decode("utf-8", "replace"), content_type)


async def stall_deadline_for(url: str, stale_timeout_s: float) -> StallDeadline:
    """The stall rule of one attempt on ``url`` (reads the source's start for HTTP(S))."""
    delivery = delivery_of(url)
    if delivery is Delivery.CONTINUOUS:
        return StallDeadline(delivery, stale_timeout_s)
    head = await read_source_head(url)
    if head is not None and is_playlist(head.text, head.content_type):
        return StallDeadline(Delivery.PLAYLIST, stale_timeout_s, target_duration_of(head.text))
    return StallDeadline(delivery, stale_timeout_s)
