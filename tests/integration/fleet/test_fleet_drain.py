"""Draining a worker of a real fleet (PostgreSQL, Redis, worker processes): its channels move
to the other workers one at a time, each stopped before it starts again elsewhere (never two
writers), each move recorded with the reason ``drained``; the drained worker gets nothing new;
with nowhere to go the channels stay and the drain waits."""

from __future__ import annotations

import asyncio
import itertools
import json
import sys
from collections.abc import Iterable
from typing import Any

import httpx
import websockets

from tests.integration.fleet.channels import create_channels, moves, online
from tests.integration.fleet.conftest import Fleet
from tests.support.media import Feeders
from tests.support.server import ServerProcess, child_env
from tests.support.waiting import wait_until
from tests.support.writers import WriterSamples, sampling

START_TIMEOUT_S = 60.0
DRAIN_TIMEOUT_S = 90.0
GAP_LIMIT_S = 2.0
"""The longest a moved channel may go without an FFmpeg writing it (its old one reaped, its
new one started), measured with the sampler's 0.2 s resolution."""
MEDIA_GAP_LIMIT_S = 6.0
"""From the old FFmpeg's last complete segment to the new one's first (1 s segments, 1 s apart
on a steady channel). Measured 2.3-4.2 s: the handover itself takes under 0.5 s, the rest is
the new FFmpeg opening its source and completing a first segment. A move that waited for a
heartbeat or two (2 s each) or a lease TTL (10 s) would exceed it; the margin is for a busy
machine."""


async def _live(fleet: Fleet, names: set[str]) -> bool:
    return await fleet.live_workers() == names


def _workers(api: ServerProcess) -> dict[str, dict[str, Any]]:
    answer = httpx.get(f"{api.base_url}/api/v1/workers", headers=api.headers)
    assert answer.status_code == 200, answer.text
    return {item["id"]: item for item in answer.json()["items"]}


def _handoffs(writers: WriterSamples, slugs: Iterable[str]) -> list[tuple[str, float, float]]:
    """Each moved channel's one change of writer, by time."""
    spans = []
    for slug in slugs:
        handoffs = writers.handoffs(slug)
        assert len(handoffs) == 1, f"{slug}: {len(handoffs)} changes of writer: {handoffs}"
        spans.append((slug, *handoffs[0]))
    return sorted(spans, key=lambda span: span[1])


def _one_at_a_time(writers: WriterSamples, spans: list[tuple[str, float, float]]) -> None:
    """The moves did not overlap, each left its channel without a writer only briefly, and
    the media resumed within ``MEDIA_GAP_LIMIT_S``."""
    for (slug, _start, end), (_next, next_start, _end) in itertools.pairwise(spans):
        assert next_start >= end, f"{slug}'s move overlapped the next: {spans}"
    for slug, start, end in spans:
        (media_gap_s,) = writers.segment_gaps(slug)
        print(
            f"drain gap {slug}: at most {end - start:.2f} s without a writer, "
            f"{media_gap_s:.2f} s from the old FFmpeg's last segment to the new one's first"
        )
        assert end - start <= GAP_LIMIT_S, f"{slug} had no writer for {end - start:.2f} s"
        assert media_gap_s <= MEDIA_GAP_LIMIT_S, f"{slug}: {media_gap_s:.2f} s between segments"


async def _new_segments(writers: WriterSamples, slugs: list[str]) -> None:
    """Wait until each moved channel's new FFmpeg has completed a segment."""
    await wait_until(
        lambda: all(writers.segment_gaps(slug) for slug in slugs),
        START_TIMEOUT_S,
        lambda: f"a first segment from each new FFmpeg: {[writers.segment_gaps(s) for s in slugs]}",
    )


async def _drain_by_cli(fleet: Fleet, worker: str) -> tuple[int, str]:
    command = [sys.executable, "-m", "streamfleet", "worker", "drain", worker]
    process = await asyncio.create_subprocess_exec(
        *command, env=child_env(**fleet.env()), stdout=asyncio.subprocess.PIPE
    )
    out, _ = await asyncio.wait_for(process.communicate(), DRAIN_TIMEOUT_S)
    assert process.returncode is not None
    return process.returncode, out.decode()


async def test_a_cli_drain_moves_every_channel_off_one_at_a_time_and_takes_nothing_new(
    fleet: Fleet, feeders: Feeders
) -> None:
    """2 workers, 4 channels (2 each): ``streamfleet worker drain w1`` returns once w2 runs all
    four; w1's two moved one after the other, each gap short, never two writers; the moves are
    in the channels' histories and on the WebSocket; a new channel then goes to w2 although w1
    runs none."""
    fleet.worker("w1")
    fleet.worker("w2")
    api = fleet.start("api")
    await wait_until(lambda: _live(fleet, {"w1", "w2"}), START_TIMEOUT_S, "two live workers")
    ids = await create_channels(api, feeders, [f"Drain {n}" for n in range(4)])
    items = await wait_until(lambda: online(api, 4), START_TIMEOUT_S, "4 channels online")
    holders = await fleet.holders()
    on_w1 = sorted(cid for cid, worker in holders.items() if worker == "w1")
    assert len(on_w1) == 2, holders
    events: list[dict[str, Any]] = []
    async with (
        websockets.connect(api.ws_url, additional_headers=api.headers) as socket,
        sampling(fleet.data_dir / "hls") as writers,
    ):
        listener = asyncio.create_task(_collect(socket, events))
        code, out = await _drain_by_cli(fleet, "w1")
        assert code == 0, out
        lines = out.splitlines()
        assert (lines[0], lines[-1]) == ("w1: draining", "w1: drained")
        await wait_until(lambda: online(api, 4), START_TIMEOUT_S, "all 4 online again")
        await wait_until(lambda: _moved_seen(events, on_w1), 10, "channel_moved on the WebSocket")
        await _new_segments(writers, [items[cid]["slug"] for cid in on_w1])
        listener.cancel()
    assert set((await fleet.holders()).values()) == {"w2"}
    assert not writers.doubles, f"two FFmpegs on one channel at once: {writers.doubles[:3]}"
    _one_at_a_time(writers, _handoffs(writers, [items[cid]["slug"] for cid in on_w1]))
    for cid in on_w1:
        (move,) = moves(api, cid)
        assert (move["reason"], move["worker"], move["data"]["from"]) == ("drained", "w2", "w1")
    assert all(moves(api, cid) == [] for cid in ids if cid not in on_w1)

    (newcomer,) = await create_channels(api, feeders, ["After the drain"])
    placed = await wait_until(
        lambda: _holder(fleet, newcomer), START_TIMEOUT_S, "the new channel placed"
    )
    assert placed == "w2"
    listed = _workers(api)
    assert (listed["w1"]["draining"], listed["w1"]["drain_state"]) == (True, "drained")
    assert (listed["w1"]["channel_count"], listed["w2"]["channel_count"]) == (0, 5)


async def test_an_api_drain_waits_while_no_worker_can_take_a_channel_then_moves_them(
    fleet: Fleet, feeders: Feeders
) -> None:
    """One worker, 2 channels: drained through the API, its channels stay online where they
    are (``waiting``); a second worker joins and both move to it, one at a time."""
    w1 = fleet.worker("w1")
    api = fleet.start("api")
    await wait_until(lambda: _live(fleet, {"w1"}), START_TIMEOUT_S, "a live worker")
    ids = await create_channels(api, feeders, ["Stay 1", "Stay 2"])
    items = await wait_until(lambda: online(api, 2), START_TIMEOUT_S, "2 channels online")
    async with api.async_client() as client:
        asked = await client.post("/api/v1/workers/w1/drain")
    assert asked.status_code == 202, asked.text
    assert (asked.json()["drain_state"], asked.json()["channel_count"]) == ("waiting", 2)
    await wait_until(
        lambda: _metric(w1, "streamfleet_worker_drain_waiting") == 1.0,
        10,
        "w1 reports its drain waiting",
    )
    assert _workers(api)["w1"]["drain_state"] == "waiting"
    assert online(api, 2) is not None
    assert set((await fleet.holders()).values()) == {"w1"}

    async with sampling(fleet.data_dir / "hls") as writers:
        await asyncio.to_thread(fleet.worker, "w2")  # the sampler goes on while it starts
        await wait_until(lambda: _all_on(fleet, ids, "w2"), DRAIN_TIMEOUT_S, "both channels on w2")
        await wait_until(lambda: online(api, 2), START_TIMEOUT_S, "both online on w2")
        await _new_segments(writers, [items[cid]["slug"] for cid in ids])
    assert not writers.doubles, f"two FFmpegs on one channel at once: {writers.doubles[:3]}"
    _one_at_a_time(writers, _handoffs(writers, [items[cid]["slug"] for cid in ids]))
    assert [m["reason"] for cid in ids for m in moves(api, cid)] == ["drained", "drained"]
    assert _workers(api)["w1"]["drain_state"] == "drained"
    assert _metric(w1, "streamfleet_worker_draining") == 1.0


def _metric(worker: ServerProcess, name: str) -> float | None:
    text = httpx.get(f"{worker.base_url}/metrics").text
    for line in text.splitlines():
        if line.startswith(f"{name}{{"):
            return float(line.rsplit(" ", 1)[1])
    return None


async def _holder(fleet: Fleet, channel_id: int) -> str | None:
    return (await fleet.holders()).get(channel_id)


async def _all_on(fleet: Fleet, ids: list[int], worker: str) -> bool:
    holders = await fleet.holders()
    return all(holders.get(cid) == worker for cid in ids)


def _moved_seen(events: list[dict[str, Any]], ids: list[int]) -> bool:
    seen = {
        e["data"]["id"]
        for e in events
        if e["type"] == "channel_moved" and e["data"]["reason"] == "drained"
    }
    return seen == set(ids)


async def _collect(socket: Any, events: list[dict[str, Any]]) -> None:
    try:
        async for message in socket:
            sent = json.loads(message)
            events.extend(sent if isinstance(sent, list) else [sent])
    except websockets.ConnectionClosed:
        return
