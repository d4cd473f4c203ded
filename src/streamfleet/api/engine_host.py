"""How ``streamfleet serve`` hosts the stream engine: the one engine factory of the app.

The engine imports nothing of the database; this module joins them: it loads
the channels through the repository, seeds the demo channels into an empty
database when the demo is on, and hands the ``EventRepository`` to the engine
as its ``StatusSink``.
"""

from __future__ import annotations

import structlog

from streamfleet.api.app import EngineContext
from streamfleet.db.repositories.channels import ChannelRepository
from streamfleet.domain.channel import Channel
from streamfleet.domain.channel_rules import ChannelSpec
from streamfleet.engine.demo import DemoChannelSpec, demo_channels
from streamfleet.engine.hosted import HostedEngine

log = structlog.get_logger()


def hosted_engine(ctx: EngineContext) -> HostedEngine:
    """The ``EngineFactory`` that ``serve`` passes to ``create_app``."""

    async def load_channels() -> list[Channel]:
        if ctx.settings.demo and await ctx.channels.count() == 0:
            await seed_demo_channels(ctx.channels, demo_channels(ctx.settings))
        return await ctx.channels.all()

    return HostedEngine(ctx.settings, ctx.bus, ctx.events, load_channels=load_channels)


async def seed_demo_channels(channels: ChannelRepository, specs: list[DemoChannelSpec]) -> None:
    """Create the demo channels (the database is empty: a newcomer's first start)."""
    for spec in specs:
        await channels.create(
            ChannelSpec(
                name=spec.name, input_url=spec.input_url, tags=spec.tags, profile=spec.profile
            )
        )
    log.info("demo.channels_created", count=len(specs))
