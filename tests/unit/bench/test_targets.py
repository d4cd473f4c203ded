"""The ratios and the issue's targets, judged from a run's results."""

from bench.results import (
    BARE,
    NGINX,
    STREAMFLEET,
    BenchResult,
    ContenderResult,
    LatencySummary,
    StreamfleetFigures,
)
from bench.targets import compute_ratios, evaluate_targets, latency_summary


def contender(name: str, cpu: float, pss: float, **extra: object) -> ContenderResult:
    return ContenderResult(
        name=name,
        channels=60,
        cpu_core_pct=cpu,
        pss_mib=pss,
        **extra,  # type: ignore[arg-type]
    )


def good_figures() -> StreamfleetFigures:
    return StreamfleetFigures(
        all_online_s=6.0,
        segment_seconds=2.0,
        offline_detection=LatencySummary(p50_s=1.2, p95_s=1.8),
        recovery=LatencySummary(p50_s=2.1, p95_s=2.9),
        false_offline_events=0,
        ws={"immediate_delay_ms": {"p99": 40.0}, "delay_by_type_ms": {"metrics": {"p99": 990.0}}},
    )


def result(*contenders: ContenderResult) -> BenchResult:
    r = BenchResult(
        started_at="2026-11-24T20:00:00Z",
        channels=60,
        window_s=60,
        warmup_s=10,
        machine={},
        versions={},
        params={},
        contenders=list(contenders),
    )
    r.ratios = compute_ratios(r)
    return r


def test_ratios_divide_streamfleet_by_each_peer_for_cpu_and_pss() -> None:
    r = result(
        contender(BARE, 30.0, 1200.0),
        contender(STREAMFLEET, 33.0, 1260.0),
        contender(NGINX, 22.0, 12.0),
    )
    assert r.ratios["cpu"] == {f"{STREAMFLEET}/{BARE}": 1.1, f"{STREAMFLEET}/{NGINX}": 1.5}
    assert r.ratios["pss"] == {f"{STREAMFLEET}/{BARE}": 1.05, f"{STREAMFLEET}/{NGINX}": 105.0}


def test_the_corrected_cpu_ratio_counts_each_phase_in_units_of_its_feeders_cpu() -> None:
    """A machine 10 % slower during streamfleet's phase: its feeders cost 10 % more too, and
    the corrected ratio takes that back out."""
    r = result(
        contender(BARE, 30.0, 1200.0, feeders_cpu_core_pct=35.0),
        contender(STREAMFLEET, 36.3, 1260.0, feeders_cpu_core_pct=38.5),
        contender(NGINX, 22.0, 12.0),
    )
    assert r.ratios["cpu"][f"{STREAMFLEET}/{BARE}"] == 1.21
    assert r.ratios["cpu_per_feeder_cpu"][f"{STREAMFLEET}/{BARE}"] == 1.1
    assert r.ratios["cpu_per_feeder_cpu"][f"{STREAMFLEET}/{NGINX}"] is None  # feeders unknown


def test_a_skipped_peer_leaves_its_ratio_empty() -> None:
    nginx = ContenderResult(name=NGINX, channels=60, skipped="nginx is not installed")
    r = result(contender(BARE, 30.0, 1200.0), contender(STREAMFLEET, 33.0, 1260.0), nginx)
    assert r.ratios["cpu"][f"{STREAMFLEET}/{NGINX}"] is None


def test_every_target_is_met_by_a_run_within_the_limits() -> None:
    r = result(
        contender(BARE, 30.0, 1200.0),
        contender(STREAMFLEET, 32.0, 1250.0, streamfleet=good_figures()),
    )
    checks = evaluate_targets(r)
    assert [c.met for c in checks] == [True] * 7
    assert [c.name for c in checks][-1] == "false offline events"


def test_one_false_offline_or_a_slow_recovery_is_a_missed_target() -> None:
    figures = good_figures()
    figures.false_offline_events = 1
    figures.recovery = LatencySummary(p95_s=3.4)
    r = result(
        contender(BARE, 30.0, 1200.0),
        contender(STREAMFLEET, 40.0, 1250.0, streamfleet=figures),
    )
    missed = {c.name for c in evaluate_targets(r) if c.met is False}
    assert missed == {"CPU streamfleet / bare FFmpeg", "recovery p95", "false offline events"}


def test_targets_of_a_contender_that_did_not_run_are_not_measured() -> None:
    r = result(contender(BARE, 30.0, 1200.0))
    assert {c.met for c in evaluate_targets(r)} == {None}


def test_a_missed_reaction_counts_as_infinitely_late_in_the_percentiles() -> None:
    summary = latency_summary([1.0, 1.2, 1.4], missed=1)
    assert summary.p50_s == 1.3
    assert summary.p95_s is None
    assert summary.max_s is None
    assert summary.missed == 1


def test_the_websocket_target_leaves_out_the_metrics_the_server_holds_on_purpose() -> None:
    r = result(
        contender(BARE, 30.0, 1200.0),
        contender(STREAMFLEET, 32.0, 1250.0, streamfleet=good_figures()),
    )
    check = next(c for c in evaluate_targets(r) if c.name == "WebSocket delivery delay p99")
    assert (check.value, check.met) == (40.0, True)
    assert "metrics left out" in check.note
    assert "990 ms" in check.note
