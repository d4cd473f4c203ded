"""The engine as the app hosts it: ``start()``/``stop()`` without arguments, plus ``EngineControl``.

    engine_factory = lambda ctx: HostedEngine(
        ctx.settings, ctx.bus, ctx.events, load_channels=lambda: ctx.channels.all()
    )

``start()`` loads the channels (all of them: disabled ones are registered as
``stopped``), starts the demo feeds when the settings allow the demo and a
loaded channel pulls a demo feed, then starts every enabled channel at once.
``stop()`` stops every child and the feeds.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable

from streamfleet.config import Settings
from streamfleet.domain.channel import Channel
from streamfleet.engine.control import ChannelState
from streamfleet.engine.demo import DemoFeeds, demo_channels
from streamfleet.engine.status_sink import StatusSink
from streamfleet.engine.supervisor import Supervisor
from streamfleet.events.bus import EventBus


class HostedEngine:
    def __init__(
        self,
        settings: Settings,
        bus: EventBus,
        sink: StatusSink | None,
        load_channels: Callable[[], Awaitable[Iterable[Channel]]],
    ) -> None:
        self.settings = settings
        self.supervisor = Supervisor(settings, bus, sink)
        self.load_channels = load_channels
        self.demo_feeds: DemoFeeds | None = None

    async def start(self) -> None:
        channels = list(await self.load_channels())
        demo_urls = {spec.input_url for spec in demo_channels(self.settings)}
        if self.settings.demo and any(c.input_url in demo_urls for c in channels):
            self.demo_feeds = DemoFeeds(self.settings, self.supervisor.ctx.spawner)
            await self.demo_feeds.start()
        await self.supervisor.start(channels)

    async def stop(self) -> None:
        await self.supervisor.shutdown()
        if self.demo_feeds is not None:
            await self.demo_feeds.stop()

    # EngineControl, delegated --------------------------------------------------------------

    async def start_channel(self, channel: Channel) -> None:
        await self.supervisor.start_channel(channel)

    async def stop_channel(self, channel_id: int) -> None:
        await self.supervisor.stop_channel(channel_id)

    async def restart_channel(self, channel: Channel) -> None:
        await self.supervisor.restart_channel(channel)

    async def apply(self, channel: Channel) -> None:
        await self.supervisor.apply(channel)

    async def forget(self, channel_id: int) -> None:
        await self.supervisor.forget(channel_id)

    def state(self, channel_id: int) -> ChannelState | None:
        return self.supervisor.state(channel_id)

    def log_tail(self, channel_id: int) -> list[str]:
        return self.supervisor.log_tail(channel_id)
