"""ASGI middleware: the browser security headers on every answer, CORS only on media.

Every HTTP answer gets ``X-Content-Type-Options: nosniff``, ``Referrer-Policy:
no-referrer`` and ``X-Frame-Options: DENY``. An HTML answer outside ``/api/`` (the
dashboard: its ``index.html`` and the not-built page) also gets ``CONTENT_SECURITY_POLICY``;
``/api/docs`` loads Swagger UI from a CDN and is left without one.

CORS is for players on other origins, so it is only on ``/hls`` and ``/thumbs``: every
answer there (errors included) has ``Access-Control-Allow-Origin: *``, and an
``OPTIONS`` preflight is answered ``204`` here. Any ``Access-Control-*`` header an
answer elsewhere carries is removed: the API and the dashboard are same-origin only.
"""

from __future__ import annotations

from typing import Final

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

MEDIA_PREFIXES: Final = ("/hls/", "/thumbs/")
CONTENT_SECURITY_POLICY: Final = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "media-src 'self' blob:",
        "connect-src 'self' ws: wss:",
        "font-src 'self'",
        "object-src 'none'",
        "frame-ancestors 'none'",
        "base-uri 'self'",
        "form-action 'self'",
    )
)
"""The dashboard's policy. ``blob:`` media for hls.js (a MediaSource URL; its ESM build used
here transmuxes without a worker); ``ws:``/``wss:`` because ``'self'`` does not cover
WebSocket schemes in every browser still in use."""
EVERY_ANSWER: Final[dict[str, str]] = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}
MEDIA_CORS: Final[dict[str, str]] = {"Access-Control-Allow-Origin": "*"}
MEDIA_PREFLIGHT: Final[dict[str, str]] = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, HEAD, OPTIONS",
    "Access-Control-Allow-Headers": (
        "DNT,User-Agent,X-Requested-With,If-Modified-Since,Cache-Control,Content-Type,Range"
    ),
    "Access-Control-Max-Age": "1728000",
}


def is_media_path(path: str) -> bool:
    return path.startswith(MEDIA_PREFIXES)


class SecurityHeaders:
    """Adds ``EVERY_ANSWER`` (and the CSP, and media CORS) to each HTTP response start."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        media = is_media_path(path)
        if media and scope["method"] == "OPTIONS":
            await _preflight(send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in EVERY_ANSWER.items():
                    headers[name] = value
                if media:
                    headers.update(MEDIA_CORS)
                else:
                    for name in [n for n in headers if n.startswith("access-control-")]:
                        del headers[name]
                    content_type = headers.get("content-type", "")
                    if content_type.startswith("text/html") and not path.startswith("/api/"):
                        headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
            await send(message)

        await self.app(scope, receive, send_with_headers)


async def _preflight(send: Send) -> None:
    answer = MEDIA_PREFLIGHT | EVERY_ANSWER
    headers = [(name.lower().encode(), value.encode()) for name, value in answer.items()]
    await send({"type": "http.response.start", "status": 204, "headers": headers})
    await send({"type": "http.response.body", "body": b""})
