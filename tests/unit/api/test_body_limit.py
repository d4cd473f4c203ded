"""The body size limit: 413 problem+json before the app reads more than allowed."""

from __future__ import annotations

import json
from typing import Any

import pytest
from starlette.types import Message, Receive, Scope, Send

from streamfleet.api.body_limit import BodySizeLimit
from streamfleet.api.errors import BodyTooLarge


class EchoLength:
    """A tiny ASGI app that reads the whole body and answers its length."""

    def __init__(self) -> None:
        self.called = False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.called = True
        size = 0
        more = True
        while more:
            message = await receive()
            size += len(message.get("body", b""))
            more = message.get("more_body", False)
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": str(size).encode()})


def http_scope(path: str, headers: list[tuple[bytes, bytes]]) -> Scope:
    return {"type": "http", "method": "POST", "path": path, "headers": headers}


async def call(app: Any, scope: Scope, chunks: list[bytes]) -> list[Message]:
    pending = [
        {"type": "http.request", "body": c, "more_body": i < len(chunks) - 1}
        for i, c in enumerate(chunks)
    ]
    sent: list[Message] = []

    async def receive() -> Message:
        return pending.pop(0)

    async def send(message: Message) -> None:
        sent.append(message)

    await app(scope, receive, send)
    return sent


async def test_a_declared_length_over_the_limit_is_refused_without_calling_the_app() -> None:
    inner = EchoLength()
    app = BodySizeLimit(inner, default_bytes=10)
    sent = await call(app, http_scope("/x", [(b"content-length", b"11")]), [b"x" * 11])
    assert not inner.called
    assert sent[0]["status"] == 413
    assert (b"content-type", b"application/problem+json") in sent[0]["headers"]
    body = json.loads(sent[1]["body"])
    assert body["status"] == 413
    assert body["detail"] == "request body is larger than 10 bytes"


async def test_a_body_at_the_limit_passes() -> None:
    app = BodySizeLimit(EchoLength(), default_bytes=10)
    sent = await call(app, http_scope("/x", [(b"content-length", b"10")]), [b"x" * 10])
    assert sent[0]["status"] == 200
    assert sent[1]["body"] == b"10"


async def test_a_chunked_body_is_cut_off_when_it_passes_the_limit() -> None:
    app = BodySizeLimit(EchoLength(), default_bytes=10)
    with pytest.raises(BodyTooLarge) as caught:
        await call(app, http_scope("/x", []), [b"x" * 6, b"x" * 6])
    assert caught.value.status_code == 413


async def test_listed_paths_get_their_own_limit() -> None:
    app = BodySizeLimit(EchoLength(), default_bytes=10, per_path={"/import": 100})
    sent = await call(app, http_scope("/import/", [(b"content-length", b"50")]), [b"x" * 50])
    assert sent[0]["status"] == 200
