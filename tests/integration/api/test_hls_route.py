"""``/hls/<slug>/…`` over real HTTP: the seed's nginx headers, CORS, and no way out of the root."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn

from streamfleet.api.app import create_app
from streamfleet.api.routes import hls
from tests.support.server import free_port, settings_for_test
from tests.support.waiting import wait_until

PLAYLIST = "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2.0,\nseg_0.ts\n"


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes


@dataclass
class LiveServer:
    port: int
    hls_dir: Path

    async def request(self, raw_path: str, method: str = "GET") -> Reply:
        """Send ``raw_path`` byte for byte (no client-side normalisation of ``..``)."""
        reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
        writer.write(
            f"{method} {raw_path} HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: http://player.example\r\n"
            "Connection: close\r\n\r\n".encode()
        )
        await writer.drain()
        data = await asyncio.wait_for(reader.read(), 10)
        writer.close()
        head, _, body = data.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        return Reply(int(lines[0].split()[1]), headers, body)


@pytest.fixture
async def live_server(tmp_path: Path) -> AsyncIterator[LiveServer]:
    settings = settings_for_test(tmp_path / "data")
    app = create_app(settings)
    if not any(getattr(r, "path", "") == "/hls/{path:path}" for r in app.routes):
        app.include_router(hls.router)
    hls_dir = settings.hls_dir
    channel = hls_dir / "ch1"
    (channel / "720p").mkdir(parents=True)
    (channel / "index.m3u8").write_text(PLAYLIST)
    (channel / "seg_0.ts").write_bytes(b"\x47" * 188 * 4)
    (channel / "720p" / "seg_1.m4s").write_bytes(b"fmp4")
    (channel / "seg_9.ts.tmp").write_bytes(b"\x47" * 188)
    (channel / "link.ts").symlink_to("/etc/passwd")
    (hls_dir / "escape").symlink_to("/etc")
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    task = asyncio.create_task(server.serve())
    await wait_until(lambda: server.started or task.done(), 30, "uvicorn to start")
    assert server.started
    try:
        yield LiveServer(port, hls_dir)
    finally:
        server.should_exit = True
        await task


async def test_a_playlist_is_served_with_its_mime_type_no_cache_and_cors(
    live_server: LiveServer,
) -> None:
    reply = await live_server.request("/hls/ch1/index.m3u8")
    assert reply.status == 200
    assert reply.headers["content-type"] == "application/vnd.apple.mpegurl"
    assert reply.headers["cache-control"] == "no-cache"
    assert reply.headers["access-control-allow-origin"] == "*"
    assert reply.body == PLAYLIST.encode()


async def test_segments_are_cached_for_an_hour_with_their_mime_type(
    live_server: LiveServer,
) -> None:
    ts = await live_server.request("/hls/ch1/seg_0.ts")
    assert ts.status == 200
    assert ts.headers["content-type"] == "video/mp2t"
    assert ts.headers["cache-control"] == "max-age=3600"
    assert ts.headers["access-control-allow-origin"] == "*"
    fmp4 = await live_server.request("/hls/ch1/720p/seg_1.m4s")
    assert fmp4.status == 200
    assert fmp4.headers["content-type"] == "video/mp4"


async def test_head_answers_the_headers_without_a_body(live_server: LiveServer) -> None:
    reply = await live_server.request("/hls/ch1/index.m3u8", method="HEAD")
    assert reply.status == 200
    assert reply.headers["content-length"] == str(len(PLAYLIST))
    assert reply.body == b""


async def test_the_cors_preflight_is_answered_204(live_server: LiveServer) -> None:
    reply = await live_server.request("/hls/ch1/index.m3u8", method="OPTIONS")
    assert reply.status == 204
    assert reply.headers["access-control-allow-origin"] == "*"
    assert "GET" in reply.headers["access-control-allow-methods"]
    assert "Range" in reply.headers["access-control-allow-headers"]
    assert reply.headers["access-control-max-age"] == "1728000"
    assert reply.body == b""


ESCAPES = [
    "/hls/../etc/passwd",
    "/hls/ch1/../../etc/passwd",
    "/hls/ch1/../../../../etc/passwd",
    "/hls/%2e%2e/%2e%2e/etc/passwd",
    "/hls/ch1/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    "/hls/ch1/..%2f..%2f..%2f..%2fetc%2fpasswd",
    "/hls/%2fetc%2fpasswd",
    "/hls//etc/passwd",
    "/hls/ch1/%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "/hls/ch1/link.ts",
    "/hls/escape/passwd.ts",
    "/hls/escape/../escape/hosts.ts",
    "/hls/ch1/seg_9.ts.tmp",
    "/hls/ch1/index.m3u8%00.ts",
    "/hls/ch1\\..\\..\\etc\\passwd.ts",
    "/hls/nosuch/index.m3u8",
]


@pytest.mark.parametrize("raw_path", ESCAPES)
async def test_paths_that_leave_the_hls_root_or_name_no_media_file_are_404(
    live_server: LiveServer, raw_path: str
) -> None:
    reply = await live_server.request(raw_path)
    assert reply.status == 404
    assert b"root:" not in reply.body
