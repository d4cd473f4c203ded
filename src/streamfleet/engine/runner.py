"""One channel's life: spawn FFmpeg, watch it, feed the status machine, restart it.

The runner only feeds named events to ``domain.status.transition()`` and acts
on the result. One attempt = one FFmpeg child:

- progress blocks (stdout) move the watchdog: media time advancing is the
  heartbeat; the first advance makes the channel ``online``;
- the watchdog wakes at the stall deadline or once a second (``TICK_S``):
  no advance for ``stale_timeout_s`` (``startup_timeout_s`` before the first
  one), or a playlist that stopped advancing while progress goes on, means
  ``offline``; the tick also publishes metrics and judges health;
- stderr goes to the log ring and, when the child ends, to the exit verdict:
  retryable → ``offline`` and a restart after the backoff; not retryable →
  ``error``, and no more attempts until the operator starts it again.

Backup source: after ``offline_grace_s`` of failures on one source the runner
switches to the other; while on the backup it probes the primary every
``backup_probe_interval_s`` and goes back as soon as the probe succeeds.

SRT listen mode: the listener waits (``offline``, "waiting for publisher")
until a publisher connects; when the publisher leaves, the listener exits and
is re-armed at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import math
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

import structlog

from streamfleet.domain.channel import Channel, IngestMode
from streamfleet.domain.errors import InvalidInput
from streamfleet.domain.status import TRANSITIONS, Status, StatusEvent, transition
from streamfleet.domain.url_policy import redact, scheme_of
from streamfleet.engine.backoff import Backoff
from streamfleet.engine.backup_source import BackupSwitch
from streamfleet.engine.context import RunnerContext
from streamfleet.engine.health import HealthMonitor
from streamfleet.engine.log_ring import LogRing
from streamfleet.engine.output_watch import OutputWatch, output_stall
from streamfleet.engine.process import Child
from streamfleet.engine.source_pacing import stall_deadline_for
from streamfleet.engine.watchdog import Watchdog
from streamfleet.events.envelope import Envelope, EventType
from streamfleet.media.command import (
    EngineOptions,
    SourceRole,
    build_args,
    input_url,
    profile_of,
)
from streamfleet.media.exit_reason import ExitVerdict, classify_exit
from streamfleet.media.hls_args import HlsLayout
from streamfleet.media.progress import Progress, ProgressParser
from streamfleet.media.stall_deadline import Delivery, StallDeadline
from streamfleet.storage.hls_paths import channel_hls_dir, pid_file
from streamfleet.storage.pid_files import PidRecord, remove_pid_file, write_pid_file
from streamfleet.storage.segment_policy import deletes_segments
from streamfleet.storage.stale_output import clean_channel_output

log = structlog.get_logger()

TICK_S: Final = 1.0
"""How often a running channel publishes metrics, reads its playlist and judges health."""
LISTEN_ARMED_S: Final = 1.0
"""A listener with no publisher after this long shows ``offline``/"waiting for publisher"."""
READ_CHUNK: Final = 65536
DATAGRAM_SCHEMES: Final = frozenset({"udp", "rtp"})
WAITING_FOR_PUBLISHER: Final = "waiting for publisher"


@dataclass(frozen=True, slots=True)
class Outcome:
    """How one attempt ended."""

    verdict: ExitVerdict
    produced: bool
    """The child's media time advanced at least once."""
    returncode: int | None
    switch_to: SourceRole | None = None


class ChannelRunner:
    def __init__(self, channel: Channel, ctx: RunnerContext) -> None:
        self.channel = channel
        self.ctx = ctx
        self.status = Status.STOPPED
        self.since = ctx.now_utc()
        self.reason = ""
        self.pid: int | None = None
        self.restarts = 0
        self.switch = BackupSwitch(ctx, self._primary_back)
        self.metrics: dict[str, Any] = {}
        self.log = LogRing(secrets=secrets_of(channel))
        self.health = HealthMonitor()
        self.backoff = Backoff(ctx.settings.backoff_initial_s, ctx.settings.backoff_cap_s, ctx.rand)
        self.output_dir = channel_hls_dir(ctx.settings.hls_dir, channel.slug)
        self.pid_path = pid_file(ctx.settings.run_dir, channel.slug)
        self._stop_requested = False
        self._interrupt = asyncio.Event()
        self._switch_to: SourceRole | None = None
        # per attempt
        self._parser: ProgressParser | None = None
        """The running child's progress parser; ``None`` between attempts."""
        self._watch: OutputWatch | None = None
        self._started_at = 0.0
        self._last_advance: float | None = None
        self._last_out_us = 0
        self._produced = False
        self._online_since: float | None = None
        self._clear_since: float | None = None
        self._metrics_dirty = False
        self._last_block: Progress | None = None
        self._fps_mark: tuple[float, int] | None = None
        self._deadline = StallDeadline(Delivery.CONTINUOUS, ctx.settings.stale_timeout_s)
        """How long media time may stand still, for this attempt's source."""

    @property
    def source(self) -> SourceRole:
        return self.switch.source

    # -- status ------------------------------------------------------------------------

    def transition(self, event: StatusEvent, reason: str) -> bool:
        """Feed ``event`` to the status machine; ``False`` when it has no row for it here."""
        if (self.status, event) not in TRANSITIONS:
            return False
        previous = self.status
        self.status, change = transition(
            self.channel.id,
            previous,
            event,
            at=self.ctx.now_utc(),
            reason=reason,
            worker=self.ctx.settings.worker_name,
        )
        self.since = change.at
        self.reason = reason
        self.ctx.report(change)
        self._publish_status(previous)
        log.info(
            "channel.status",
            channel=self.channel.slug,
            worker=self.ctx.settings.worker_name,
            **{"from": previous.value, "to": self.status.value},
            reason=reason,
            source=self.source.value,
        )
        return True

    def _publish_status(self, previous: Status) -> None:
        data = {
            "status": self.status.value,
            "from": previous.value,
            "since": iso(self.since),
            "reason": self.reason,
            "source": self.source.value,
            "restarts": self.restarts,
        }
        self.ctx.bus.publish_nowait(Envelope(EventType.STATUS, self.channel.slug, data))

    # -- control -----------------------------------------------------------------------

    def configure(self, channel: Channel) -> None:
        """Take a new configuration (used when the channel next starts)."""
        self.channel = channel
        self.log.set_secrets(secrets_of(channel))
        self.output_dir = channel_hls_dir(self.ctx.settings.hls_dir, channel.slug)
        self.pid_path = pid_file(self.ctx.settings.run_dir, channel.slug)

    def request_stop(self) -> None:
        self._stop_requested = True
        self._interrupt.set()

    def mark_stopped(self) -> None:
        self.metrics = {}  # a stopped channel has no current figures
        self.transition(StatusEvent.STOP_REQUESTED, "stop requested")

    async def run(self) -> None:
        """Attempts until stopped or rejected; the task body the supervisor owns."""
        self._stop_requested = False
        self._interrupt.clear()
        self.backoff.reset()
        self.restarts = 0
        self.switch.reset()
        self.transition(StatusEvent.START_REQUESTED, "start requested")
        try:
            while not self._stop_requested:
                if self._switch_to is not None:  # the prober reported during a pause
                    self._use_source(self._switch_to, "the primary source is back")
                    self._switch_to = None
                    self._interrupt.clear()
                outcome = await self._attempt_or_reject()
                if outcome is None or self._stop_requested:
                    return
                if outcome.switch_to is not None:
                    self._use_source(outcome.switch_to, "the primary source is back")
                    self.restarts += 1
                    continue
                delay = self._after_failure(outcome)
                if delay is None:
                    return
                self.switch.keep_probing(self.channel)
                self.restarts += 1
                await self._pause(delay)
        finally:
            await self.switch.close()

    def _primary_back(self) -> None:
        self._switch_to = SourceRole.PRIMARY
        self._interrupt.set()

    async def _attempt_or_reject(self) -> Outcome | None:
        try:
            return await self._attempt()
        except InvalidInput as exc:
            self.transition(StatusEvent.CONFIG_REJECTED, exc.detail)
            return None
        except OSError as exc:  # FFmpeg could not be started (missing binary, no fds, …)
            return Outcome(ExitVerdict(True, f"could not start FFmpeg: {exc}"), False, None)

    def _after_failure(self, outcome: Outcome) -> float | None:
        """Record the failure; the delay before the next attempt, or ``None`` to give up."""
        verdict = outcome.verdict
        if not verdict.retryable:
            self.transition(StatusEvent.CONFIG_REJECTED, verdict.reason)
            return None
        now = self.ctx.clock()
        listening = self.channel.ingest_mode is IngestMode.LISTEN_SRT
        reason = WAITING_FOR_PUBLISHER if listening else verdict.reason
        self.transition(StatusEvent.PROCESS_EXITED, reason)
        if listening and outcome.produced:
            self.backoff.reset()  # the publisher left: re-arm at once
            return 0.0
        why = self.switch.note_failure(self.channel, now, outcome.produced)
        if why is not None:
            self._announce_source(why)
            self.backoff.reset()  # the first try on the other source is at once
        return self.backoff.next_delay()

    def _use_source(self, source: SourceRole, why: str) -> None:
        if source is not self.source:
            self.switch.source = source
            self._announce_source(why)

    def _announce_source(self, why: str) -> None:
        source = self.source
        self.log.append(f"--- switching to the {source.value} source: {why} ---")
        log.info(
            "channel.source_switched", channel=self.channel.slug, source=source.value, reason=why
        )
        self.reason = f"switching to the {source.value} source"
        self._publish_status(self.status)

    async def _pause(self, delay: float) -> None:
        if delay <= 0 or self._stop_requested:
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._interrupt.wait(), delay)
        if not self._stop_requested and self._switch_to is None:
            self._interrupt.clear()

    # -- one attempt --------------------------------------------------------------------

    def _attempt_options(self) -> EngineOptions:
        """While offline, a datagram input (UDP/RTP) waits ``offline_listen_timeout_s`` for its
        source instead of ``input_timeout_s``: listening costs nothing, and a source that comes
        back during the wait is taken at once instead of at the next backoff attempt. Loss while
        online is still seen by the progress watchdog, not by this timeout. An HTTP source's
        read timeout is never shorter than its stall deadline (see ``media/stall_deadline``)."""
        options = self.ctx.options
        timeout_s = self._deadline.input_timeout_s(options.input_timeout_s)
        if timeout_s != options.input_timeout_s:
            return dataclasses.replace(options, input_timeout_s=timeout_s)
        if self.status is not Status.OFFLINE:
            return options
        if scheme_of(input_url(self.channel, self.source)) not in DATAGRAM_SCHEMES:
            return options
        timeout_s = max(options.input_timeout_s, self.ctx.settings.offline_listen_timeout_s)
        return dataclasses.replace(options, input_timeout_s=timeout_s)

    async def _attempt(self) -> Outcome:
        channel = self.channel
        url = input_url(channel, self.source)
        self._deadline = await stall_deadline_for(url, self.ctx.settings.stale_timeout_s)
        if self._deadline.delivery is not Delivery.CONTINUOUS:
            log.info(
                "channel.stall_deadline",
                channel=channel.slug,
                delivery=self._deadline.delivery.value,
                target_duration_s=self._deadline.target_duration_s,
                allowance_s=self._deadline.allowance_s(),
            )
        argv = build_args(
            channel,
            self._attempt_options(),
            self.output_dir,
            delete_segments=deletes_segments(channel),
            source=self.source,
        )
        self.output_dir.mkdir(parents=True, exist_ok=True)
        clean_channel_output(self.output_dir, keep_segments=not deletes_segments(channel))
        watch = OutputWatch(Path(HlsLayout(self.output_dir, profile_of(channel)).watched_playlist))
        self._begin_attempt(watch)
        self.log.append(f"--- start #{self.restarts} from {redact(url)} ---")
        log_mark = self.log.total
        parser = self._parser = ProgressParser()
        child = await self.ctx.spawner.spawn(
            argv, on_stdout=lambda chunk: self._on_progress_bytes(parser, chunk)
        )
        self.pid = child.pid
        write_pid_file(self.pid_path, PidRecord(child.pid, str(self.output_dir)))
        log.info("channel.spawned", channel=channel.slug, pid=child.pid, source=self.source.value)
        readers = [
            asyncio.create_task(self._read_stderr(child)),
            asyncio.create_task(_until_closed(child.stdout)),  # the bytes go to the callback
        ]
        exit_task = asyncio.create_task(child.wait())
        interrupt_task = asyncio.create_task(self._interrupt.wait())
        switch_to: SourceRole | None = None
        stall: str | None = None
        try:
            stall = await self._watch_child(exit_task, interrupt_task)
            if stall is not None:
                self.transition(StatusEvent.PROGRESS_STALLED, stall)
            if self._switch_to is not None and not self._stop_requested:
                switch_to, self._switch_to = self._switch_to, None
                self._interrupt.clear()
            await child.stop(self.ctx.settings.stop_timeout_s)
            await asyncio.wait(readers, timeout=self.ctx.settings.stop_timeout_s)
        finally:
            child.kill_now()
            for task in (*readers, interrupt_task):
                task.cancel()
            if not exit_task.done():
                with contextlib.suppress(TimeoutError, asyncio.CancelledError):
                    await asyncio.wait_for(exit_task, self.ctx.settings.stop_timeout_s)
            self.log.flush()
            self._parser = None  # anything this child still writes is ignored
            remove_pid_file(self.pid_path)
            self.pid = None
        rc = child.returncode
        verdict = classify_exit(rc, self.log.since(log_mark), self._produced)
        if stall is not None and verdict.retryable:  # a refusal logged before the stall wins
            verdict = ExitVerdict(True, stall)
        log.info(
            "channel.exited",
            channel=channel.slug,
            pid=child.pid,
            rc=rc,
            retryable=verdict.retryable,
            reason=verdict.reason,
        )
        return Outcome(verdict, self._produced, rc, switch_to)

    def _begin_attempt(self, watch: OutputWatch) -> None:
        now = self.ctx.clock()
        self._fps_mark = None
        self._watch = watch
        watch.arm(now)
        self._started_at = now
        self._last_advance = None
        self._last_out_us = 0
        self._produced = False
        self._online_since = None
        self._clear_since = None
        deadline = self._deadline
        self.health.restart(deadline.speed_window_s(self.health.base.window_s), deadline.jump_s())

    async def _watch_child(
        self, exit_task: asyncio.Task[int], interrupt_task: asyncio.Task[Any]
    ) -> str | None:
        """Returns when the child exited or was interrupted (``None``), or with a stall reason."""
        watchdog = Watchdog(
            self.ctx.clock, self._stall_deadline, self._stall_reason, self._tick, TICK_S
        )
        return await watchdog.watch(exit_task, interrupt_task)

    def _stall_deadline(self) -> float:
        settings = self.ctx.settings
        if self._last_advance is not None:
            return self._last_advance + self._deadline.allowance_s()
        if self.channel.ingest_mode is IngestMode.LISTEN_SRT:
            return math.inf  # a listener waits for its publisher as long as it takes
        return self._started_at + settings.startup_timeout_s

    def _stall_reason(self) -> str:
        settings = self.ctx.settings
        if self._last_advance is None:
            return f"no media from the source within {settings.startup_timeout_s:g} s"
        if self.channel.ingest_mode is IngestMode.LISTEN_SRT:
            return WAITING_FOR_PUBLISHER
        return f"source silent: {self._deadline.describe()}"

    # -- readers ------------------------------------------------------------------------

    def _on_progress_bytes(self, parser: ProgressParser, chunk: bytes) -> None:
        """FFmpeg's ``-progress`` output, handed over by the child's pipe as it arrives."""
        if parser is not self._parser:
            return  # a child of an attempt that has ended
        for block in parser.feed(chunk):
            self._on_progress(block)

    async def _read_stderr(self, child: Child) -> None:
        stream = child.stderr
        assert stream is not None
        while chunk := await stream.read(READ_CHUNK):
            self.log.feed(chunk)

    def _on_progress(self, block: Progress) -> None:
        self._last_block = block
        self._metrics_dirty = True
        out_us = block.out_time_us
        if out_us is None or out_us <= self._last_out_us:
            return
        now = self.ctx.clock()
        self._last_out_us = out_us
        self._last_advance = now
        self._deadline.observe_advance(now)
        self.health.observe_progress(now, out_us, block.frame or 0, block.drop_frames or 0)
        if not self._produced:
            self._produced = True
            self._online_since = now
            self.switch.note_output()
            via = "" if self.source is SourceRole.PRIMARY else " from the backup source"
            self.transition(StatusEvent.PROGRESS_SEEN, f"segments are being written{via}")

    # -- the once-a-second tick ----------------------------------------------------------

    def _tick(self, now: float) -> str | None:
        """Metrics, output watchdog, health; returns a reason when the output stalled."""
        watch = self._watch
        assert watch is not None
        segment = watch.poll(now)
        if segment is not None and segment.bitrate_kbps is not None:
            self.metrics["bitrate_kbps"] = round(segment.bitrate_kbps, 1)
            self.health.observe_segment(segment.bitrate_kbps)
            self._metrics_dirty = True
        if (
            self.status is Status.STARTING
            and self.channel.ingest_mode is IngestMode.LISTEN_SRT
            and now - self._started_at >= LISTEN_ARMED_S
        ):
            self.transition(StatusEvent.PROGRESS_STALLED, WAITING_FOR_PUBLISHER)
        if self._produced:
            stalled = self._output_stalled(now, watch)
            if stalled is not None:
                return stalled
            self._judge_health(now)
            stable_for = now - (self._online_since or now)
            if stable_for >= self.ctx.settings.backoff_reset_after_s:
                self.backoff.reset()
        if self._metrics_dirty:
            self._publish_metrics(watch)
        return None

    def _output_stalled(self, now: float, watch: OutputWatch) -> str | None:
        return output_stall(
            now,
            watch.changed_at,
            watch.segments_since_arm,
            watch.target_duration_s,
            self.channel.hls.segment_seconds or self.ctx.settings.hls_segment_seconds,
            self.ctx.settings.startup_timeout_s,
        )

    def _judge_health(self, now: float) -> None:
        problem = self.health.problem()
        if problem is not None:
            self._clear_since = None
            if self.status is Status.ONLINE:
                self.transition(StatusEvent.HEALTH_DEGRADED, problem)
        elif self.status is Status.DEGRADED:
            if self._clear_since is None:
                self._clear_since = now
            elif now - self._clear_since >= self.health.t.recover_after_s:
                self.transition(StatusEvent.HEALTH_RECOVERED, "back within expectations")

    def _recent_fps(self, block: Progress) -> float | None:
        """Frames per second since the previous measurement: FFmpeg's own ``fps`` averages the
        whole run, so it reads high after joining a buffered source and hides a later drop."""
        if block.frame is None:
            return block.fps
        now = self.ctx.clock()
        mark = self._fps_mark
        if mark is not None and now - mark[0] < FPS_MIN_WINDOW_S:
            return self.metrics.get("fps", block.fps)
        self._fps_mark = (now, block.frame)
        if mark is None or block.frame < mark[1]:
            return block.fps
        return round((block.frame - mark[1]) / (now - mark[0]), 2)

    def _publish_metrics(self, watch: OutputWatch) -> None:
        self._metrics_dirty = False
        block = self._last_block
        m = self.metrics
        if block is not None:
            m["fps"] = self._recent_fps(block)
            m["frames"] = block.frame
            m["drop_frames"] = block.drop_frames
            m["dup_frames"] = block.dup_frames
            speed = self.health.window_speed()
            m["speed"] = round(speed, 3) if speed is not None else block.speed
            m["out_time_s"] = round(block.out_time_us / 1e6, 3) if block.out_time_us else None
        age = watch.age_s(self.ctx.wall())
        m["last_segment_age_s"] = round(age, 1) if age is not None else None
        m.setdefault("bitrate_kbps", None)
        self.ctx.bus.publish_nowait(Envelope(EventType.METRICS, self.channel.slug, dict(m)))


async def _until_closed(stream: asyncio.StreamReader | None) -> None:
    """Returns when the child closed the pipe (its bytes went elsewhere)."""
    if stream is not None:
        await stream.read()


FPS_MIN_WINDOW_S: Final = 0.5
"""The shortest span over which the frame rate is measured from frame counts."""


def secrets_of(channel: Channel) -> tuple[str, ...]:
    return tuple(s for s in (channel.passphrase,) if s)


def iso(at: datetime) -> str:
    return at.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
