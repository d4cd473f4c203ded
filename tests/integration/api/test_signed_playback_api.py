"""Signed playback in-process: signed channel URLs, 403 unsigned or wrong, 410 expired."""

from __future__ import annotations

import stat
import time
from pathlib import Path

from streamfleet.domain.playback_signing import playback_token
from streamfleet.media.thumbnail import write_atomic
from streamfleet.storage.playback_secret import secret_file
from tests.support.server import PLAYBACK_SECRET as SECRET
from tests.support.server import ApiClient, api_client_for, settings_for_test

NEWS = {"name": "News HD", "input_url": "udp://239.0.0.1:1234"}
PLAYLIST = "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2.0,\nseg_0.ts\n"
SEGMENT = b"\x47" * 188 * 4
JPEG = b"\xff\xd8\xff\xe0thumbnail\xff\xd9"


def put_media(client: ApiClient, slug: str) -> None:
    settings = client.app.state.settings
    channel = settings.hls_dir / slug
    (channel / "720p").mkdir(parents=True)
    (channel / "index.m3u8").write_text(PLAYLIST)
    (channel / "seg_0.ts").write_bytes(SEGMENT)
    (channel / "720p" / "seg_1.m4s").write_bytes(b"fmp4")
    write_atomic(settings.thumbs_dir / f"{slug}.jpg", JPEG)


async def create_channel(client: ApiClient) -> dict[str, str]:
    response = await client.post("/api/v1/channels", json=NEWS)
    assert response.status_code == 201, response.text
    put_media(client, response.json()["slug"])
    urls: dict[str, str] = response.json()["urls"]
    return urls


def assert_problem(response: object, status: int) -> None:
    assert getattr(response, "status_code", None) == status
    headers = response.headers  # type: ignore[attr-defined]
    assert headers["content-type"] == "application/problem+json"
    assert headers["access-control-allow-origin"] == "*"  # players may read the refusal
    assert response.json()["status"] == status  # type: ignore[attr-defined]


# Signing on ---------------------------------------------------------------------------------


async def test_with_signing_on_the_api_hands_out_signed_urls(signed_api: ApiClient) -> None:
    urls = await create_channel(signed_api)
    assert urls["hls"].startswith("/hls/s/")
    assert urls["hls"].endswith("/news-hd/index.m3u8")
    assert urls["thumbnail"].startswith("/thumbs/s/")
    assert urls["thumbnail"].endswith("/news-hd.jpg")
    listed = (await signed_api.get("/api/v1/channels")).json()["items"][0]["urls"]
    assert listed == urls  # signed within one step of the TTL: the same URLs


async def test_a_signed_playlist_its_segments_and_renditions_are_served(
    signed_api: ApiClient,
) -> None:
    urls = await create_channel(signed_api)
    playlist = await signed_api.get(urls["hls"])
    assert playlist.status_code == 200
    assert playlist.text == PLAYLIST
    assert playlist.headers["content-type"] == "application/vnd.apple.mpegurl"
    base = urls["hls"].rsplit("/", 1)[0]
    segment = await signed_api.get(f"{base}/seg_0.ts")  # the playlist's relative URI, resolved
    assert segment.status_code == 200
    assert segment.content == SEGMENT
    assert segment.headers["cache-control"] == "max-age=3600"
    assert (await signed_api.get(f"{base}/720p/seg_1.m4s")).content == b"fmp4"
    assert (await signed_api.head(f"{base}/seg_0.ts")).status_code == 200
    thumbnail = await signed_api.get(urls["thumbnail"])
    assert thumbnail.status_code == 200
    assert thumbnail.content == JPEG


async def test_with_signing_on_the_unsigned_paths_answer_403(signed_api: ApiClient) -> None:
    await create_channel(signed_api)
    for path in ("/hls/news-hd/index.m3u8", "/hls/news-hd/seg_0.ts", "/thumbs/news-hd.jpg"):
        response = await signed_api.get(path)
        assert_problem(response, 403)
        assert "signed" in response.json()["detail"]


async def test_a_token_for_another_channel_path_or_expiry_answers_403(
    signed_api: ApiClient,
) -> None:
    urls = await create_channel(signed_api)
    _, _, _, expires, token, _, _ = urls["hls"].split("/")
    other = (await signed_api.post("/api/v1/channels", json={**NEWS, "name": "Sport"})).json()
    put_media(signed_api, other["slug"])
    altered = token[:5] + ("A" if token[5] != "A" else "B") + token[6:]
    later = int(expires) + 1
    for path in (
        f"/hls/s/{expires}/{token}/sport/index.m3u8",  # news-hd's token on another channel
        f"/hls/s/{expires}/{altered}/news-hd/index.m3u8",
        f"/hls/s/{later}/{token}/news-hd/index.m3u8",
        f"/hls/s/{expires}/{token}x/news-hd/index.m3u8",
        f"/hls/s/x{expires}/{token}/news-hd/index.m3u8",
        f"/thumbs/s/{expires}/{token}/news-hd.jpg",  # the HLS token is not the thumbnail's
        f"/thumbs/s/{expires}/{token[:-1]}/news-hd.jpg",
    ):
        assert_problem(await signed_api.get(path), 403)


async def test_an_expired_token_answers_410(signed_api: ApiClient) -> None:
    await create_channel(signed_api)
    expires = int(time.time()) - 2
    hls = playback_token(SECRET, expires, "/hls/news-hd/")
    thumb = playback_token(SECRET, expires, "/thumbs/news-hd.jpg")
    assert_problem(await signed_api.get(f"/hls/s/{expires}/{hls}/news-hd/index.m3u8"), 410)
    assert_problem(await signed_api.get(f"/thumbs/s/{expires}/{thumb}/news-hd.jpg"), 410)


async def test_a_signed_path_still_hides_what_is_not_media(signed_api: ApiClient) -> None:
    urls = await create_channel(signed_api)
    base = urls["hls"].rsplit("/", 1)[0]
    (signed_api.app.state.settings.hls_dir / "news-hd" / "notes.txt").write_text("private")
    assert (await signed_api.get(f"{base}/notes.txt")).status_code == 404
    assert (await signed_api.get(f"{base}/..%2f..%2fstreamfleet.db")).status_code in (403, 404)
    assert (await signed_api.get(f"{base}/missing.ts")).status_code == 404


async def test_without_a_configured_secret_one_is_made_once_and_kept(tmp_path: Path) -> None:
    """Mode 0600 in the data directory; a restart signs and verifies with the same one."""
    settings = settings_for_test(tmp_path / "data", playback_signing=True)
    async with api_client_for(settings) as first:
        urls = await create_channel(first)
    path = secret_file(settings.data_dir)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    secret = path.read_text().strip()
    _, _, _, expires, token, _, _ = urls["hls"].split("/")
    assert token == playback_token(secret, int(expires), "/hls/news-hd/")
    async with api_client_for(settings) as restarted:
        assert (await restarted.get(urls["hls"])).status_code == 200
        assert (await restarted.get(urls["thumbnail"])).status_code == 200


# Signing off --------------------------------------------------------------------------------


async def test_with_signing_off_both_forms_work_and_signed_ones_still_verify(
    tmp_path: Path,
) -> None:
    settings = settings_for_test(tmp_path / "data", playback_secret=SECRET)
    async with api_client_for(settings) as client:
        urls = await create_channel(client)
        assert urls == {"hls": "/hls/news-hd/index.m3u8", "thumbnail": "/thumbs/news-hd.jpg"}
        assert (await client.get(urls["hls"])).status_code == 200
        assert (await client.get(urls["thumbnail"])).status_code == 200
        expires = int(time.time()) + 60
        token = playback_token(SECRET, expires, "/hls/news-hd/")
        signed = await client.get(f"/hls/s/{expires}/{token}/news-hd/seg_0.ts")
        assert signed.status_code == 200
        assert_problem(await client.get(f"/hls/s/{expires}/{'A' * 22}/news-hd/seg_0.ts"), 403)


async def test_with_signing_off_and_no_secret_signed_paths_are_refused(api: ApiClient) -> None:
    """Nothing was signed, so nothing can verify; no secret file is made."""
    await create_channel(api)
    expires = int(time.time()) + 60
    token = playback_token(SECRET, expires, "/hls/news-hd/")
    assert_problem(await api.get(f"/hls/s/{expires}/{token}/news-hd/index.m3u8"), 403)
    assert not secret_file(api.app.state.settings.data_dir).exists()


async def test_a_channel_named_s_keeps_its_unsigned_paths(api: ApiClient) -> None:
    """``/hls/s/…`` is also where a channel with the slug ``s`` lives."""
    created = await api.post("/api/v1/channels", json={**NEWS, "name": "S", "slug": "s"})
    assert created.status_code == 201, created.text
    put_media(api, "s")
    assert (await api.get("/hls/s/index.m3u8")).text == PLAYLIST
    assert (await api.get("/hls/s/720p/seg_1.m4s")).content == b"fmp4"
