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
