"""The demo: four channels on local synthetic feeds, live with no setup, as the app hosts it."""

from __future__ import annotations

from pathlib import Path

from streamfleet.domain.channel import Channel
from streamfleet.domain.slug import slugify
from streamfleet.domain.status import Status
from streamfleet.domain.url_policy import is_allowed_input_url
from streamfleet.engine.builder import assemble_engine
from streamfleet.engine.demo import DEMO_FEEDS, DemoFeeds, demo_channels
from streamfleet.engine.status_sink import MemorySink
from streamfleet.events.bus import InProcessBus
from tests.integration.engine.conftest import engine_settings
from tests.support.media import free_udp_port_block
from tests.support.processes import alive
from tests.support.waiting import wait_until


async def test_the_four_demo_channels_go_online_on_their_synthetic_feeds(tmp_path: Path) -> None:
    settings = engine_settings(
        tmp_path / "data", demo=True, demo_port_base=free_udp_port_block(len(DEMO_FEEDS))
    )
    specs = demo_channels(settings)
    assert len(specs) == 4
    assert all(is_allowed_input_url(s.input_url) for s in specs)
    assert len({s.input_url for s in specs}) == 4
    channels = [
        Channel(id=i + 1, slug=slugify(s.name), name=s.name, input_url=s.input_url, tags=s.tags)
        for i, s in enumerate(specs)
    ]

    async def load() -> list[Channel]:
        return channels

    engine = assemble_engine(settings, InProcessBus(), MemorySink(), load)
    pids: list[int] = []
    try:
        await engine.start()
        assert engine.demo_feeds is not None
        pids = [f.pid for f in engine.demo_feeds.feeders if f.pid is not None]
        assert len(pids) == 4
        await wait_until(
            lambda: all(
                (s := engine.supervisor.state(c.id)) is not None and s.status is Status.ONLINE
                for c in channels
            ),
            30,
            lambda: f"the demo online ({[engine.supervisor.state(c.id) for c in channels]})",
        )
    finally:
        await engine.stop()
    assert not any(alive(pid) for pid in pids)

    clips = sorted(p.name for p in (settings.data_dir.resolve() / "demo").glob("*.ts"))
    assert len(clips) == 4
    again = DemoFeeds(settings)  # a second start reuses the clips
    await again.start()
    await again.stop()
    assert sorted(p.name for p in (settings.data_dir.resolve() / "demo").glob("*.ts")) == clips


async def test_no_demo_feed_runs_when_the_demo_is_off(tmp_path: Path) -> None:
    settings = engine_settings(tmp_path / "data", demo=False)
    channels = [Channel(id=1, slug="d", name="d", input_url=demo_channels(settings)[0].input_url)]

    async def load() -> list[Channel]:
        return channels

    engine = assemble_engine(settings, InProcessBus(), None, load)
    await engine.start()
    try:
        assert engine.demo_feeds is None
    finally:
        await engine.stop()
