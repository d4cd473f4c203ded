"""A box asked for far more channels than it can run stays responsive: an M3U of 1 000
enabled channels imported into a real ``streamfleet serve`` runs at most its capacity of
FFmpeg children, queues the rest, and ``GET /api/v1/channels?limit=50`` keeps answering
in well under a second (p99) during and after the import.

Every source is ``udp://127.0.0.1:<port>``: a listener on loopback that nobody sends to
(FFmpeg's UDP input only binds and receives), so the test sends nothing anywhere.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path

from tests.support.media import free_udp_ports
from tests.support.processes import descendants
from tests.support.server import ServerProcess
from tests.support.waiting import wait_until

CHANNELS = 1000
CAPACITY = 8
P99_BUDGET_S = 1.0
WATCH_AFTER_IMPORT_S = 10.0
"""How long the list keeps being measured once the import has answered."""
IMPORT_TIMEOUT_S = 120.0
SETTLE_TIMEOUT_S = 60.0


def playlist(ports: list[int]) -> str:
    lines = ["#EXTM3U"]
    for number, port in enumerate(ports, start=1):
        lines += [f'#EXTINF:-1 group-title="Load",Load {number:04d}', f"udp://127.0.0.1:{port}"]
    return "\n".join(lines) + "\n"


def ffmpeg_children(server: ServerProcess) -> list[int]:
    """The server's FFmpeg processes (its descendants named ffmpeg…)."""
    found = []
    for pid in descendants(server.process.pid):
        try:
            comm = Path(f"/proc/{pid}/comm").read_text().strip()
        except OSError:
            continue
        if comm.startswith("ffmpeg"):
            found.append(pid)
    return found


def p99(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]


async def test_an_import_of_1000_channels_queues_beyond_capacity_and_the_list_stays_fast(
    server_factory: Callable[..., ServerProcess],
) -> None:
    server = server_factory(
        env={
            "STREAMFLEET_ENGINE_CAPACITY": str(CAPACITY),
            "STREAMFLEET_INPUT_TIMEOUT_S": "60",  # silent listeners keep their one child
            "STREAMFLEET_STARTUP_TIMEOUT_S": "120",
            "STREAMFLEET_LOG_LEVEL": "warning",
        }
    )
    text = playlist(free_udp_ports(CHANNELS))
    latencies: list[float] = []
    most_children = 0
    imported = asyncio.Event()

    async with server.async_client(timeout=30.0) as client:

        async def measure() -> None:
            nonlocal most_children
            until: float | None = None
            while until is None or time.monotonic() < until:
                started = time.monotonic()
                answer = await client.get("/api/v1/channels", params={"limit": 50})
                latencies.append(time.monotonic() - started)
                assert answer.status_code == 200, answer.text
                most_children = max(most_children, len(ffmpeg_children(server)))
                if until is None and imported.is_set():
                    until = time.monotonic() + WATCH_AFTER_IMPORT_S

        watcher = asyncio.create_task(measure())
        import_started = time.monotonic()
        try:
            answer = await client.post(
                "/api/v1/channels/import",
                params={"format": "m3u"},
                content=text,
                timeout=IMPORT_TIMEOUT_S,
            )
        finally:
            imported.set()
        import_s = time.monotonic() - import_started
        assert answer.status_code == 200, answer.text
        result = answer.json()

        assert result["imported"] == CHANNELS
        assert result["queued"] == CHANNELS - CAPACITY
        assert "capacity of 8" in result["warnings"][0]

        async def queued_are_recorded() -> bool:
            page = await client.get("/api/v1/channels", params={"status": "queued", "limit": 1})
            return bool(page.json()["total"] == CHANNELS - CAPACITY)

        await wait_until(queued_are_recorded, SETTLE_TIMEOUT_S, "the queued channels recorded")
        settled_s = time.monotonic() - import_started
        await watcher
        queued_items = (
            await client.get("/api/v1/channels", params={"status": "queued", "limit": 1})
        ).json()["items"]
        assert queued_items[0]["state"]["pid"] is None
        assert queued_items[0]["state"]["reason"].startswith("waiting for a free slot")

    children = ffmpeg_children(server)
    print(
        f"{CHANNELS} channels, capacity {CAPACITY}: import answered in {import_s:.1f} s, "
        f"queued statuses stored after {settled_s:.1f} s; GET /channels?limit=50 "
        f"p99 {p99(latencies) * 1000:.0f} ms, max {max(latencies) * 1000:.0f} ms over "
        f"{len(latencies)} requests; most FFmpeg children seen {most_children}, now {len(children)}"
    )
    assert most_children <= CAPACITY
    assert len(children) <= CAPACITY
    assert len(latencies) >= 20
    assert p99(latencies) < P99_BUDGET_S
