"""On a fleet, a worker makes JPEGs only for its channels some dashboard has on screen, on any
API node: none while nobody watches, the shown tile's renewed while it is shown, none after the
dashboard leaves; with Redis down it shows every channel, as before tiles crossed the fleet."""

from __future__ import annotations

import time
from pathlib import Path

import httpx

from tests.integration.fleet.conftest import Fleet
from tests.support.media import Feeders, channel_url
from tests.support.server import ServerProcess
from tests.support.waiting import wait_until
from tests.support.wall_viewer import showing_tiles

INTERVAL_S = 1
"""The channels' thumbnail interval."""
MEDIA_TIMEOUT_S = 60.0
"""A new channel's FFmpeg starts, writes its first segments, and the worker reads one."""
SHOWN_TIMEOUT_S = 20.0
"""A tile shown (or not any more) reaches the worker at its next follow, every 2 s."""
STALE_AGE_S = 5 * INTERVAL_S
"""A JPEG this old is not renewed any more."""
POLL_S = 0.25


async def test_a_worker_makes_jpegs_only_of_the_tiles_a_dashboard_shows(
    fleet: Fleet, feeders: Feeders
) -> None:
    """No dashboard: no JPEG although both channels' segments were read (their media info is
    on the API node); one tile shown: its JPEG appears and is renewed, the other never does;
    the dashboard gone: the renewals stop."""
    fleet.worker("thumbs")
    api = fleet.start("api")
    shown, hidden = await _two_channels_read(api, feeders)
    assert _drawn(fleet, shown, hidden) == []

    async with showing_tiles(api.base_url, [shown], headers=api.headers):
        first = await wait_until(lambda: _mtime(fleet, shown), SHOWN_TIMEOUT_S, "a JPEG")
        await wait_until(
            lambda: (_mtime(fleet, shown) or 0) > first, SHOWN_TIMEOUT_S, "a renewed JPEG"
        )
        assert _drawn(fleet, hidden) == []  # read every interval, never drawn

    await wait_until(
        lambda: time.time() - (_mtime(fleet, shown) or 0) > STALE_AGE_S,
        SHOWN_TIMEOUT_S + STALE_AGE_S,
        "the shown tile's JPEG no longer renewed",
        POLL_S,
    )
    assert _drawn(fleet, hidden) == []


async def test_with_redis_down_a_worker_makes_jpegs_of_all_its_channels(
    fleet: Fleet, feeders: Feeders
) -> None:
    """Nobody watching and Redis stopped: the worker cannot know, and shows both channels;
    Redis back: it knows again that nobody watches, and stops."""
    worker = fleet.worker("thumbs")
    api = fleet.start("api")
    first, second = await _two_channels_read(api, feeders)
    assert _drawn(fleet, first, second) == []

    fleet.redis.stop()
    await wait_until(
        lambda: _mtime(fleet, first) and _mtime(fleet, second),
        SHOWN_TIMEOUT_S,
        "a JPEG of both channels",
        POLL_S,
    )
    assert worker.process.poll() is None
    assert api.process.poll() is None

    fleet.redis.start()
    await wait_until(
        lambda: all(time.time() - (_mtime(fleet, s) or 0) > STALE_AGE_S for s in (first, second)),
        SHOWN_TIMEOUT_S + STALE_AGE_S,
        "both JPEGs no longer renewed",
        POLL_S,
    )


async def _two_channels_read(api: ServerProcess, feeders: Feeders) -> tuple[str, str]:
    """Two channels with a thumbnail every ``INTERVAL_S``, once the worker has read both."""
    slugs = []
    async with api.async_client() as client:
        for name in ("Shown", "Hidden"):
            feeder = await feeders.start()
            body = {
                "name": name,
                "input_url": channel_url(feeder),
                "thumbnail_interval_s": INTERVAL_S,
            }
            created = await client.post("/api/v1/channels", json=body)
            assert created.status_code == 201, created.text
            slugs.append(created.json()["slug"])
    await wait_until(lambda: _all_read(api), MEDIA_TIMEOUT_S, "both channels' media info", POLL_S)
    return slugs[0], slugs[1]


def _all_read(api: ServerProcess) -> bool:
    answer = httpx.get(f"{api.base_url}/api/v1/channels", headers=api.headers)
    assert answer.status_code == 200, answer.text
    items = answer.json()["items"]
    return len(items) == 2 and all(item["media_info"] for item in items)


def _jpeg(fleet: Fleet, slug: str) -> Path:
    return fleet.data_dir / "thumbs" / f"{slug}.jpg"


def _drawn(fleet: Fleet, *slugs: str) -> list[str]:
    """Those of ``slugs`` that have a JPEG."""
    return [slug for slug in slugs if _jpeg(fleet, slug).exists()]


def _mtime(fleet: Fleet, slug: str) -> float | None:
    try:
        return _jpeg(fleet, slug).stat().st_mtime
    except FileNotFoundError:
        return None
