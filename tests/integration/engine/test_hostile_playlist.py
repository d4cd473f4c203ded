"""An HLS source whose playlist points at local files never leaks them into the output."""

from __future__ import annotations

import functools
import threading
from collections.abc import Awaitable, Callable, Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from streamfleet.domain.status import Status
from tests.integration.engine.conftest import EngineHarness, udp_channel
from tests.support.media import Feeders, channel_url
from tests.support.waiting import wait_until

EngineFactory = Callable[..., Awaitable[EngineHarness]]
MARKER = b"STREAMFLEET-LOCAL-SECRET-7f3a"


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def web_root(tmp_path: Path) -> Iterator[tuple[Path, int]]:
    """A stdlib HTTP server on 127.0.0.1 serving ``tmp_path/www``."""
    root = tmp_path / "www"
    root.mkdir()
    server = ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(root))
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield root, server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def playlist(uri: str) -> str:
    return (
        "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:0\n"
        f"#EXTINF:2.0,\n{uri}\n#EXTINF:2.0,\n{uri}\n"
    )


HOSTILE_URIS = {
    "passwd": "file:///etc/passwd",
    "secret_ts": "file://{secret}",
    "concat": "concat:{secret}|/etc/hosts",
    "bare_path": "{secret}",
}


@pytest.mark.parametrize("case", sorted(HOSTILE_URIS))
async def test_a_playlist_listing_local_files_gets_nothing_from_them_into_the_output(
    case: str, web_root: tuple[Path, int], engine_factory: EngineFactory, tmp_path: Path
) -> None:
    root, port = web_root
    secret = tmp_path / "secret.ts"
    secret.write_bytes(MARKER * 2000)
    (root / "evil.m3u8").write_text(playlist(HOSTILE_URIS[case].format(secret=secret)))
    engine = await engine_factory(
        [udp_channel(1, f"http://127.0.0.1:{port}/evil.m3u8")], startup_timeout_s=3.0
    )

    # Refused (allowed_segment_extensions or the protocol whitelist: error), or, for a bare
    # path the server answers 404 for, nothing ever plays (offline, retried).
    refused = case != "bare_path"
    await engine.wait_status(1, Status.ERROR if refused else Status.OFFLINE, 20)
    print(f"{case}: {engine.status(1)}: {engine.supervisor.state(1).reason}")  # type: ignore[union-attr]
    assert Status.ONLINE not in [c.to_status for c in engine.transitions(1)]
    passwd = Path("/etc/passwd").read_bytes()[:64]
    output = engine.settings.hls_dir.resolve() / "ch1"
    for path in output.rglob("*") if output.exists() else []:
        if path.is_file():
            data = path.read_bytes()
            assert MARKER not in data, f"{path.name} holds the local secret"
            assert passwd not in data, f"{path.name} holds /etc/passwd"


async def test_a_normal_hls_source_over_http_plays(
    web_root: tuple[Path, int], engine_factory: EngineFactory, feeders: Feeders
) -> None:
    root, port = web_root
    feeder = await feeders.start()
    upstream = await engine_factory([udp_channel(1, channel_url(feeder))])
    upstream_dir = upstream.settings.hls_dir.resolve() / "ch1"
    await wait_until(lambda: (upstream_dir / "index.m3u8").is_file(), 20, "the upstream playlist")
    (root / "live").symlink_to(upstream_dir)
    engine = await engine_factory([udp_channel(2, f"http://127.0.0.1:{port}/live/index.m3u8")])
    await engine.wait_status(2, Status.ONLINE, 30)
