"""Signed playback through Debian's nginx with the shipped template's ``secure_link``.

One ``streamfleet serve`` with ``STREAMFLEET_PLAYBACK_SIGNING=true`` and no secret set (it
makes and keeps ``data_dir/playback-secret``), one live channel, and nginx rendered with
that file's secret and signing on. The URLs the API hands out are checked by nginx alone
(the answers come from disk: only nginx sends ``Access-Control-Expose-Headers``), and
nginx and streamfleet give the same status for every refused path.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from streamfleet.domain.playback_signing import playback_token
from streamfleet.storage.playback_secret import secret_file
from tests.support.media import Feeders, channel_url
from tests.support.nginx import NginxFront, nginx_in
from tests.support.server import ServerProcess, start_server
from tests.support.waiting import wait_until
from tests.support.wall_viewer import showing_tiles

from .test_nginx_front import ssl_context

ONLINE_TIMEOUT_S = 90.0
HTTP_TIMEOUT_S = 10.0
NGINX_ONLY_HEADER = "access-control-expose-headers"


@dataclass
class SignedFront:
    nginx: NginxFront
    server: ServerProcess
    slug: str
    secret: str
    urls: dict[str, str]

    def client(self) -> httpx.Client:
        cert = Path(self.nginx.values["NGINX_TLS_CERT"])
        return httpx.Client(
            base_url=f"https://127.0.0.1:{self.nginx.https_port}",
            verify=ssl_context(cert),
            timeout=HTTP_TIMEOUT_S,
        )

    def direct(self) -> httpx.Client:
        return self.server.client(timeout=HTTP_TIMEOUT_S)

    def fresh_urls(self) -> dict[str, str]:
        with self.direct() as client:
            response = client.get("/api/v1/channels")
        urls: dict[str, str] = response.json()["items"][0]["urls"]
        return urls


@pytest.fixture(scope="module")
async def signed(
    tmp_path_factory: pytest.TempPathFactory, ffmpeg_path: str, test_clip: Path
) -> AsyncIterator[SignedFront]:
    feeders = Feeders(ffmpeg_path, test_clip)
    server: ServerProcess | None = None
    nginx: NginxFront | None = None
    try:
        feeder = await feeders.start()
        server = start_server(
            tmp_path_factory.mktemp("serve") / "data",
            env={"STREAMFLEET_PLAYBACK_SIGNING": "true", "STREAMFLEET_PLAYBACK_TOKEN_TTL_S": "600"},
        )
        server.wait_ready()
        with server.client(timeout=HTTP_TIMEOUT_S) as api:
            created = api.post(
                "/api/v1/channels",
                json={"name": "Signed Door", "input_url": channel_url(feeder), "recording": True},
            )
        assert created.status_code == 201, created.text
        secret = secret_file(server.data_dir).read_text().strip()
        nginx = nginx_in(
            tmp_path_factory.mktemp("nginx"),
            server.data_dir,
            server.port,
            playback_signing=True,
            playback_secret=secret,
        )
        checked = nginx.check()
        assert checked.returncode == 0, checked.stderr
        assert "[warn]" not in checked.stderr, checked.stderr
        nginx.start()
        body = created.json()
        yield SignedFront(nginx, server, body["slug"], secret, body["urls"])
    finally:
        if nginx is not None:
            nginx.stop()
        if server is not None:
            server.stop()
        await feeders.close()


async def signed_segment(front: SignedFront) -> tuple[str, str]:
    """The signed playlist URL (through nginx) once it lists a segment, and that segment's URL."""
    url = front.urls["hls"]

    def listed() -> tuple[str, str] | None:
        with front.client() as client:
            response = client.get(url)
        assert response.status_code in (200, 404), response.text
        names = [n for n in response.text.splitlines() if n and not n.startswith("#")]
        if response.status_code != 200 or not names:
            return None
        return url, f"{url.rsplit('/', 1)[0]}/{names[-1]}"

    return await wait_until(listed, ONLINE_TIMEOUT_S, f"a segment in {url}")


def both_answer(front: SignedFront, path: str) -> tuple[int, int]:
    """The status nginx gives ``path``, and the one streamfleet itself gives."""
    with front.client() as through_nginx, front.direct() as direct:
        return through_nginx.get(path).status_code, direct.get(path).status_code


def test_the_api_hands_out_signed_urls(signed: SignedFront) -> None:
    assert signed.urls["hls"].startswith("/hls/s/")
    assert signed.urls["thumbnail"].startswith("/thumbs/s/")


async def test_nginx_serves_the_signed_playlist_and_its_segments_from_disk(
    signed: SignedFront,
) -> None:
    playlist_url, segment_url = await signed_segment(signed)
    with signed.client() as client:
        playlist = client.get(playlist_url)
        segment = client.get(segment_url)
    assert playlist.status_code == 200
    assert playlist.headers["content-type"] == "application/vnd.apple.mpegurl"
    assert playlist.headers["cache-control"] == "no-cache"
    assert playlist.headers[NGINX_ONLY_HEADER] == "Content-Length,Content-Range"
    assert segment.status_code == 200
    assert segment.headers["content-type"] == "video/mp2t"
    assert segment.headers["cache-control"] == "max-age=3600"
    assert segment.headers[NGINX_ONLY_HEADER] == "Content-Length,Content-Range"
    assert segment.content[:1] == b"\x47"


async def test_a_signed_catch_up_playlist_and_its_archived_segments_play_through_nginx(
    signed: SignedFront,
) -> None:
    """The playlist comes from streamfleet, its segments from disk under the same token."""

    def recorded() -> dict[str, Any] | None:
        with signed.direct() as client:
            channel_id = client.get("/api/v1/channels").json()["items"][0]["id"]
            body = client.get(f"/api/v1/channels/{channel_id}/recordings").json()
        ranges: list[dict[str, Any]] = body["ranges"]
        return ranges[0] if ranges and ranges[0]["segments"] >= 2 else None

    first = await wait_until(recorded, ONLINE_TIMEOUT_S, "two recorded segments")
    prefix = signed.urls["hls"].rsplit("/", 1)[0]
    _, _, _, expires, token, slug = prefix.split("/")
    span = {"from": first["from"], "to": first["to"]}
    with signed.client() as client:
        playlist = client.get(f"{prefix}/archive.m3u8", params=span)
        assert playlist.status_code == 200, playlist.text
        names = [n for n in playlist.text.splitlines() if n and not n.startswith("#")]
        segment = client.get(f"{prefix}/{names[0]}")
        unsigned_playlist = client.get(f"/hls/{slug}/archive.m3u8", params=span)
    assert playlist.headers["access-control-allow-origin"] == "*"
    assert segment.status_code == 200
    assert segment.headers["cache-control"] == "max-age=3600"
    assert segment.headers[NGINX_ONLY_HEADER] == "Content-Length,Content-Range"
    assert segment.content[:1] == b"\x47"
    assert unsigned_playlist.status_code == 403
    altered = token[:3] + ("B" if token[3] != "B" else "C") + token[4:]
    for path in (
        f"/hls/{slug}/{names[0]}",
        f"/hls/s/{expires}/{altered}/{slug}/{names[0]}",
        f"/hls/s/{expires}/{token}/other/{names[0]}",
    ):
        assert both_answer(signed, path) == (403, 403), path
    stale = int(time.time()) - 5
    old_token = playback_token(signed.secret, stale, f"/hls/{slug}/")
    assert both_answer(signed, f"/hls/s/{stale}/{old_token}/{slug}/{names[0]}") == (410, 410)


async def test_nginx_serves_the_signed_thumbnail_from_disk(signed: SignedFront) -> None:
    url = signed.urls["thumbnail"]

    def made() -> httpx.Response | None:
        with signed.client() as client:
            response = client.get(url)
        return response if response.status_code == 200 else None

    async with showing_tiles(signed.server.base_url, [signed.slug], headers=signed.server.headers):
        response = await wait_until(made, ONLINE_TIMEOUT_S, f"{url} through nginx")
    assert response.headers["content-type"] == "image/jpeg"
    assert response.headers["access-control-allow-origin"] == "*"
    assert response.content[:2] == b"\xff\xd8"


async def test_unsigned_altered_and_foreign_tokens_are_refused_403_by_both(
    signed: SignedFront,
) -> None:
    playlist_url, segment_url = await signed_segment(signed)
    _, _, _, expires, token, slug, _ = playlist_url.split("/")
    segment = segment_url.rsplit("/", 1)[1]
    altered = token[:3] + ("B" if token[3] != "B" else "C") + token[4:]
    foreign = playback_token(signed.secret, int(expires), "/hls/other/")
    wrong_secret = playback_token("x" * 40, int(expires), f"/hls/{slug}/")
    for path in (
        f"/hls/{slug}/index.m3u8",
        f"/hls/{slug}/{segment}",
        f"/thumbs/{slug}.jpg",
        f"/hls/s/{expires}/{altered}/{slug}/index.m3u8",
        f"/hls/s/{expires}/{altered}/{slug}/{segment}",
        f"/hls/s/{int(expires) + 1}/{token}/{slug}/index.m3u8",
        f"/hls/s/{expires}/{foreign}/{slug}/index.m3u8",
        f"/hls/s/{expires}/{wrong_secret}/{slug}/index.m3u8",
        f"/hls/s/{expires}/{token}/{slug}x/index.m3u8",
        f"/thumbs/s/{expires}/{token}/{slug}.jpg",  # the HLS token is not the thumbnail's
    ):
        assert both_answer(signed, path) == (403, 403), path


async def test_an_expired_token_is_refused_410_by_both(signed: SignedFront) -> None:
    _, segment_url = await signed_segment(signed)
    segment = segment_url.rsplit("/", 1)[1]
    expires = int(time.time()) - 5
    hls = playback_token(signed.secret, expires, f"/hls/{signed.slug}/")
    thumb = playback_token(signed.secret, expires, f"/thumbs/{signed.slug}.jpg")
    for path in (
        f"/hls/s/{expires}/{hls}/{signed.slug}/index.m3u8",
        f"/hls/s/{expires}/{hls}/{signed.slug}/{segment}",
        f"/thumbs/s/{expires}/{thumb}/{signed.slug}.jpg",
    ):
        assert both_answer(signed, path) == (410, 410), path


def test_a_url_signed_later_by_the_api_is_accepted_too(signed: SignedFront) -> None:
    """The secret file survives: a URL signed now verifies in nginx like the first one."""
    with signed.client() as client:
        assert client.get(signed.fresh_urls()["hls"]).status_code in (200, 404)
        unsigned = client.get(f"/hls/{signed.slug}/index.m3u8")
    assert unsigned.status_code == 403
    assert unsigned.headers["access-control-allow-origin"] == "*"
