"""Primary or backup: which source a pull channel plays from, and when to change.

After ``offline_grace_s`` of failures on one source the channel moves to the
other one. While it plays from the backup, the primary is probed every
``backup_probe_interval_s`` (one short FFmpeg, see ``source_probe``) and the
runner is told as soon as the primary delivers again. Channels without a
backup URL, and listening channels, always use the primary.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable

from streamfleet.domain.channel import Channel
from streamfleet.engine.context import RunnerContext
from streamfleet.engine.source_probe import probe_source
from streamfleet.media.command import SourceRole


class BackupSwitch:
    def __init__(self, ctx: RunnerContext, on_primary_back: Callable[[], None]) -> None:
        self.ctx = ctx
        self.on_primary_back = on_primary_back
        self.source = SourceRole.PRIMARY
        self.failing_since: float | None = None
        self._probe: asyncio.Task[None] | None = None

    def reset(self) -> None:
        self.source = SourceRole.PRIMARY
        self.failing_since = None

    def note_output(self) -> None:
        """The current source delivers: its failures are forgiven."""
        self.failing_since = None

    def note_failure(self, channel: Channel, now: float, produced: bool) -> str | None:
        """An attempt failed; returns why the source changed, or ``None`` when it did not."""
        if produced or self.failing_since is None:
            self.failing_since = now
        if not channel.backup_url or channel.ingest_mode.waits_for_publisher:
            return None
        if now - self.failing_since <= channel.offline_grace_s:
            return None
        why = f"{self.source.value} source offline for over {channel.offline_grace_s} s"
        self.source = SourceRole.BACKUP if self.source is SourceRole.PRIMARY else SourceRole.PRIMARY
        self.failing_since = now
        return why

    def keep_probing(self, channel: Channel) -> None:
        """Run the primary prober exactly while the channel plays from its backup."""
        running = self._probe is not None and not self._probe.done()
        if self.source is SourceRole.BACKUP and not running:
            self._probe = asyncio.create_task(self._probe_primary(channel))
        elif self.source is SourceRole.PRIMARY and self._probe is not None:
            self._probe.cancel()
            self._probe = None

    async def close(self) -> None:
        if self._probe is not None:
            self._probe.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._probe
            self._probe = None

    async def _probe_primary(self, channel: Channel) -> None:
        settings = self.ctx.settings
        while self.source is SourceRole.BACKUP:
            await asyncio.sleep(settings.backup_probe_interval_s)
            ok = await probe_source(
                self.ctx.spawner, self.ctx.options, channel.input_url, settings.stop_timeout_s
            )
            if ok and self.source is SourceRole.BACKUP:
                self.on_primary_back()
                return
