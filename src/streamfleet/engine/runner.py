"""One channel's life: attempts, the status machine fed with named facts, restarts.

Each attempt is one FFmpeg child (``engine/attempt.py``: plan, spawn, pipes,
reap, pid file) whose progress ``engine/channel_progress.py`` follows
(heartbeat, stall deadline, metrics, health). The runner feeds what they see
to ``domain.status.transition()`` (an event the table refuses in the current
status is logged as ``channel.transition_refused`` and changes nothing):
first advance → ``online``; stall or exit → ``offline`` and a restart after the
backoff; a failure retrying cannot fix → ``error``, no more attempts.

Backup source: after ``offline_grace_s`` of failures on one source the runner
switches to the other and, while on the backup, probes the primary every
``backup_probe_interval_s``. SRT listen mode: ``offline``/"waiting for
publisher" until one connects; re-armed at once when it leaves.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import structlog

from streamfleet.domain.channel import Channel
from streamfleet.domain.errors import IllegalTransition, InvalidInput
from streamfleet.domain.status import Status, StatusEvent, transition
from streamfleet.domain.times import iso_utc
from streamfleet.domain.url_policy import redact
from streamfleet.engine.attempt import ChildAttempt, Outcome, plan_attempt
from streamfleet.engine.backoff import Backoff
from streamfleet.engine.backup_source import BackupSwitch
from streamfleet.engine.channel_progress import WAITING_FOR_PUBLISHER, ChannelProgress
from streamfleet.engine.context import RunnerContext
from streamfleet.engine.format_change import HeldExit
from streamfleet.engine.log_ring import LogRing
from streamfleet.events.envelope import Envelope, EventType
from streamfleet.media.command import SourceRole
from streamfleet.media.exit_reason import ExitVerdict
from streamfleet.media.progress import ProgressParser
from streamfleet.storage.hls_paths import channel_hls_dir, pid_file

log = structlog.get_logger()


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
        self.log = LogRing(secrets=secrets_of(channel))
        self.progress = ChannelProgress(ctx, channel.slug, self._first_advance)
        self.backoff = Backoff(ctx.settings.backoff_initial_s, ctx.settings.backoff_cap_s, ctx.rand)
        self.output_dir = channel_hls_dir(ctx.settings.hls_dir, channel.slug)
        self.pid_path = pid_file(ctx.settings.run_dir, channel.slug)
        self._stop_requested = False
        self._interrupt = asyncio.Event()
        self._switch_to: SourceRole | None = None
        self.held_exit = HeldExit()  # a format change's exit, not reported yet
        self._parser: ProgressParser | None = None
        """The running child's progress parser; ``None`` between attempts."""

    @property
    def source(self) -> SourceRole:
        return self.switch.source

    @property
    def metrics(self) -> dict[str, Any]:  # the current child's figures (empty once stopped)
        return self.progress.metrics

    # -- status ------------------------------------------------------------------------

    def transition(self, event: StatusEvent, reason: str) -> bool:
        """Feed ``event`` to the status machine; ``False`` (and a log line naming the event and
        the status) when the table has no row for it here."""
        previous = self.status
        try:
            at, worker = self.ctx.now_utc(), self.ctx.settings.worker_name
            self.status, change = transition(
                self.channel.id, previous, event, at=at, reason=reason, worker=worker
            )
        except IllegalTransition:
            slug, status, fact = self.channel.slug, previous.value, event.value
            log.info("channel.transition_refused", channel=slug, status=status, status_event=fact)
            return False
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
            "since": iso_utc(self.since),
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
        self.progress.slug = channel.slug
        self.output_dir = channel_hls_dir(self.ctx.settings.hls_dir, channel.slug)
        self.pid_path = pid_file(self.ctx.settings.run_dir, channel.slug)

    def request_stop(self) -> None:
        self._stop_requested = True
        self._interrupt.set()

    def mark_stopped(self) -> None:
        self.progress.metrics.clear()  # a stopped channel has no current figures
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
        if self.held_exit.held_for(outcome.produced, verdict.reason, now):
            self.log.append("--- the source changed format: restarting at once ---")
            log.info("channel.format_changed", channel=self.channel.slug, reason=verdict.reason)
            return 0.0
        listening = self.channel.ingest_mode.waits_for_publisher
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

    async def _attempt(self) -> Outcome:
        channel = self.channel
        plan = await plan_attempt(
            self.ctx, channel, self.source, self.output_dir, offline=self.status is Status.OFFLINE
        )
        self.progress.begin(plan.watch, plan.deadline)
        self.log.append(f"--- start #{self.restarts} from {redact(plan.url)} ---")
        self.log.join()  # decoder noise before the first keyframe stays out (log_ring.py)
        attempt = ChildAttempt(self.ctx, channel.slug, self.pid_path, self.output_dir, self.log)
        parser = self._parser = ProgressParser()
        switch_to: SourceRole | None = None
        stall: str | None = None
        try:
            child = await attempt.start(
                plan.argv, lambda chunk: self._on_progress_bytes(parser, chunk), self.source
            )
            self.pid = child.pid
            listening = channel.ingest_mode.waits_for_publisher
            watchdog = self.progress.watchdog(listening, self._tick)
            stall = await attempt.watch(watchdog, self._interrupt)
            if stall is not None:
                self.transition(StatusEvent.PROGRESS_STALLED, stall)
            if self._switch_to is not None and not self._stop_requested:
                switch_to, self._switch_to = self._switch_to, None
                self._interrupt.clear()
            await attempt.stop()
            # FFmpeg closes its last, shorter segment as it ends (a stop, a restart, a move
            # at a drain): published now, the stream runs on up to the moment it stopped,
            # where the next child (here or on the worker taking the channel) continues it.
            plan.watch.poll(self.ctx.clock())
        finally:
            await attempt.close()
            self._parser = None  # anything this child still writes is ignored
            self.pid = None
        produced = self.progress.produced
        verdict = attempt.verdict(produced, stall)
        self.log.joined()
        rc = attempt.child.returncode if attempt.child is not None else None
        return Outcome(verdict, produced, rc, switch_to)

    def _on_progress_bytes(self, parser: ProgressParser, chunk: bytes) -> None:
        """FFmpeg's ``-progress`` output, handed over by the child's pipe as it arrives."""
        if parser is not self._parser:
            return  # a child of an attempt that has ended
        for block in parser.feed(chunk):
            self.progress.on_block(block)

    def _first_advance(self) -> None:
        self.log.joined()
        self.switch.note_output()
        if self.held_exit.release() and self.status is not Status.OFFLINE:
            return  # back in the new format: no status change
        via = "" if self.source is SourceRole.PRIMARY else " from the backup source"
        self.transition(StatusEvent.PROGRESS_SEEN, f"segments are being written{via}")

    def _tick(self, now: float) -> str | None:
        """The once-a-second look: a reason when the output stalled, else the facts it saw."""
        listening = self.channel.ingest_mode.waits_for_publisher
        segment_s = self.channel.hls.segment_seconds or self.ctx.settings.hls_segment_seconds
        seen = self.progress.tick(now, self.status, listening, segment_s)
        held = self.held_exit.due(now)
        if held is not None:
            self.transition(StatusEvent.PROCESS_EXITED, held)
        if seen.event is not None:
            self.transition(*seen.event)
        if seen.healthy_for >= self.ctx.settings.backoff_reset_after_s:
            self.backoff.reset()
        return seen.stalled


def secrets_of(channel: Channel) -> tuple[str, ...]:
    return tuple(s for s in (channel.passphrase,) if s)
