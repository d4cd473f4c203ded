"""When a running channel is ``degraded``: running, but below what is expected of it.

Rules (each over the last ``window_s``, measured with the engine's clock, not
FFmpeg's cumulative ``speed``, which lags for minutes after a slow patch):

- speed: media time advanced less than ``speed_floor`` x wall time
  (the channel falls behind real time);
- dropped frames rising: more than ``drop_ratio`` of the frames and at least
  ``min_drops`` frames dropped;
- bitrate: the newest segment's bitrate is below ``bitrate_floor_ratio`` x the
  median of the channel's recent segments (its own recent normal).

Pure: the caller passes the time and the observations.
"""

from __future__ import annotations

import statistics
from collections import deque
from dataclasses import dataclass, replace


@dataclass(frozen=True, slots=True)
class HealthThresholds:
    speed_floor: float = 0.95
    window_s: float = 5.0
    drop_ratio: float = 0.01
    min_drops: int = 3
    bitrate_floor_ratio: float = 0.3
    bitrate_history: int = 30
    bitrate_min_history: int = 5
    recover_after_s: float = 5.0
    """A degraded channel is online again after this long without a problem."""


class HealthMonitor:
    __slots__ = ("_bitrates", "_latest_bitrate", "_samples", "base", "jump_s", "t")

    def __init__(self, thresholds: HealthThresholds | None = None) -> None:
        self.base = thresholds or HealthThresholds()
        self.t = self.base
        self.jump_s = 0.0
        """How far apart the source's media may arrive (0: continuously)."""
        self._samples: deque[tuple[float, int, int, int]] = deque()
        self._bitrates: deque[float] = deque(maxlen=self.t.bitrate_history)
        self._latest_bitrate: float | None = None

    def restart(self, window_s: float | None = None, jump_s: float = 0.0) -> None:
        """A new child: its media clock starts again, so the speed window starts again.

        A source whose media arrives in jumps up to ``jump_s`` apart (HLS segments, HTTP
        bursts) is judged over ``window_s`` (longer than the usual window), between the
        samples least behind real time at either end of it (see ``window_speed``)."""
        self._samples.clear()
        window = self.base.window_s if window_s is None else max(window_s, self.base.window_s)
        self.t = replace(self.base, window_s=window)
        self.jump_s = jump_s

    def observe_progress(self, now: float, out_time_us: int, frames: int, drops: int) -> None:
        samples = self._samples
        samples.append((now, out_time_us, frames, drops))
        horizon = now - self.t.window_s
        while len(samples) > 2 and samples[1][0] <= horizon:
            samples.popleft()

    def observe_segment(self, bitrate_kbps: float) -> None:
        if self._latest_bitrate is not None:
            self._bitrates.append(self._latest_bitrate)
        self._latest_bitrate = bitrate_kbps

    def window_speed(self) -> float | None:
        """Media seconds per wall second over the window (``None`` until it spans it).

        With media arriving in jumps, a sample may be taken half-way through one (a segment
        read while the progress block was written) and sit up to a jump behind the others:
        the speed is then measured between the sample least behind real time in the first
        ``jump_s`` of the window and the one least behind in its last ``jump_s``, both taken
        right after a whole jump."""
        samples = self._samples
        if len(samples) < 2:
            return None
        first, last = samples[0], samples[-1]
        if last[0] - first[0] < self.t.window_s * 0.9:
            return None
        if self.jump_s > 0:
            first = min((s for s in samples if s[0] <= first[0] + self.jump_s), key=_lag)
            last = min((s for s in samples if s[0] >= last[0] - self.jump_s), key=_lag)
        span = last[0] - first[0]
        if span <= 0:
            return None
        return (last[1] - first[1]) / 1_000_000 / span

    def problem(self) -> str | None:
        """Why the channel is degraded right now, or ``None``."""
        speed = self.window_speed()
        if speed is not None and speed < self.t.speed_floor:
            return f"speed {speed:.2f}x below {self.t.speed_floor}x for {self.t.window_s:g} s"
        if len(self._samples) >= 2:
            _, _, f0, d0 = self._samples[0]
            _, _, f1, d1 = self._samples[-1]
            dropped = d1 - d0
            if dropped >= self.t.min_drops and dropped > self.t.drop_ratio * max(1, f1 - f0):
                return f"{dropped} frames dropped in {self.t.window_s:g} s"
        if self._latest_bitrate is not None and len(self._bitrates) >= self.t.bitrate_min_history:
            normal = statistics.median(self._bitrates)
            if self._latest_bitrate < self.t.bitrate_floor_ratio * normal:
                return f"bitrate {self._latest_bitrate:.0f} kb/s far below its usual {normal:.0f}"
        return None


def _lag(sample: tuple[float, int, int, int]) -> float:
    """How far the sample's media time is behind the clock (plus a constant)."""
    return sample[0] - sample[1] / 1_000_000
