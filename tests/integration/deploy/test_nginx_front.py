"""Debian's nginx with the rendered template in front of a real ``streamfleet serve``.

One server with one live channel (a looped UDP test clip) and one nginx on loopback
ports serve every test here; through nginx over HTTPS they check the HLS headers
(served from disk), the preflight, the redirect, the API (its bearer token passed
through), the dashboard, the WebSocket and TLS. The same nginx also runs the RTMP
template (``rtmp {}`` beside ``http {}``, as the nginx image does): a push with a wrong
key is refused, one with the channel's key is played through nginx's HTTPS.
``test_playlist_fetch_p50_through_nginx_and_direct`` prints the figures.
"""

from __future__ import annotations

import asyncio
import json
import socket
import ssl
import statistics
import subprocess
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets
from websockets.exceptions import InvalidStatus

from streamfleet.api.dashboard import STATIC_DIR
from tests.support.media import Feeders, channel_url
from tests.support.nginx import (
    TEMPLATE,
    TEMPLATE_VARIABLES,
    NginxFront,
    nginx_in,
    render_template,
)
from tests.support.nginx_rtmp import add_rtmp, rtmp_values, serve_env
from tests.support.rtmp_publish import Publishers
from tests.support.server import ServerProcess, free_port, start_server
from tests.support.tools import require_tool
from tests.support.waiting import wait_until
from tests.support.wall_viewer import showing_tiles

ONLINE_TIMEOUT_S = 90.0
EVENT_TIMEOUT_S = 60.0
HTTP_TIMEOUT_S = 10.0
FETCHES = 200
PROBE_PATH = "/hls/no-such-channel/index.m3u8"
HOOK_SECRET = "rtmp-hook-secret-for-the-front-0123"
REFUSED_TIMEOUT_S = 30.0


@dataclass
class Front:
    nginx: NginxFront
    server: ServerProcess
    slug: str
    channel_id: Any
    cert: Path
    publish_base: str
    """Where RTMP publishers push: ``rtmp://127.0.0.1:<port>/<app>``."""

    @property
    def https(self) -> str:
        return f"https://127.0.0.1:{self.nginx.https_port}"

    def client(self, **kwargs: Any) -> httpx.Client:
        """A client of nginx without credentials (media and the dashboard need none)."""
        return httpx.Client(
            base_url=self.https, verify=ssl_context(self.cert), timeout=HTTP_TIMEOUT_S, **kwargs
        )

    def api_client(self) -> httpx.Client:
        """A client of nginx carrying the server's admin bearer token."""
        return self.client(headers=self.server.headers)


def ssl_context(cert: Path) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(cert))


def newest_segment(playlist: str) -> str | None:
    names = [line for line in playlist.splitlines() if line and not line.startswith("#")]
    return names[-1] if names else None


@pytest.fixture(scope="module")
async def front(
    tmp_path_factory: pytest.TempPathFactory, ffmpeg_path: str, test_clip: Path
) -> AsyncIterator[Front]:
    feeders = Feeders(ffmpeg_path, test_clip)
    server: ServerProcess | None = None
    nginx: NginxFront | None = None
    try:
        feeder = await feeders.start()
        rtmp = rtmp_values(0, HOOK_SECRET)
        server = start_server(tmp_path_factory.mktemp("serve") / "data", env=serve_env(rtmp))
        server.wait_ready()
        created = httpx.post(
            f"{server.base_url}/api/v1/channels",
            json={"name": "Front Door", "input_url": channel_url(feeder), "recording": True},
            headers=server.headers,
            timeout=HTTP_TIMEOUT_S,
        )
        assert created.status_code == 201, created.text
        nginx = nginx_in(tmp_path_factory.mktemp("nginx"), server.data_dir, server.port)
        rtmp["STREAMFLEET_API_UPSTREAM"] = nginx.values["STREAMFLEET_API_UPSTREAM"]
        publish_base = add_rtmp(nginx, rtmp)
        checked = nginx.check()
        assert checked.returncode == 0, checked.stderr
        nginx.start()
        cert = Path(nginx.values["NGINX_TLS_CERT"])
        channel = created.json()
        yield Front(nginx, server, channel["slug"], channel["id"], cert, publish_base)
    finally:
        if nginx is not None:
            nginx.stop()
        if server is not None:
            server.stop()
        await feeders.close()


async def live_playlist(front: Front, slug: str | None = None) -> tuple[str, str]:
    """The channel's playlist (through nginx) once it lists a segment, and that segment;
    the fixture's channel unless ``slug`` names another."""
    url = f"/hls/{slug or front.slug}/index.m3u8"

    def listed() -> tuple[str, str] | None:
        with front.client() as client:
            response = client.get(url)
        segment = newest_segment(response.text) if response.status_code == 200 else None
        return (response.text, segment) if segment else None

    return await wait_until(listed, ONLINE_TIMEOUT_S, lambda: f"a segment in {url}")


async def next_status_event(socket_: Any, slug: str, timeout_s: float) -> dict[str, Any]:
    """The next status envelope for ``slug``; a frame is one envelope or an array of them."""
    deadline = time.monotonic() + timeout_s
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise AssertionError(f"no status event for {slug} within {timeout_s} s")
        frame = json.loads(await asyncio.wait_for(socket_.recv(), remaining))
        for envelope in frame if isinstance(frame, list) else [frame]:
            if envelope["type"] == "status" and envelope["channel"] == slug:
                return dict(envelope)


# Without a server ---------------------------------------------------------------------------


def test_nginx_accepts_the_rendered_template(tmp_path: Path) -> None:
    front = nginx_in(tmp_path / "nginx", tmp_path / "data", free_port())
    result = front.check()
    assert result.returncode == 0, result.stderr
    assert "syntax is ok" in result.stderr
    assert "[warn]" not in result.stderr, result.stderr


def test_rendering_matches_gettext_envsubst_with_a_variable_list() -> None:
    envsubst = require_tool("envsubst", "the Debian package gettext-base")
    values = {name: f"<{name.lower()}>" for name in TEMPLATE_VARIABLES}
    shell_format = " ".join(f"${{{name}}}" for name in TEMPLATE_VARIABLES)
    result = subprocess.run(
        [envsubst, shell_format],
        input=TEMPLATE.read_text(),
        capture_output=True,
        text=True,
        env=values,
        check=True,
        timeout=30,
    )
    assert render_template(TEMPLATE.read_text(), values) == result.stdout


# Through nginx ------------------------------------------------------------------------------


async def test_playlists_come_from_disk_uncached_with_cors(front: Front) -> None:
    await live_playlist(front)
    with front.client() as client:
        response = client.get(f"/hls/{front.slug}/index.m3u8")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/vnd.apple.mpegurl"
    assert response.headers["cache-control"] == "no-cache"
    assert response.headers["access-control-allow-origin"] == "*"
    # Only nginx sends this one: the file came from disk, not through streamfleet.
    assert response.headers["access-control-expose-headers"] == "Content-Length,Content-Range"
    assert response.text.startswith("#EXTM3U")


async def test_segments_are_cached_for_an_hour_with_cors_and_not_gzipped(front: Front) -> None:
    _, segment = await live_playlist(front)
    with front.client() as client:
        response = client.get(f"/hls/{front.slug}/{segment}", headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "video/mp2t"
    assert response.headers["cache-control"] == "max-age=3600"
    assert response.headers["access-control-allow-origin"] == "*"
    assert "content-encoding" not in response.headers
    assert response.content[:1] == b"\x47"  # an MPEG-TS sync byte


async def test_catch_up_playlists_come_from_streamfleet_and_their_segments_from_disk(
    front: Front,
) -> None:
    def recorded() -> dict[str, Any] | None:
        with front.api_client() as client:
            body = client.get(f"/api/v1/channels/{front.channel_id}/recordings").json()
        ranges: list[dict[str, Any]] = body["ranges"]
        return ranges[0] if ranges and ranges[0]["segments"] >= 2 else None

    first = await wait_until(recorded, ONLINE_TIMEOUT_S, "two recorded segments")
    span = {"from": first["from"], "to": first["to"]}
    with front.client() as client:
        playlist = client.get(f"/hls/{front.slug}/archive.m3u8", params=span)
        assert playlist.status_code == 200, playlist.text
        assert playlist.headers["content-type"] == "application/vnd.apple.mpegurl"
        assert playlist.headers["cache-control"] == "no-cache"  # once: nginx's
        assert playlist.headers["access-control-allow-origin"] == "*"  # once
        assert "#EXT-X-ENDLIST" in playlist.text
        segment_uri = newest_segment(playlist.text)
        assert segment_uri is not None
        assert segment_uri.startswith("archive/")
        segment = client.get(f"/hls/{front.slug}/{segment_uri}")
        refused = client.get(f"/hls/{front.slug}/archive.m3u8", params={"from": "yesterday"})
    assert segment.status_code == 200
    assert segment.headers["content-type"] == "video/mp2t"
    assert segment.headers["cache-control"] == "max-age=3600"
    assert segment.headers["access-control-allow-origin"] == "*"
    assert segment.headers["access-control-expose-headers"] == "Content-Length,Content-Range"
    assert segment.content[:1] == b"\x47"
    assert refused.status_code == 422
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.headers["access-control-allow-origin"] == "*"
    assert [e["field"] for e in refused.json()["errors"]] == ["from"]


async def test_the_hls_preflight_is_answered_204_with_cors(front: Front) -> None:
    with front.client() as client:
        response = client.options(
            f"/hls/{front.slug}/index.m3u8",
            headers={
                "Origin": "https://player.example",
                "Access-Control-Request-Method": "GET",
                "Access-Control-Request-Headers": "Range",
            },
        )
    assert response.status_code == 204
    assert response.headers["access-control-allow-origin"] == "*"
    assert "GET" in response.headers["access-control-allow-methods"]
    assert "Range" in response.headers["access-control-allow-headers"]
    assert response.headers["access-control-max-age"] == "1728000"


async def test_files_under_hls_that_are_not_media_are_not_served(front: Front) -> None:
    (front.server.data_dir / "hls" / front.slug / "notes.txt").write_text("private")
    with front.client() as client:
        assert client.get(f"/hls/{front.slug}/notes.txt").status_code == 404
        assert client.get("/hls/../streamfleet.db").status_code in (400, 404)
        missing = client.get(PROBE_PATH)
    assert missing.status_code == 404
    assert missing.headers["access-control-allow-origin"] == "*"
    assert "cache-control" not in missing.headers


async def test_thumbnails_come_from_disk_and_revalidate_with_304(front: Front) -> None:
    url = f"/thumbs/{front.slug}.jpg"

    def made() -> httpx.Response | None:
        with front.client() as client:
            response = client.get(url)
        return response if response.status_code == 200 else None

    # Thumbnails are made for tiles shown.
    async with showing_tiles(front.server.base_url, [front.slug], headers=front.server.headers):
        response = await wait_until(made, ONLINE_TIMEOUT_S, f"{url} through nginx")
        assert response.headers["content-type"] == "image/jpeg"
        assert response.headers["cache-control"] == "no-cache"
        assert response.content[:2] == b"\xff\xd8"

        def revalidated() -> bool:
            # A conditional GET right after a plain one: 304 unless a new thumbnail came between.
            with front.client() as client:
                etag = client.get(url).headers["etag"]
                again = client.get(url, headers={"If-None-Match": etag})
            return again.status_code == 304 and again.content == b""

        await wait_until(revalidated, ONLINE_TIMEOUT_S, "a 304 for the current ETag")
    with front.client() as client:
        assert client.get("/thumbs/streamfleet.db").status_code == 404


def test_plain_http_redirects_to_https_keeping_the_path(front: Front) -> None:
    response = httpx.get(
        f"http://127.0.0.1:{front.nginx.http_port}/api/v1/channels?limit=5",
        follow_redirects=False,
        timeout=HTTP_TIMEOUT_S,
    )
    assert response.status_code == 301
    assert response.headers["location"] == f"{front.https}/api/v1/channels?limit=5"


def test_the_api_is_proxied_with_the_bearer_token_and_its_json_gzipped(front: Front) -> None:
    with front.api_client() as client:
        response = client.get("/api/v1/channels", headers={"Accept-Encoding": "gzip"})
        metrics = client.get("/metrics")
    with front.client() as anonymous:
        refused = anonymous.get("/api/v1/channels")
    assert refused.status_code == 401  # so the 200 above is the token reaching the API
    assert response.status_code == 200
    assert [item["slug"] for item in response.json()["items"]] == [front.slug]
    assert response.headers["content-encoding"] == "gzip"
    assert metrics.status_code == 404


def test_the_dashboard_index_is_proxied(front: Front) -> None:
    with front.client() as client:
        response = client.get("/channels/front-door")  # a client-side route
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    index = STATIC_DIR / "index.html"
    if index.is_file():
        assert response.text == index.read_text()
    else:
        assert "make build" in response.text


def test_tls_offers_1_3_and_on_1_2_only_the_guides_ciphers(front: Front) -> None:
    def handshake(context: ssl.SSLContext) -> tuple[str | None, str]:
        with (
            socket.create_connection(("127.0.0.1", front.nginx.https_port), 10) as raw,
            context.wrap_socket(raw, server_hostname="127.0.0.1") as tls,
        ):
            cipher = tls.cipher()
            assert cipher is not None
            return tls.version(), cipher[0]

    assert handshake(ssl_context(front.cert))[0] == "TLSv1.3"
    tls12 = ssl_context(front.cert)
    tls12.maximum_version = ssl.TLSVersion.TLSv1_2
    assert handshake(tls12) == ("TLSv1.2", "ECDHE-RSA-AES128-GCM-SHA256")
    outside_the_list = ssl_context(front.cert)
    outside_the_list.maximum_version = ssl.TLSVersion.TLSv1_2
    outside_the_list.set_ciphers("ECDHE-RSA-AES256-GCM-SHA384")
    with pytest.raises(ssl.SSLError):
        handshake(outside_the_list)


async def test_the_websocket_upgrade_carries_live_events(front: Front) -> None:
    await live_playlist(front)
    url = f"wss://127.0.0.1:{front.nginx.https_port}/api/v1/ws"
    # As the dashboard opens it: its own page's Origin, with the port nginx listens on.
    origin = {"Origin": front.https}
    async with websockets.connect(
        url, ssl=ssl_context(front.cert), additional_headers={**front.server.headers, **origin}
    ) as socket_:
        snapshot = json.loads(await socket_.recv())
        assert snapshot["type"] == "snapshot"
        assert [c["slug"] for c in snapshot["data"]["channels"]] == [front.slug]
        with front.api_client() as client:
            restarted = client.post(f"/api/v1/channels/{front.channel_id}/restart")
        assert restarted.status_code == 202, restarted.text

        event = await next_status_event(socket_, front.slug, EVENT_TIMEOUT_S)
    assert event["data"]["status"] in ("starting", "online", "offline", "stopped")


async def test_the_websocket_needs_a_token_and_one_in_its_query_is_not_logged(
    front: Front,
) -> None:
    url = f"wss://127.0.0.1:{front.nginx.https_port}/api/v1/ws"
    with pytest.raises(InvalidStatus) as refused:
        async with websockets.connect(url, ssl=ssl_context(front.cert)):
            pass
    assert refused.value.response.status_code == 403
    token = front.server.token
    async with websockets.connect(
        f"{url}?access_token={token}", ssl=ssl_context(front.cert)
    ) as socket_:
        assert json.loads(await socket_.recv())["type"] == "snapshot"
    with front.client() as client:  # a request after it: once logged, so is the WebSocket's
        client.get("/healthz")
    # The server's log (this nginx's own) and the one the template names for the live feed.
    logs = (front.nginx.directory / "access.log", Path("/var/log/nginx/access.log"))

    def written() -> str | None:
        # nginx writes a request's line after its answer is sent: the client may read first.
        text = "".join(log.read_text(errors="replace") for log in logs if log.is_file())
        return text if "GET /healthz" in text else None

    assert token not in await wait_until(written, HTTP_TIMEOUT_S, "GET /healthz in the log")


def push_status(front: Front, channel_id: int) -> str:
    with front.api_client() as client:
        return str(client.get(f"/api/v1/channels/{channel_id}").json()["state"]["status"])


async def test_an_rtmp_push_with_a_wrong_key_is_refused_and_with_its_key_played_through_nginx(
    front: Front, publishers: Publishers
) -> None:
    with front.api_client() as client:
        created = client.post(
            "/api/v1/channels", json={"name": "Pushed", "ingest_mode": "push_rtmp"}
        )
    assert created.status_code == 201, created.text
    channel = created.json()
    try:
        key = channel["stream_key"]
        assert channel["publish_url"] == f"{front.publish_base}/{key}"
        intruder = publishers.start(f"{front.publish_base}/not-the-key-{key[:4]}")
        await wait_until(
            lambda: intruder.poll() is not None, REFUSED_TIMEOUT_S, "the wrong key's push to fail"
        )
        assert intruder.returncode != 0
        assert push_status(front, channel["id"]) != "online"

        publishers.start(channel["publish_url"])
        await wait_until(
            lambda: push_status(front, channel["id"]) == "online",
            ONLINE_TIMEOUT_S,
            lambda: f"the pushed channel online (nginx: {front.nginx.error_log()[-2000:]})",
        )
        _, segment = await live_playlist(front, channel["slug"])
        with front.client() as client:
            played = client.get(f"/hls/{channel['slug']}/{segment}")
        assert played.status_code == 200
        assert played.headers["cache-control"] == "max-age=3600"
        assert played.headers["access-control-allow-origin"] == "*"
        assert played.content[:1] == b"\x47"
        logs = front.server.stdout() + front.server.stderr() + front.nginx.error_log()
        assert key not in logs
        assert HOOK_SECRET not in logs
    finally:
        # The other tests see the fixture's one channel.
        with front.api_client() as client:
            assert client.delete(f"/api/v1/channels/{channel['id']}").status_code == 204


async def test_playlist_fetch_p50_through_nginx_and_direct(
    front: Front, capsys: pytest.CaptureFixture[str]
) -> None:
    """Not a limit: the figures for the issue's note (printed)."""
    await live_playlist(front)
    path = f"/hls/{front.slug}/index.m3u8"

    def p50(client: httpx.Client) -> float:
        timings = []
        for _ in range(FETCHES):
            started = time.perf_counter()
            response = client.get(path)
            timings.append(time.perf_counter() - started)
            assert response.status_code == 200
        return statistics.median(timings) * 1000

    with front.client() as client:
        through_nginx = p50(client)
    with httpx.Client(base_url=front.server.base_url, timeout=HTTP_TIMEOUT_S) as client:
        direct = p50(client)
    with capsys.disabled():
        print(
            f"\nplaylist fetch p50 over {FETCHES} fetches (keep-alive): "
            f"nginx HTTPS {through_nginx:.2f} ms, streamfleet direct HTTP {direct:.2f} ms"
        )
    assert through_nginx > 0
    assert direct > 0
