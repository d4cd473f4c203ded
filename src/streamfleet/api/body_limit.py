"""ASGI middleware that refuses request bodies over a size limit with 413 problem+json.

A declared ``Content-Length`` over the limit is refused before the body is
read; a chunked body is counted as it arrives and cut off at the limit.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Final

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from streamfleet.api.errors import PROBLEM_MEDIA_TYPE, BodyTooLarge

MIB: Final = 1024 * 1024
DEFAULT_LIMIT_BYTES: Final = 1 * MIB
IMPORT_LIMIT_BYTES: Final = 10 * MIB


class BodySizeLimit:
    """Limit request bodies to ``default_bytes``, or to ``per_path[path]`` for listed paths."""

    def __init__(
        self,
        app: ASGIApp,
        default_bytes: int = DEFAULT_LIMIT_BYTES,
        per_path: Mapping[str, int] | None = None,
    ) -> None:
        if default_bytes <= 0:
            raise ValueError("default_bytes must be positive")
        self.app = app
        self.default_bytes = default_bytes
        self.per_path = dict(per_path or {})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.per_path.get(scope["path"].rstrip("/"), self.default_bytes)
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await _send_413(scope, send, limit)
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        await self.app(scope, limited_receive, send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _send_413(scope: Scope, send: Send, limit: int) -> None:
    body = json.dumps(
        {
            "type": "about:blank",
            "title": "Content Too Large",
            "status": 413,
            "detail": BodyTooLarge(limit).detail,
            "instance": scope["path"],
        }
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", PROBLEM_MEDIA_TYPE.encode()),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
