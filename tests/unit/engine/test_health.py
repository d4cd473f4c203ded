"""When a running channel counts as degraded."""

from __future__ import annotations

from streamfleet.engine.health import HealthMonitor


def feed(
    monitor: HealthMonitor, seconds: float, speed: float, fps: int = 25, drops_per_s: float = 0
) -> None:
    """Progress blocks every 0.5 s for ``seconds`` at ``speed`` x real time."""
    steps = int(seconds / 0.5) + 1
    for i in range(steps):
        t = i * 0.5
        monitor.observe_progress(
            100.0 + t, int(t * speed * 1_000_000), int(t * fps), int(t * drops_per_s)
        )


def test_a_channel_at_real_time_speed_has_no_problem() -> None:
    monitor = HealthMonitor()
    feed(monitor, 10, speed=1.0)
    assert monitor.problem() is None
    assert monitor.window_speed() == 1.0


def test_speed_below_095_over_five_seconds_is_degraded() -> None:
    monitor = HealthMonitor()
    feed(monitor, 10, speed=0.9)
    problem = monitor.problem()
    assert problem is not None
    assert problem.startswith("speed 0.90x")


def test_slow_speed_is_not_judged_before_the_window_has_five_seconds() -> None:
    monitor = HealthMonitor()
    feed(monitor, 3, speed=0.5)
    assert monitor.problem() is None


def test_rising_dropped_frames_are_degraded() -> None:
    monitor = HealthMonitor()
    feed(monitor, 10, speed=1.0, drops_per_s=2)
    assert monitor.problem() == "10 frames dropped in 5 s"


def test_a_bitrate_far_below_the_channels_recent_normal_is_degraded_and_recovers() -> None:
    monitor = HealthMonitor()
    feed(monitor, 10, speed=1.0)
    for _ in range(10):
        monitor.observe_segment(3000.0)
    monitor.observe_segment(300.0)
    assert monitor.problem() == "bitrate 300 kb/s far below its usual 3000"
    monitor.observe_segment(2900.0)
    assert monitor.problem() is None


def test_bitrate_is_not_judged_without_enough_history() -> None:
    monitor = HealthMonitor()
    monitor.observe_segment(3000.0)
    monitor.observe_segment(10.0)
    assert monitor.problem() is None


def test_a_restart_starts_the_speed_window_again() -> None:
    monitor = HealthMonitor()
    feed(monitor, 10, speed=0.5)
    monitor.restart()
    assert monitor.window_speed() is None
    assert monitor.problem() is None


def feed_jumps(
    monitor: HealthMonitor, seconds: float, jump_s: float, speed: float = 1.0, partial: bool = False
) -> None:
    """Media arriving ``jump_s`` at a time (HLS segments); the last jump is seen only a tenth
    of the way in when ``partial`` (a segment read while the progress block was written)."""
    jumps = int(seconds / jump_s)
    for n in range(1, jumps + 1):
        media = n * jump_s - (0.9 * jump_s if partial and n == jumps else 0.0)
        monitor.observe_progress(100.0 + n * jump_s / speed, int(media * 1e6), 0, 0)


def test_a_source_arriving_in_whole_segments_with_a_partial_read_at_the_end_is_not_slow() -> None:
    """The sample taken half-way through a segment read is not taken for a slow source."""
    monitor = HealthMonitor()
    monitor.restart(window_s=30, jump_s=3.0)
    feed_jumps(monitor, 40, jump_s=2.0, partial=True)
    speed = monitor.window_speed()
    assert speed is not None
    assert speed > 0.99
    assert monitor.problem() is None


def test_the_same_partial_read_judged_as_a_continuous_source_reads_as_slow() -> None:
    """Without the jump allowance, the partial sample at the end drags the speed down."""
    monitor = HealthMonitor()
    monitor.restart(window_s=30)
    feed_jumps(monitor, 40, jump_s=2.0, partial=True)
    speed = monitor.window_speed()
    assert speed is not None
    assert speed < 0.95


def test_a_source_arriving_in_jumps_but_slower_than_real_time_is_still_degraded() -> None:
    monitor = HealthMonitor()
    monitor.restart(window_s=30, jump_s=3.0)
    feed_jumps(monitor, 60, jump_s=2.0, speed=0.85)
    problem = monitor.problem()
    assert problem is not None
    assert problem.startswith("speed 0.85x")
