"""Synthetic live sources: a test-pattern clip generated once, looped to a loopback address.

    clip = await ensure_clip(spawner, ffmpeg, PatternSpec(), cache_dir)   # cached by spec
    feeder = Feeder(spawner, ffmpeg, clip, udp_feed_url(23000))
    await feeder.start(); await feeder.stop(); await feeder.restart()

A feeder with ``keep_alive=True`` is started again a second after it exits
(the demo's feeds); without, it stays down until ``start()`` (tests that cut
a source). Feeders are children like any other: own process group,
parent-death signal, reaped on stop.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from pathlib import Path
from typing import Final

import structlog

from streamfleet.domain.errors import SourceUnreachable
from streamfleet.domain.url_policy import redact
from streamfleet.engine.process import Child, Spawner
from streamfleet.media.test_pattern_args import PatternSpec, clip_args, feeder_args

log = structlog.get_logger()

CLIP_TIMEOUT_S: Final = 120.0
RESPAWN_DELAY_S: Final = 1.0
FEEDER_STOP_TIMEOUT_S: Final = 2.0


def clip_ready(path: Path) -> bool:
    """Whether the clip exists; otherwise make sure its folder does."""
    if path.is_file() and path.stat().st_size > 0:
        return True
    path.parent.mkdir(parents=True, exist_ok=True)
    return False


async def ensure_clip(spawner: Spawner, ffmpeg: str, spec: PatternSpec, directory: Path) -> Path:
    """The clip for ``spec`` in ``directory``, generated on first use (atomically)."""
    path = directory / spec.file_name
    if clip_ready(path):
        return path
    tmp = path.with_name(f".{path.name}.{os.getpid()}.part")
    child = await spawner.spawn(clip_args(ffmpeg, spec, tmp), capture=False)
    try:
        rc = await asyncio.wait_for(child.wait(), CLIP_TIMEOUT_S)
    except TimeoutError:
        rc = None
    finally:
        await child.stop(FEEDER_STOP_TIMEOUT_S)
    if rc != 0 or not tmp.is_file():
        tmp.unlink(missing_ok=True)
        raise SourceUnreachable(f"could not generate the test clip {path.name} (rc {rc})")
    tmp.replace(path)
    log.info("engine.test_clip_generated", path=str(path))
    return path


class Feeder:
    """Loops a clip to ``url`` in real time."""

    def __init__(
        self,
        spawner: Spawner,
        ffmpeg: str,
        clip: Path,
        url: str,
        *,
        keep_alive: bool = False,
        muxer: str = "mpegts",
        listen: bool = False,
        rate: float = 1.0,
    ) -> None:
        self.spawner = spawner
        self.ffmpeg = ffmpeg
        self.clip = clip
        self.muxer = muxer
        self.listen = listen
        self.url = url
        self.argv = feeder_args(ffmpeg, clip, url, muxer, listen=listen, rate=rate)
        self.keep_alive = keep_alive
        self._child: Child | None = None
        self._keeper: asyncio.Task[None] | None = None
        self._wanted = False

    @property
    def pid(self) -> int | None:
        child = self._child
        return child.pid if child is not None and child.returncode is None else None

    @property
    def running(self) -> bool:
        return self.pid is not None

    async def start(self) -> None:
        if self._wanted and self.running:
            return
        self._wanted = True
        self._child = await self.spawner.spawn(self.argv, capture=False)
        log.info("engine.feeder_started", url=redact(self.url), pid=self._child.pid)
        if self.keep_alive and (self._keeper is None or self._keeper.done()):
            self._keeper = asyncio.create_task(self._keep())

    async def stop(self) -> None:
        self._wanted = False
        if self._keeper is not None:
            self._keeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._keeper
            self._keeper = None
        if self._child is not None:
            await self._child.stop(FEEDER_STOP_TIMEOUT_S)
            self._child = None

    async def restart(self, rate: float | None = None) -> None:
        """Stop and start again (at a new ``rate`` x real time when given)."""
        await self.stop()
        if rate is not None:
            self.argv = feeder_args(
                self.ffmpeg, self.clip, self.url, self.muxer, listen=self.listen, rate=rate
            )
        await self.start()

    def kill_now(self) -> None:
        if self._child is not None:
            self._child.kill_now()

    async def _keep(self) -> None:
        """Start the feeder again whenever it exits while wanted (``stop()`` cancels this)."""
        while True:
            child = self._child
            if child is not None:
                await child.wait()
            log.warning("engine.feeder_exited", url=redact(self.url))
            await asyncio.sleep(RESPAWN_DELAY_S)
            self._child = await self.spawner.spawn(self.argv, capture=False)
