"""What one channel's running child shows: progress → heartbeat, stall deadline, metrics, health.

``ChannelProgress`` is told of each ``-progress`` block and of every tick; it
keeps the heartbeat (the last time media time advanced) and the stall deadline
that follows the source (``media/stall_deadline.py``), follows the output
playlist, publishes the metrics once a second when they changed, and says what
the health rules (``engine/health.py``) make of the channel. It changes no
status itself: it returns the named facts and the runner feeds them to the
status machine.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

from streamfleet.domain.status import Status, StatusEvent
from streamfleet.engine.context import RunnerContext
from streamfleet.engine.health import HealthMonitor
from streamfleet.engine.output_watch import OutputWatch, output_stall
from streamfleet.engine.watchdog import Watchdog
from streamfleet.events.envelope import Envelope, EventType
from streamfleet.media.progress import Progress
from streamfleet.media.stall_deadline import Delivery, StallDeadline

FPS_MIN_WINDOW_S: Final = 0.5
"""The shortest span over which the frame rate is measured from frame counts."""
TICK_S: Final = 1.0
"""How often a running channel publishes metrics, reads its playlist and judges health."""
WAITING_FOR_PUBLISHER: Final = "waiting for publisher"
LISTEN_ARMED_S: Final = 1.0
"""A listener with no publisher after this long shows ``offline``/"waiting for publisher"."""


@dataclass(frozen=True, slots=True)
class TickSeen:
    """What one tick found: an output stall, a status fact to feed, how long it has run well."""

    stalled: str | None = None
    event: tuple[StatusEvent, str] | None = None
    healthy_for: float = 0.0


class ChannelProgress:
    """The figures of the current child of one channel (reset at each attempt)."""

    def __init__(self, ctx: RunnerContext, slug: str, on_first_advance: Callable[[], None]) -> None:
        self.ctx = ctx
        self.slug = slug
        self.on_first_advance = on_first_advance
        """Called once per attempt, when media time first advances (the channel is up)."""
        self.metrics: dict[str, Any] = {}
        self.health = HealthMonitor()
        self.deadline = StallDeadline(Delivery.CONTINUOUS, ctx.settings.stale_timeout_s)
        """How long media time may stand still, for this attempt's source."""
        self.watch: OutputWatch | None = None
        self.started_at = 0.0
        self.last_advance: float | None = None
        self.produced = False
        """The child's media time advanced at least once."""
        self.online_since: float | None = None
        self._last_out_us = 0
        self._clear_since: float | None = None
        self._metrics_dirty = False
        self._last_block: Progress | None = None
        self._fps_mark: tuple[float, int] | None = None

    def begin(self, watch: OutputWatch, deadline: StallDeadline) -> None:
        """A new child starts: its media clock, its output and its deadline start again."""
        now = self.ctx.clock()
        self._fps_mark = None
        self.watch = watch
        watch.arm(now)
        self.deadline = deadline
        self.started_at = now
        self.last_advance = None
        self._last_out_us = 0
        self.produced = False
        self.online_since = None
        self._clear_since = None
        self.health.restart(deadline.speed_window_s(self.health.base.window_s), deadline.jump_s())

    # -- progress -----------------------------------------------------------------------

    def on_block(self, block: Progress) -> None:
        self._last_block = block
        self._metrics_dirty = True
        out_us = block.out_time_us
        if out_us is None or out_us <= self._last_out_us:
            return
        now = self.ctx.clock()
        self._last_out_us = out_us
        self.last_advance = now
        self.deadline.observe_advance(now)
        self.health.observe_progress(now, out_us, block.frame or 0, block.drop_frames or 0)
        if not self.produced:
            self.produced = True
            self.online_since = now
            self.on_first_advance()

    def watchdog(self, listening: bool, tick: Callable[[float], str | None]) -> Watchdog:
        """The current child's watchdog: this stall deadline, ``tick`` every ``TICK_S``."""
        return Watchdog(
            self.ctx.clock,
            lambda: self.stall_deadline(listening),
            lambda: self.stall_reason(listening),
            tick,
            TICK_S,
            self.ctx.beat,
        )

    def stall_deadline(self, listening: bool) -> float:
        """When no advance by then means the source is gone (``inf``: never)."""
        if self.last_advance is not None:
            return self.last_advance + self.deadline.allowance_s()
        if listening:
            return math.inf  # a listener waits for its publisher as long as it takes
        return self.started_at + self.ctx.settings.startup_timeout_s

    def stall_reason(self, listening: bool) -> str:
        if self.last_advance is None:
            return f"no media from the source within {self.ctx.settings.startup_timeout_s:g} s"
        if listening:
            return WAITING_FOR_PUBLISHER
        return f"source silent: {self.deadline.describe()}"

    # -- the once-a-second tick ---------------------------------------------------------

    def poll_output(self, now: float, segment_seconds: float) -> str | None:
        """Reads the output playlist; a reason when it stopped advancing while running."""
        watch = self.watch
        assert watch is not None
        segment = watch.poll(now)
        if segment is not None and segment.bitrate_kbps is not None:
            self.metrics["bitrate_kbps"] = round(segment.bitrate_kbps, 1)
            self.health.observe_segment(segment.bitrate_kbps)
            self._metrics_dirty = True
        if not self.produced:
            return None
        return output_stall(
            now,
            watch.changed_at,
            watch.segments_since_arm,
            watch.target_duration_s,
            segment_seconds,
            self.ctx.settings.startup_timeout_s,
        )

    def tick(self, now: float, status: Status, listening: bool, segment_s: float) -> TickSeen:
        """Output playlist, health, metrics: what the runner has to act on."""
        stalled = self.poll_output(now, segment_s)
        if status is Status.STARTING and listening and now - self.started_at >= LISTEN_ARMED_S:
            return TickSeen(stalled, (StatusEvent.PROGRESS_STALLED, WAITING_FOR_PUBLISHER))
        if stalled is not None:
            return TickSeen(stalled)
        event: tuple[StatusEvent, str] | None = None
        if self.produced:
            problem, recovered = self.health_problem(now)
            if problem is not None and status is Status.ONLINE:
                event = (StatusEvent.HEALTH_DEGRADED, problem)
            elif recovered and status is Status.DEGRADED:
                event = (StatusEvent.HEALTH_RECOVERED, "back within expectations")
        self.publish_metrics()
        return TickSeen(None, event, self.healthy_for(now) if self.produced else 0.0)

    def health_problem(self, now: float) -> tuple[str | None, bool]:
        """(the problem right now or ``None``, whether a degraded channel is back to normal:
        ``recover_after_s`` without any problem)."""
        problem = self.health.problem()
        if problem is not None:
            self._clear_since = None
            return problem, False
        if self._clear_since is None:
            self._clear_since = now
            return None, False
        return None, now - self._clear_since >= self.health.t.recover_after_s

    def healthy_for(self, now: float) -> float:
        return now - (self.online_since or now)

    def publish_metrics(self) -> None:
        """The current figures on the bus, when anything changed since the last time."""
        if not self._metrics_dirty:
            return
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
        watch = self.watch
        age = watch.age_s(self.ctx.wall()) if watch is not None else None
        m["last_segment_age_s"] = round(age, 1) if age is not None else None
        m.setdefault("bitrate_kbps", None)
        self.ctx.bus.publish_nowait(Envelope(EventType.METRICS, self.slug, dict(m)))

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
