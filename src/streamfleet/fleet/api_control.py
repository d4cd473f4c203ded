"""The ``EngineControl`` of an API node (``streamfleet api``): no engine runs here.

Channel states come from the database (``states`` answers nothing, so every view falls
back to the status columns the workers write, ``api/channel_view.py``). An action is
desired state: the route has already written it (``enabled``, the configuration), and
this sends a wake-up over Redis so the owning worker (and the placer) look at once
rather than at their next sweep; a restart, which writes nothing, is only the wake-up.
What only the process running the channel knows (its log, a source probe made from a
worker's network) answers ``NotOnThisNode`` (503) for now. Lost workers are watched by the
node leading the ``alerts`` job (``fleet/api_jobs.py``, ``WorkerWatch``).
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from streamfleet.domain.channel import Channel
from streamfleet.engine.control import ChannelState, EngineStats, NotOnThisNode
from streamfleet.fleet.wakeups import WakeAction, Wakeup, Wakeups
from streamfleet.media.probe_report import ProbeReport


class ApiNodeControl:
    def __init__(self, wakeups: Wakeups) -> None:
        self._wakeups = wakeups

    async def start(self) -> None:
        self._wakeups.start()

    async def stop(self) -> None:
        await self._wakeups.close()

    # Channels: desired state in the database, plus a wake-up ----------------------------------

    async def start_channel(self, channel: Channel) -> None:
        self._wake(WakeAction.APPLY, channel.id)

    async def stop_channel(self, channel_id: int) -> None:
        self._wake(WakeAction.APPLY, channel_id)

    async def restart_channel(self, channel: Channel) -> None:
        self._wake(WakeAction.RESTART, channel.id)

    async def apply(self, channel: Channel) -> None:
        self._wake(WakeAction.APPLY, channel.id)

    async def forget(self, channel_id: int) -> None:
        self._wake(WakeAction.FORGET, channel_id)

    # What the engines observe: the database's status columns ----------------------------------

    async def states(self, channel_ids: Collection[int]) -> dict[int, ChannelState]:
        return {}

    async def media_info(self, slugs: Collection[str]) -> dict[str, dict[str, Any]]:
        return {}

    async def log_tail(self, channel_id: int) -> list[str]:
        raise NotOnThisNode("the FFmpeg log is kept by the worker running the channel")

    async def stats(self) -> EngineStats:
        return EngineStats()

    async def probe_source(self, url: str) -> ProbeReport:
        raise NotOnThisNode("sources are probed by workers; not available on an API node")

    async def set_visible_tiles(self, client_id: str, slugs: frozenset[str]) -> None:
        return None  # workers make thumbnails of every channel they run

    async def viewer_left(self, client_id: str) -> None:
        return None

    def _wake(self, action: WakeAction, channel_id: int) -> None:
        self._wakeups.send(Wakeup(action, channel_id))
