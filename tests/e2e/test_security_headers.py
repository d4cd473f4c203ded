"""The dashboard in Chromium under its Content-Security-Policy, with signed playback on.

A ``serve`` with ``STREAMFLEET_PLAYBACK_SIGNING=true`` and two live channels: the wall shows
signed thumbnails and the channel page plays the signed stream, with no CSP violation
reported by the browser and no request to an unsigned media path.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import pytest
from playwright.async_api import Page, Request, expect

from streamfleet.api.security_headers import CONTENT_SECURITY_POLICY
from tests.e2e.conftest import all_online
from tests.support.media import Feeders, channel_url
from tests.support.server import ServerProcess, start_server
from tests.support.waiting import wait_until

CHANNELS: Final = 2
ONLINE_TIMEOUT_S: Final = 120.0
UI_TIMEOUT_MS: Final = 30_000
PLAYBACK_TIMEOUT_MS: Final = 60_000
RECORD_VIOLATIONS_JS: Final = """
    window.__cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) => {
        window.__cspViolations.push(`${e.effectiveDirective} ${e.blockedURI}`);
    });
"""
LOADED_THUMBNAILS_JS: Final = """
    () => [...document.querySelectorAll('a.tile img')]
        .filter((img) => img.complete && img.naturalWidth > 0)
        .map((img) => new URL(img.src).pathname)
"""


@dataclass(frozen=True)
class SignedWall:
    server: ServerProcess
    channels: list[dict[str, Any]]

    def url(self, path: str = "/") -> str:
        return f"{self.server.base_url}{path}"


@pytest.fixture(scope="module")
async def signed_wall(
    tmp_path_factory: pytest.TempPathFactory,
    ffmpeg_path: str,
    test_clip: Path,
    dashboard_built: None,
) -> AsyncIterator[SignedWall]:
    feeders = Feeders(ffmpeg_path, test_clip)
    server = start_server(
        tmp_path_factory.mktemp("signed-wall"), env={"STREAMFLEET_PLAYBACK_SIGNING": "true"}
    )
    try:
        server.wait_ready()
        async with server.async_client(timeout=10) as client:
            for number in range(1, CHANNELS + 1):
                feeder = await feeders.start()
                created = await client.post(
                    "/api/v1/channels",
                    json={
                        "name": f"Signed {number}",
                        "input_url": channel_url(feeder),
                        "thumbnail_interval_s": 5,
                    },
                )
                assert created.status_code == 201, created.text
        items = await wait_until(
            lambda: all_online(server, CHANNELS), ONLINE_TIMEOUT_S, "channels online"
        )
        yield SignedWall(server, items)
    finally:
        await feeders.close()
        server.stop()


def unsigned_media(requests: list[str]) -> list[str]:
    return [
        url
        for url in requests
        if ("/hls/" in url and "/hls/s/" not in url)
        or ("/thumbs/" in url and "/thumbs/s/" not in url)
    ]


async def test_the_wall_loads_signed_thumbnails_with_no_csp_violation(
    page: Page, signed_wall: SignedWall
) -> None:
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    await page.add_init_script(RECORD_VIOLATIONS_JS)
    response = await page.goto(signed_wall.url("/"))
    assert response is not None
    assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    await expect(page.locator("a.tile")).to_have_count(CHANNELS, timeout=UI_TIMEOUT_MS)
    await page.wait_for_function(
        f"() => ({LOADED_THUMBNAILS_JS})().length === {CHANNELS}", timeout=UI_TIMEOUT_MS
    )
    shown = await page.evaluate(LOADED_THUMBNAILS_JS)
    assert all(path.startswith("/thumbs/s/") for path in shown), shown
    assert await page.evaluate("window.__cspViolations") == []
    assert unsigned_media(requested) == []


async def test_the_channel_page_plays_the_signed_stream_with_no_csp_violation(
    page: Page, signed_wall: SignedWall
) -> None:
    channel = signed_wall.channels[0]
    media: list[str] = []

    def note(request: Request) -> None:
        if "/hls/" in request.url:
            media.append(request.url)

    page.on("request", note)
    await page.add_init_script(RECORD_VIOLATIONS_JS)
    await page.goto(signed_wall.url(f"/channels/{channel['id']}"))
    await page.wait_for_function(
        "() => { const v = document.querySelector('video'); return v && v.currentTime > 1 }",
        timeout=PLAYBACK_TIMEOUT_MS,
    )
    assert any(url.endswith(".ts") for url in media), media  # segments came, signed
    assert unsigned_media(media) == []
    assert await page.evaluate("window.__cspViolations") == []


async def test_every_dashboard_page_renders_with_no_csp_violation(
    page: Page, signed_wall: SignedWall
) -> None:
    """Each route of the router, loaded in full."""
    channel_id = signed_wall.channels[0]["id"]
    await page.add_init_script(RECORD_VIOLATIONS_JS)
    for path in (
        "/channels/new",
        f"/channels/{channel_id}/edit",
        "/import",
        "/alerts",
        "/targets",
        "/backups",
        "/users",
        "/tokens",
        "/audit",
        "/no-such-page",
    ):
        await page.goto(signed_wall.url(path))
        await expect(page.locator("main")).to_be_visible(timeout=UI_TIMEOUT_MS)
        await page.wait_for_load_state("networkidle")
        assert await page.evaluate("window.__cspViolations") == [], path
