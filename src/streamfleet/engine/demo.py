"""The demo a newcomer sees at once: four channels on local synthetic feeds.

    specs = demo_channels(settings)           # plain data: create them through the repository
    feeds = DemoFeeds(settings)
    await feeds.start()                       # clips generated once into data_dir/demo, then looped
    ...
    await feeds.stop()

Each demo channel pulls ``udp://127.0.0.1:<demo_port_base + i>``, which its
feeder fills with a looped lavfi clip (``-c copy``, about 1 % of a core each).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Final

from streamfleet.config import Settings
from streamfleet.engine.process import Spawner
from streamfleet.engine.test_sources import Feeder, ensure_clip
from streamfleet.media.test_pattern_args import PatternSpec, udp_feed_url


@dataclass(frozen=True, slots=True)
class DemoChannelSpec:
    """A demo channel as plain data (what ``POST /api/v1/channels`` would take)."""

    name: str
    input_url: str
    tags: tuple[str, ...]
    profile: str = "copy"


@dataclass(frozen=True, slots=True)
class DemoFeed:
    name: str
    pattern: PatternSpec
    tags: tuple[str, ...]


LIFE: Final = "life=mold=10:ratio=0.1:life_color=#00ff80:death_color=#283c78"
"""Conway's life in colour, slowly moulding (the plain ``life`` looks like static at 960x540)."""

DEMO_FEEDS: Final[tuple[DemoFeed, ...]] = (
    DemoFeed(
        "Demo Test Pattern",
        PatternSpec("testsrc2", 960, 540, tone_hz=1000, video_kbps=1500),
        ("demo", "pattern"),
    ),
    DemoFeed(
        "Demo Gradients",
        PatternSpec("gradients", 960, 540, tone_hz=440, video_kbps=1500),
        ("demo", "motion"),
    ),
    DemoFeed(
        "Demo Life", PatternSpec(LIFE, 960, 540, tone_hz=660, video_kbps=1500), ("demo", "motion")
    ),
    DemoFeed(
        "Demo Colour Bars",
        PatternSpec("smptehdbars", 960, 540, tone_hz=1000, video_kbps=800),
        ("demo", "bars"),
    ),
)


def demo_port(settings: Settings, index: int) -> int:
    return settings.demo_port_base + index


def demo_channels(settings: Settings) -> list[DemoChannelSpec]:
    """The demo channels' specs, in display order."""
    return [
        DemoChannelSpec(feed.name, f"udp://127.0.0.1:{demo_port(settings, i)}", feed.tags)
        for i, feed in enumerate(DEMO_FEEDS)
    ]


class DemoFeeds:
    """The feeders behind ``demo_channels()``; each is restarted if it ever exits."""

    def __init__(self, settings: Settings, spawner: Spawner | None = None) -> None:
        self.settings = settings
        self.spawner = spawner or Spawner()
        self.feeders: list[Feeder] = []

    async def start(self) -> None:
        ffmpeg = self.settings.resolved_ffmpeg_path()
        directory = self.settings.data_dir.resolve() / "demo"
        clips = await asyncio.gather(
            *(ensure_clip(self.spawner, ffmpeg, feed.pattern, directory) for feed in DEMO_FEEDS)
        )
        self.feeders = [
            Feeder(
                self.spawner,
                ffmpeg,
                clip,
                udp_feed_url(demo_port(self.settings, i)),
                keep_alive=True,
            )
            for i, clip in enumerate(clips)
        ]
        await asyncio.gather(*(f.start() for f in self.feeders))

    async def stop(self) -> None:
        await asyncio.gather(*(f.stop() for f in self.feeders))
        self.feeders = []
