"""With an engine in the process, the API starts it, tells it every change, and shows its state."""

from __future__ import annotations

from collections.abc import AsyncIterator, Collection
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from streamfleet.domain.channel import Channel
from streamfleet.domain.status import Status
from streamfleet.engine.builder import EngineContext
from streamfleet.engine.control import ChannelState, EngineStats
from streamfleet.media.probe_report import ProbeReport
from tests.support.server import ApiClient, api_client_for, settings_for_test

SINCE = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


class RecordingEngine:
    """An engine that runs nothing and writes down what it was asked (a test double)."""

    def __init__(self, context: EngineContext) -> None:
        self.context = context
        self.calls: list[tuple[str, object]] = []
        self.running: dict[int, Channel] = {}
        self.started_with: list[Channel] = []

    async def start(self) -> None:
        self.started_with = await self.context.channels.all(enabled_only=True)
        self.calls.append(("start", None))

    async def stop(self) -> None:
        self.calls.append(("stop", None))

    async def start_channel(self, channel: Channel) -> None:
        self.calls.append(("start_channel", channel.id))
        self.running[channel.id] = channel

    async def stop_channel(self, channel_id: int) -> None:
        self.calls.append(("stop_channel", channel_id))
        self.running.pop(channel_id, None)

    async def restart_channel(self, channel: Channel) -> None:
        self.calls.append(("restart_channel", channel.id))
        self.running[channel.id] = channel

    async def apply(self, channel: Channel) -> None:
        self.calls.append(("apply", channel.id))

    async def forget(self, channel_id: int) -> None:
        self.calls.append(("forget", channel_id))

    async def states(self, channel_ids: Collection[int]) -> dict[int, ChannelState]:
        state = ChannelState(
            Status.ONLINE, SINCE, reason="segments advancing", pid=4242, metrics={"fps": 25.0}
        )
        return {cid: state for cid in channel_ids if cid in self.running}

    async def media_info(self, slugs: Collection[str]) -> dict[str, dict[str, Any]]:
        return {}

    async def log_tail(self, channel_id: int) -> list[str]:
        return ["Input #0, mpegts, from 'rtmp://user:leaky-secret@src/live':", "frame=1"]

    async def stats(self) -> EngineStats:
        return EngineStats(thumbnail_cpu_s=1.5)

    async def probe_source(self, url: str) -> ProbeReport:
        self.calls.append(("probe_source", url))
        return ProbeReport(False, error="not probed by the recording engine")

    async def set_visible_tiles(self, client_id: str, slugs: frozenset[str]) -> None:
        self.calls.append(("set_visible_tiles", slugs))

    async def viewer_left(self, client_id: str) -> None:
        self.calls.append(("viewer_left", None))

    async def exports_queued(self) -> None:
        self.calls.append(("exports_queued", None))


@pytest.fixture
async def engine_api(tmp_path: Path) -> AsyncIterator[tuple[ApiClient, list[RecordingEngine]]]:
    engines: list[RecordingEngine] = []

    def factory(context: EngineContext) -> RecordingEngine:
        engine = RecordingEngine(context)
        engines.append(engine)
        return engine

    async with api_client_for(settings_for_test(tmp_path), engine_factory=factory) as client:
        yield client, engines
    assert engines[0].calls[-1] == ("stop", None)


async def test_the_engine_is_started_with_the_app_and_told_of_every_change(
    engine_api: tuple[ApiClient, list[RecordingEngine]],
) -> None:
    api, (engine,) = engine_api
    assert engine.calls == [("start", None)]
    created = (
        await api.post("/api/v1/channels", json={"name": "A", "input_url": "udp://239.0.0.1:1"})
    ).json()
    await api.patch(f"/api/v1/channels/{created['id']}", json={"name": "B"})
    await api.delete(f"/api/v1/channels/{created['id']}")
    assert engine.calls[1:] == [
        ("apply", created["id"]),
        ("apply", created["id"]),
        ("forget", created["id"]),
    ]


async def test_actions_reach_the_engine_and_keep_the_wanted_state(
    engine_api: tuple[ApiClient, list[RecordingEngine]],
) -> None:
    api, (engine,) = engine_api
    created = (
        await api.post("/api/v1/channels", json={"name": "A", "input_url": "udp://239.0.0.1:1"})
    ).json()
    channel_id = created["id"]

    started = await api.post(f"/api/v1/channels/{channel_id}/start")
    assert started.status_code == 202
    state = started.json()["state"]
    assert (state["status"], state["pid"], state["metrics"]) == ("online", 4242, {"fps": 25.0})

    stopped = await api.post(f"/api/v1/channels/{channel_id}/stop")
    assert stopped.status_code == 202
    assert stopped.json()["enabled"] is False
    assert stopped.json()["state"]["status"] == "stopped"

    restarted = await api.post(f"/api/v1/channels/{channel_id}/restart")
    assert restarted.json()["enabled"] is True
    assert [c for c in engine.calls if c[0].endswith("_channel")] == [
        ("start_channel", channel_id),
        ("stop_channel", channel_id),
        ("restart_channel", channel_id),
    ]
    assert (await api.post("/api/v1/channels/999/start")).status_code == 404


async def test_the_channel_log_comes_from_the_engine_without_secrets(
    engine_api: tuple[ApiClient, list[RecordingEngine]],
) -> None:
    api, _ = engine_api
    created = (
        await api.post("/api/v1/channels", json={"name": "A", "input_url": "udp://239.0.0.1:1"})
    ).json()
    lines = (await api.get(f"/api/v1/channels/{created['id']}/log")).json()["lines"]
    assert lines == ["Input #0, mpegts, from 'rtmp://***@src/live':", "frame=1"]


async def test_the_probe_and_the_thumbnail_cpu_come_from_the_engine(
    engine_api: tuple[ApiClient, list[RecordingEngine]],
) -> None:
    api, (engine,) = engine_api
    report = (await api.post("/api/v1/probe", json={"url": "udp://127.0.0.1:1234"})).json()
    assert report["error"] == "not probed by the recording engine"
    assert ("probe_source", "udp://127.0.0.1:1234") in engine.calls
    metrics = (await api.get("/metrics")).text
    assert "streamfleet_thumbnail_cpu_seconds_total 1.5" in metrics.splitlines()


def m3u(*names: str, port: int = 24001) -> str:
    entries = [f"#EXTINF:-1,{name}\nudp://127.0.0.1:{port + i}" for i, name in enumerate(names)]
    return "#EXTM3U\n" + "\n".join(entries) + "\n"


async def test_an_import_beyond_the_capacity_says_how_many_channels_wait_queued(
    tmp_path: Path,
) -> None:
    """Capacity 3 with 2 enabled channels: importing 4 leaves 3 of them queued (a dry run says
    they would be); within the capacity the answer has no warning."""
    settings = settings_for_test(tmp_path, engine_capacity=3)
    async with api_client_for(settings, engine_factory=RecordingEngine) as api:
        for name in ("A", "B"):
            await api.post(
                "/api/v1/channels", json={"name": name, "input_url": "udp://127.0.0.1:9"}
            )
        await api.post(
            "/api/v1/channels",
            json={"name": "Off", "input_url": "udp://127.0.0.1:9", "enabled": False},
        )
        url = "/api/v1/channels/import?format=m3u"

        preview = (await api.post(url + "&dry_run=true", content=m3u("1", "2", "3", "4"))).json()
        assert (preview["dry_run"], preview["queued"]) == (True, 3)
        assert preview["warnings"] == [
            "6 enabled channels exceed this server's capacity of 3 (STREAMFLEET_ENGINE_CAPACITY): "
            "3 of the imported channels would wait queued until running channels stop"
        ]

        done = (await api.post(url, content=m3u("1", "2", "3", "4"))).json()
        assert (done["imported"], done["queued"]) == (4, 3)
        assert "3 of the imported channels wait queued" in done["warnings"][0]

    roomy = settings_for_test(tmp_path / "roomy", engine_capacity=60)
    async with api_client_for(roomy, engine_factory=RecordingEngine) as api:
        answer = (await api.post("/api/v1/channels/import?format=m3u", content=m3u("x"))).json()
        assert (answer["imported"], answer["queued"], answer["warnings"]) == (1, 0, [])
