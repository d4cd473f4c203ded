"""The Prometheus collector turns a snapshot of the fleet into our metric names and units."""

from __future__ import annotations

from datetime import UTC, datetime

from prometheus_client import CollectorRegistry, generate_latest

from streamfleet.domain.status import Status
from streamfleet.metrics_collector import ChannelSample, FleetCollector, FleetSnapshot

SINCE = datetime(2026, 11, 24, 20, 0, tzinfo=UTC)
NOW = SINCE.timestamp() + 90


def scrape(snapshot: FleetSnapshot) -> list[str]:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(FleetCollector(snapshot))
    return [
        line for line in generate_latest(registry).decode().splitlines() if not line.startswith("#")
    ]


def snapshot(*channels: ChannelSample, thumbs: float | None = None) -> FleetSnapshot:
    return FleetSnapshot(
        channels=list(channels),
        now=NOW,
        engine_running=True,
        open_alerts={"critical": 2},
        outbox={"failed": 1, "delivered": 7},
        thumbnail_cpu_s=thumbs,
    )


ONLINE = ChannelSample(
    "news",
    True,
    Status.ONLINE,
    SINCE,
    restarts=3,
    metrics={
        "bitrate_kbps": 3456.0,
        "fps": 25.0,
        "speed": 1.01,
        "last_segment_age_s": 0.8,
        "drop_frames": 4,
    },
)
OFFLINE = ChannelSample("sport", True, Status.OFFLINE, SINCE, restarts=5)


def test_an_online_channel_reports_its_media_in_base_units() -> None:
    lines = scrape(snapshot(ONLINE))
    assert 'streamfleet_channel_up{channel="news"} 1.0' in lines
    assert 'streamfleet_channel_input_bitrate_bits_per_second{channel="news"} 3.456e+06' in lines
    assert 'streamfleet_channel_fps{channel="news"} 25.0' in lines
    assert 'streamfleet_channel_speed_ratio{channel="news"} 1.01' in lines
    assert 'streamfleet_channel_last_segment_age_seconds{channel="news"} 0.8' in lines
    assert 'streamfleet_channel_uptime_seconds{channel="news"} 90.0' in lines
    assert 'streamfleet_channel_restarts_total{channel="news"} 3.0' in lines
    assert 'streamfleet_channel_frames_dropped_total{channel="news"} 4.0' in lines


def test_status_is_one_hot_and_a_down_channel_has_no_uptime() -> None:
    lines = scrape(snapshot(OFFLINE))
    hot = [line for line in lines if line.startswith("streamfleet_channel_status{")]
    assert len(hot) == len(Status)  # one line per status, queued included
    assert [line for line in hot if line.endswith(" 1.0")] == [
        'streamfleet_channel_status{channel="sport",status="offline"} 1.0'
    ]
    assert 'streamfleet_channel_up{channel="sport"} 0.0' in lines
    assert 'streamfleet_channel_uptime_seconds{channel="sport"} 0.0' in lines
    assert 'streamfleet_channel_fps{channel="sport"} NaN' in lines


def test_engine_totals_alerts_and_outbox_are_summed() -> None:
    lines = scrape(snapshot(ONLINE, OFFLINE, thumbs=1.5))
    assert 'streamfleet_channels{status="online"} 1.0' in lines
    assert 'streamfleet_channels{status="offline"} 1.0' in lines
    assert 'streamfleet_channels{status="stopped"} 0.0' in lines
    assert "streamfleet_engine_restarts_total 8.0" in lines
    assert "streamfleet_engine_up 1.0" in lines
    assert 'streamfleet_alerts_open{severity="critical"} 2.0' in lines
    assert 'streamfleet_alerts_open{severity="warning"} 0.0' in lines
    assert 'streamfleet_notifications{state="failed"} 1.0' in lines
    assert "streamfleet_thumbnail_cpu_seconds_total 1.5" in lines


def test_without_a_thumbnailer_there_is_no_thumbnail_metric() -> None:
    assert not [line for line in scrape(snapshot(ONLINE)) if "thumbnail" in line]
