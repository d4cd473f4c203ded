"""RTMP push ingest end to end: Debian's nginx with the RTMP module and the shipped
``rtmp.conf.template`` in front of a real ``streamfleet serve``; FFmpeg publishes a
generated stream to it. A wrong key is refused (the publisher fails); the right key is
accepted and the channel goes online from the push, offline when the publisher leaves and
online again with the next one, its HLS playlist decodable."""

from __future__ import annotations

import asyncio
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.nginx_rtmp import RtmpFront, rtmp_front, rtmp_values, serve_env
from tests.support.rtmp_publish import Publishers
from tests.support.server import ServerProcess
from tests.support.waiting import wait_until

HOOK_SECRET = "rtmp-hook-secret-for-the-test-0123"
ONLINE_TIMEOUT_S = 60.0
REFUSED_TIMEOUT_S = 30.0
DECODE_TIMEOUT_S = 30
HTTP_TIMEOUT_S = 10.0


@pytest.fixture
def push_stack(
    server_factory: Callable[..., ServerProcess], tmp_path: Path
) -> Iterator[tuple[ServerProcess, RtmpFront]]:
    """``streamfleet serve`` pulling pushes from nginx-rtmp, which asks it about each one."""
    values = rtmp_values(0, HOOK_SECRET)
    server = server_factory(env=serve_env(values))
    values["STREAMFLEET_API_UPSTREAM"] = f"127.0.0.1:{server.port}"
    front = rtmp_front(tmp_path / "nginx", values)
    checked = front.check()
    assert checked.returncode == 0, checked.stderr
    front.start()
    try:
        yield server, front
    finally:
        front.stop()


def create_push_channel(server: ServerProcess) -> dict[str, Any]:
    with server.client(timeout=HTTP_TIMEOUT_S) as client:
        response = client.post("/api/v1/channels", json={"name": "Cam", "ingest_mode": "push_rtmp"})
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def status_of(server: ServerProcess, channel_id: int) -> str:
    with server.client(timeout=HTTP_TIMEOUT_S) as client:
        return str(client.get(f"/api/v1/channels/{channel_id}").json()["state"]["status"])


def newest_segment(server: ServerProcess, slug: str) -> bytes | None:
    """The newest segment of the channel's live playlist, or ``None`` while it has none."""
    with httpx.Client(base_url=server.base_url, timeout=HTTP_TIMEOUT_S) as client:
        playlist = client.get(f"/hls/{slug}/index.m3u8")
        if playlist.status_code != 200:
            return None
        names = [line for line in playlist.text.splitlines() if line and line[0] != "#"]
        if not names:
            return None
        segment = client.get(f"/hls/{slug}/{names[-1]}")
        return segment.content if segment.status_code == 200 else None


async def test_a_push_with_the_right_key_brings_the_channel_online_and_a_wrong_key_is_refused(
    push_stack: tuple[ServerProcess, RtmpFront],
    publishers: Publishers,
    ffmpeg_path: str,
    tmp_path: Path,
) -> None:
    server, front = push_stack
    channel = create_push_channel(server)
    key = channel["stream_key"]
    assert channel["publish_url"] == f"{front.publish_base}/{key}"

    intruder = publishers.start(f"{front.publish_base}/not-the-key-{key[:4]}")
    code = await wait_until(
        lambda: intruder.poll() is not None, REFUSED_TIMEOUT_S, "the wrong key's publish to fail"
    )
    assert code
    assert intruder.returncode != 0
    assert status_of(server, channel["id"]) != "online"

    first = publishers.start(channel["publish_url"])
    await wait_until(
        lambda: status_of(server, channel["id"]) == "online",
        ONLINE_TIMEOUT_S,
        lambda: f"the channel online (nginx: {front.error_log()[-2000:]})",
    )
    first.kill()
    await wait_until(
        lambda: status_of(server, channel["id"]) == "offline",
        ONLINE_TIMEOUT_S,
        "the channel offline once its publisher left",
    )
    publishers.start(channel["publish_url"])
    await wait_until(
        lambda: status_of(server, channel["id"]) == "online",
        ONLINE_TIMEOUT_S,
        "the channel online again with the next publisher",
    )
    segment = await wait_until(
        lambda: newest_segment(server, channel["slug"]), ONLINE_TIMEOUT_S, "a live segment"
    )
    path = tmp_path / "segment.ts"
    path.write_bytes(segment)
    decoded = await asyncio.to_thread(
        subprocess.run,
        [ffmpeg_path, "-nostdin", "-v", "error", "-i", str(path), "-f", "null", "-"],
        capture_output=True,
        text=True,
        timeout=DECODE_TIMEOUT_S,
        check=False,
    )
    assert decoded.returncode == 0, decoded.stderr
    assert decoded.stderr == ""
    logs = server.stdout() + server.stderr() + front.error_log()
    assert key not in logs
    assert HOOK_SECRET not in logs
