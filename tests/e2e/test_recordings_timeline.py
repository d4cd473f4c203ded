"""The channel page's recordings timeline in Chromium: ranges, playback from a moment, export.

One recording channel on a looped test feed in a real ``streamfleet serve``; the page shows
its recorded range, a click on the range plays the archive from there in the page's player,
and a selected span exported from the page shows its progress and a download link that
serves an MP4.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Final

import httpx
from playwright.async_api import Page, expect

from tests.e2e.conftest import admin_headers
from tests.support.media import Feeders, channel_url
from tests.support.server import ServerProcess
from tests.support.waiting import wait_until

UI_TIMEOUT_MS: Final = 30_000
PLAYBACK_TIMEOUT_MS: Final = 60_000
EXPORT_TIMEOUT_MS: Final = 60_000
RECORDED_SEGMENTS: Final = 8
"""Segments of 2 s recorded before the page opens: enough for a 6 s export inside them."""


async def recorded_range(server: ServerProcess, cid: int) -> dict[str, Any] | None:
    async with httpx.AsyncClient(
        base_url=server.base_url, headers=admin_headers(server), timeout=5
    ) as client:
        body = (await client.get(f"/api/v1/channels/{cid}/recordings")).json()
    ranges: list[dict[str, Any]] = body["ranges"]
    return ranges[-1] if ranges and ranges[-1]["segments"] >= RECORDED_SEGMENTS else None


def local_input(moment: datetime) -> str:
    """``moment`` as the page's ``datetime-local`` inputs take it (the browser's zone is UTC)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")


async def test_the_timeline_shows_the_recording_plays_from_a_click_and_exports_a_span(
    page: Page, streamfleet_server: ServerProcess, feeders: Feeders, artifacts: Path
) -> None:
    server = streamfleet_server
    feeder = await feeders.start()
    async with httpx.AsyncClient(
        base_url=server.base_url, headers=admin_headers(server), timeout=10
    ) as client:
        created = await client.post(
            "/api/v1/channels",
            json={
                "name": "Recorded",
                "input_url": channel_url(feeder),
                "recording": True,
                "hls": {"segment_seconds": 2, "list_size": 3},
            },
        )
        assert created.status_code == 201, created.text
    cid = created.json()["id"]
    recorded = await wait_until(
        lambda: recorded_range(server, cid), 90, f"{RECORDED_SEGMENTS} recorded segments"
    )

    await page.goto(f"{server.base_url}/channels/{cid}")
    timeline = page.get_by_role("region", name="Recordings")
    await expect(timeline.get_by_test_id("timeline-range")).to_have_count(1, timeout=UI_TIMEOUT_MS)
    await expect(timeline.get_by_test_id("timeline-summary")).to_contain_text(
        "1 recorded range in view, 0 gaps"
    )

    # Zooming centres on the newest recording: the range stays in view, wider.
    bar = timeline.get_by_test_id("timeline-range")
    narrow = (await bar.bounding_box() or {"width": 0})["width"]
    for _ in range(6):
        await timeline.get_by_role("button", name="Zoom in").click()
    await expect(bar).to_have_count(1)
    wide = (await bar.bounding_box() or {"width": 0})["width"]
    assert wide > narrow * 4, (narrow, wide)
    await bar.click()

    await expect(page.get_by_test_id("archive-playing")).to_be_visible()
    await page.wait_for_function(
        "() => { const v = document.querySelector('video');"
        " return v && v.currentSrc !== '' && v.currentTime > 2 }",
        timeout=PLAYBACK_TIMEOUT_MS,
    )
    await page.screenshot(path=str(artifacts / "recordings-timeline.png"))

    span_from = datetime.fromisoformat(recorded["from"]) + timedelta(seconds=2)
    await timeline.locator("input[name=from]").fill(local_input(span_from))
    await timeline.locator("input[name=from]").dispatch_event("change")
    await timeline.locator("input[name=to]").fill(local_input(span_from + timedelta(seconds=6)))
    await timeline.locator("input[name=to]").dispatch_event("change")
    await timeline.get_by_role("button", name="Export MP4").click()

    job = timeline.get_by_test_id("export-job")
    await expect(job).to_contain_text("done", timeout=EXPORT_TIMEOUT_MS)
    await expect(job.locator("progress")).to_have_attribute("value", "100")
    link = job.get_by_role("link", name="Download")
    href = await link.get_attribute("href")
    assert href is not None
    download = await page.request.get(f"{server.base_url}{href}")
    assert download.status == 200
    body = await download.body()
    assert body[4:8] == b"ftyp", body[:16]
    await page.screenshot(path=str(artifacts / "recordings-export.png"))

    await page.get_by_role("button", name="Back to live").click()
    await expect(page.get_by_test_id("archive-playing")).to_have_count(0)
