"""Sources over HTTP on 127.0.0.1 for the engine tests: a folder served as files, and an
endless MPEG-TS stream handed over in bursts.

    async with serve_http(folder) as server:            # GET /index.m3u8, /index3.ts …
        url = f"{server.url}/index.m3u8"
    async with bursty_ts(burst_s=1.5) as source:         # GET /live.ts
        url = source.url; source.pause()                  # connection kept, nothing sent

A minimal HTTP/1.0 server on ``asyncio.start_server``: one request per
connection, ``Connection: close``. The bursty stream comes from a real FFmpeg
encoding a lavfi pattern in real time to its stdout; every ``burst_s`` the bytes
gathered since the last burst go to every client at once.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

from streamfleet.engine.process import Spawner
from tests.support.hls_source import FFMPEG, H264, MOVING_PATTERN, TONE
from tests.support.server import free_port

REQUEST_TIMEOUT_S = 5.0
CONTENT_TYPES = {".m3u8": "application/vnd.apple.mpegurl", ".ts": "video/mp2t"}

Handler = Callable[[str, asyncio.StreamWriter], Awaitable[None]]


class HttpServer:
    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.port = free_port()
        self.server: asyncio.Server | None = None
        self.clients: set[asyncio.StreamWriter] = set()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)

    async def stop(self) -> None:
        """Stop listening and drop every connection (the source is gone)."""
        if self.server is not None:
            self.server.close()
            self.server = None
        for writer in list(self.clients):
            writer.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.clients.add(writer)
        try:
            async with asyncio.timeout(REQUEST_TIMEOUT_S):
                head = await reader.readuntil(b"\r\n\r\n")
            path = head.split(b" ", 2)[1].decode("ascii", "replace").split("?", 1)[0]
            await self.handler(path, writer)
        except (OSError, TimeoutError, asyncio.IncompleteReadError, IndexError):
            pass
        finally:
            self.clients.discard(writer)
            writer.close()


def response_head(status: str, content_type: str | None = None, length: int | None = None) -> bytes:
    lines = [f"HTTP/1.0 {status}", "Connection: close"]
    if content_type:
        lines.append(f"Content-Type: {content_type}")
    if length is not None:
        lines.append(f"Content-Length: {length}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


@contextlib.asynccontextmanager
async def serve_http(folder: Path) -> AsyncIterator[HttpServer]:
    """The files of ``folder`` (no sub-folders) until the block ends or ``stop()``."""

    async def files(path: str, writer: asyncio.StreamWriter) -> None:
        name = path.rsplit("/", 1)[-1]
        try:
            body = (folder / name).read_bytes() if name else None
        except OSError:
            body = None
        if body is None:
            writer.write(response_head("404 Not Found", length=0))
        else:
            kind = CONTENT_TYPES.get(Path(name).suffix, "application/octet-stream")
            writer.write(response_head("200 OK", kind, len(body)) + body)
        await writer.drain()

    server = HttpServer(files)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


class BurstySource:
    """``/live.ts``: a live MPEG-TS stream delivered every ``burst_s`` seconds in one piece."""

    def __init__(self, burst_s: float) -> None:
        self.burst_s = burst_s
        self.server = HttpServer(self._stream)
        self.pending = bytearray()
        self.receivers: set[asyncio.StreamWriter] = set()
        self.paused = False
        self.bursts = 0

    @property
    def url(self) -> str:
        return f"{self.server.url}/live.ts"

    def gather(self, chunk: bytes) -> None:
        self.pending += chunk

    def pause(self) -> None:
        """Send nothing more; connections stay open (a stalled source, not a closed one)."""
        self.paused = True

    async def _stream(self, path: str, writer: asyncio.StreamWriter) -> None:
        if path != "/live.ts":
            writer.write(response_head("404 Not Found", length=0))
            return
        writer.write(response_head("200 OK", "video/mp2t"))
        self.receivers.add(writer)
        try:
            await writer.wait_closed()
        finally:
            self.receivers.discard(writer)

    async def send_bursts(self) -> None:
        while True:
            await asyncio.sleep(self.burst_s)  # the source's own pace, not a test waiting
            if self.paused:
                continue
            burst, self.pending = bytes(self.pending), bytearray()
            self.bursts += 1
            for writer in list(self.receivers):
                writer.write(burst)


def live_ts_args() -> list[str]:
    return [
        FFMPEG, "-nostdin", "-hide_banner", "-loglevel", "error",
        "-re", "-f", "lavfi", "-i", MOVING_PATTERN, "-re", "-f", "lavfi", "-i", TONE,
        *H264, "-g", "25", "-c:a", "aac", "-b:a", "96k",
        "-flush_packets", "1", "-f", "mpegts", "pipe:1",
    ]  # fmt: skip


async def gather_stream(stream: asyncio.StreamReader, gather: Callable[[bytes], None]) -> None:
    while chunk := await stream.read(65536):
        gather(chunk)


@contextlib.asynccontextmanager
async def bursty_ts(burst_s: float) -> AsyncIterator[BurstySource]:
    source = BurstySource(burst_s)
    child = await Spawner().spawn(live_ts_args())
    assert child.stdout is not None
    await source.server.start()
    tasks = [
        asyncio.create_task(gather_stream(child.stdout, source.gather)),
        asyncio.create_task(source.send_bursts()),
    ]
    try:
        yield source
    finally:
        for task in tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await source.server.stop()
        await child.stop(3.0)
