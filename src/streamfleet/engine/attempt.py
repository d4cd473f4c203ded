"""One attempt of a channel: one FFmpeg child spawned, its pipes read, watched, stopped, reaped.

``plan_attempt()`` decides what the child runs (the source's stall rule, the
arguments with this child's segment name prefix, a clean output folder and the
publisher of its public playlists).
``ChildAttempt.start(argv, on_stdout)`` spawns the child (its stdout is a pipe of
ours that the engine's beat reads, handing the bytes to ``on_stdout``; stderr goes to
the channel's log ring) and writes the channel's pid file; ``watch(watchdog,
interrupt)`` returns when the child exited, the runner was interrupted (``None``) or
the watchdog saw a stall (its reason); ``stop()`` asks the child to end (SIGTERM, then
SIGKILL after ``stop_timeout_s``), waits for its stderr and hands on the last progress;
``close()``, always called, kills whatever is left, reaps the child, closes the
progress pipe and removes the pid file. ``verdict()`` says
how the attempt ended.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import os
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, Final

import structlog

from streamfleet.domain.channel import Channel
from streamfleet.domain.url_policy import scheme_of
from streamfleet.engine.context import RunnerContext
from streamfleet.engine.log_ring import LogRing
from streamfleet.engine.output_watch import OutputWatch
from streamfleet.engine.process import Child
from streamfleet.engine.publisher import ChannelPublisher
from streamfleet.engine.source_pacing import stall_deadline_for
from streamfleet.engine.watchdog import Watchdog
from streamfleet.media.command import (
    EngineOptions,
    SourceRole,
    build_args,
    hls_options,
    input_url,
    profile_of,
)
from streamfleet.media.exit_reason import ExitVerdict, classify_exit
from streamfleet.media.hls_args import HlsLayout, segment_prefix
from streamfleet.media.stall_deadline import Delivery, StallDeadline
from streamfleet.storage.pid_files import PidRecord, remove_pid_file, write_pid_file
from streamfleet.storage.segment_policy import records
from streamfleet.storage.stale_output import clean_channel_output

log = structlog.get_logger()

READ_CHUNK: Final = 65536
DATAGRAM_SCHEMES: Final = frozenset({"udp", "rtp"})


@dataclass(frozen=True, slots=True)
class Outcome:
    """How one attempt ended."""

    verdict: ExitVerdict
    produced: bool
    """The child's media time advanced at least once."""
    returncode: int | None
    switch_to: SourceRole | None = None


@dataclass(frozen=True, slots=True)
class AttemptPlan:
    url: str
    argv: list[str]
    deadline: StallDeadline
    watch: OutputWatch


async def plan_attempt(
    ctx: RunnerContext, channel: Channel, source: SourceRole, output_dir: Path, *, offline: bool
) -> AttemptPlan:
    """Everything decided before the child starts: its source's stall rule, its arguments, a
    clean output folder and the playlist to follow (``InvalidInput`` for a bad config)."""
    url = input_url(channel, source, rtmp_pull_url=ctx.options.rtmp_pull_url)
    deadline = await stall_deadline_for(url, ctx.settings.stale_timeout_s)
    if deadline.delivery is not Delivery.CONTINUOUS:
        log.info(
            "channel.stall_deadline",
            channel=channel.slug,
            delivery=deadline.delivery.value,
            target_duration_s=deadline.target_duration_s,
            allowance_s=deadline.allowance_s(),
        )
    options = attempt_options(ctx, url, deadline, offline=offline)
    fence = ctx.fence
    epoch = fence.epoch_of(channel.id) if fence is not None else None
    prefix = segment_prefix(int(ctx.wall() * 1000), epoch)
    argv = build_args(
        channel, options, output_dir, segment_prefix=prefix, source=source, epoch=epoch
    )
    watch = prepare_output(ctx, channel, output_dir, prefix, epoch)
    return AttemptPlan(url, argv, deadline, watch)


def prepare_output(
    ctx: RunnerContext, channel: Channel, output_dir: Path, prefix: str, epoch: int | None = None
) -> OutputWatch:
    """The output folder made and cleaned of the last child's unfinished and private files;
    the private playlist to follow, publishing the public ones when it changes (on a fleet,
    only while ``epoch`` is still this worker's lease: ``engine/output_fence.py``). A fleet
    worker whose epoch is no longer current (a child restarted after a freeze, before the
    worker noticed the move) cleans nothing: the files there are the new holder's."""
    layout = HlsLayout(output_dir, profile_of(channel), epoch)
    output_dir.mkdir(parents=True, exist_ok=True)
    fence = ctx.fence
    if fence is None or fence.is_current(channel.id, epoch):
        clean_channel_output(output_dir)
    hls = hls_options(channel, ctx.options, segment_prefix=prefix)
    recorder = ctx.archive
    archive = partial(recorder.take, channel) if recorder is not None and records(channel) else None
    publisher = ChannelPublisher(
        layout,
        prefix=prefix,
        list_size=hls.list_size,
        segment_seconds=hls.segment_seconds,
        wall=ctx.wall,
        archive=archive,
        current=partial(fence.is_current, channel.id, epoch) if fence is not None else None,
    )
    return OutputWatch(Path(layout.watched_playlist), on_change=publisher.publish)


def attempt_options(
    ctx: RunnerContext, url: str, deadline: StallDeadline, *, offline: bool
) -> EngineOptions:
    """While offline, a datagram input (UDP/RTP) waits ``offline_listen_timeout_s`` for its
    source instead of ``input_timeout_s``: listening costs nothing, and a source that comes
    back during the wait is taken at once instead of at the next backoff attempt. Loss while
    online is still seen by the progress watchdog, not by this timeout. An HTTP source's
    read timeout is never shorter than its stall deadline (see ``media/stall_deadline``)."""
    options = ctx.options
    timeout_s = deadline.input_timeout_s(options.input_timeout_s)
    if timeout_s == options.input_timeout_s and offline and scheme_of(url) in DATAGRAM_SCHEMES:
        timeout_s = max(options.input_timeout_s, ctx.settings.offline_listen_timeout_s)
    if timeout_s == options.input_timeout_s:
        return options
    return dataclasses.replace(options, input_timeout_s=timeout_s)


class ChildAttempt:
    def __init__(
        self, ctx: RunnerContext, slug: str, pid_path: Path, output_dir: Path, ring: LogRing
    ) -> None:
        self.ctx = ctx
        self.slug = slug
        self.pid_path = pid_path
        self.output_dir = output_dir
        self.ring = ring
        self.log_mark = ring.total
        """Where this attempt's stderr starts in the ring."""
        self.child: Child | None = None
        self._readers: list[asyncio.Task[None]] = []
        self._progress_fd: int | None = None
        """The read end of the child's stdout (its ``-progress``), followed by the beat."""
        self._exit: asyncio.Task[int] | None = None
        self._interrupt: asyncio.Task[Any] | None = None

    async def start(
        self, argv: list[str], on_stdout: Callable[[bytes], None], source: SourceRole
    ) -> Child:
        read_fd, write_fd = os.pipe2(os.O_CLOEXEC)
        self._progress_fd = read_fd  # closed by close(), whatever happens next
        os.set_blocking(read_fd, False)  # FFmpeg's end stays blocking
        try:
            child = self.child = await self.ctx.spawner.spawn(argv, stdout_fd=write_fd)
        finally:
            os.close(write_fd)  # the child holds its copy: its exit is the pipe's end
        self.ctx.beat.follow(read_fd, on_stdout)
        write_pid_file(self.pid_path, PidRecord(child.pid, str(self.output_dir)))
        log.info("channel.spawned", channel=self.slug, pid=child.pid, source=source.value)
        self._readers = [asyncio.create_task(self._read_stderr(child))]
        self._exit = asyncio.create_task(child.wait())
        return child

    async def watch(self, watchdog: Watchdog, interrupt: asyncio.Event) -> str | None:
        """``None`` when the child exited or ``interrupt`` was set, else the stall reason."""
        assert self._exit is not None
        self._interrupt = asyncio.create_task(interrupt.wait())
        return await watchdog.watch(self._exit, self._interrupt)

    async def stop(self) -> None:
        """Ask the child to end, wait (bounded) for its stderr to close and hand on the
        progress it wrote last."""
        assert self.child is not None
        stop_timeout_s = self.ctx.settings.stop_timeout_s
        await self.child.stop(stop_timeout_s)
        await asyncio.wait(self._readers, timeout=stop_timeout_s)
        if self._progress_fd is not None:
            self.ctx.beat.drain(self._progress_fd)

    async def close(self) -> None:
        """Kill what is left, reap the child, remove the pid file (always, even if cancelled)."""
        child = self.child
        if child is not None:
            child.kill_now()
        for task in (*self._readers, self._interrupt):
            if task is not None:
                task.cancel()
        exit_task = self._exit
        if exit_task is not None and not exit_task.done():
            with contextlib.suppress(TimeoutError, asyncio.CancelledError):
                await asyncio.wait_for(exit_task, self.ctx.settings.stop_timeout_s)
        fd, self._progress_fd = self._progress_fd, None
        if fd is not None:
            self.ctx.beat.unfollow(fd)
            os.close(fd)
        self.ring.flush()
        remove_pid_file(self.pid_path)

    def verdict(self, produced: bool, stall: str | None) -> ExitVerdict:
        """Retryable or not, and why, from the exit code and this attempt's stderr."""
        child = self.child
        rc = child.returncode if child is not None else None
        verdict = classify_exit(rc, self.ring.since(self.log_mark), produced)
        if stall is not None and verdict.retryable:  # a refusal logged before the stall wins
            verdict = ExitVerdict(True, stall)
        log.info(
            "channel.exited",
            channel=self.slug,
            pid=child.pid if child is not None else None,
            rc=rc,
            retryable=verdict.retryable,
            reason=verdict.reason,
        )
        return verdict

    async def _read_stderr(self, child: Child) -> None:
        stream = child.stderr
        assert stream is not None
        while chunk := await stream.read(READ_CHUNK):
            self.ring.feed(chunk)
