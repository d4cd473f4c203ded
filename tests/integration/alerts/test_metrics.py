"""``/metrics`` exports every metric the shipped Prometheus rules and Grafana dashboard use."""

from __future__ import annotations

import math
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from streamfleet.domain.status import Status
from streamfleet.engine.builder import build_engine
from tests.integration.alerts.conftest import status_envelope
from tests.support.deploy_files import dashboard_expressions, rule_expressions
from tests.support.server import ApiClient, api_client_for, settings_for_test
from tests.support.waiting import eventually

METRIC_RE = re.compile(r"\b((?:streamfleet|process)_[a-z0-9_]+)\b")
FOREIGN = ("node_", "up")
"""node_exporter's metrics and Prometheus' own ``up`` are not ours to export."""
WORKER_ONLY = "streamfleet_worker_"
"""A fleet worker's own gauges (``fleet/worker_http.py``): ``serve`` has none;
tests/integration/fleet/test_worker_metrics.py checks a worker exports them."""


def used_metrics(expressions: list[str]) -> set[str]:
    return {m for e in expressions for m in METRIC_RE.findall(e)}


def exported(text: str) -> dict[str, list[str]]:
    """Sample name → the sample lines with that name."""
    samples: dict[str, list[str]] = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name = re.split(r"[{ ]", line, maxsplit=1)[0]
            samples.setdefault(name, []).append(line)
    return samples


@pytest.fixture
async def metrics_api(tmp_path: Path) -> AsyncIterator[ApiClient]:
    settings = settings_for_test(tmp_path / "data")
    async with api_client_for(settings, engine_factory=build_engine) as client:
        for name in ("News", "Sport"):
            response = await client.post(
                "/api/v1/channels",
                json={
                    "name": name,
                    "input_url": "udp://239.0.0.1:1234",
                    "offline_grace_s": 1,
                    "enabled": False,  # the engine runs here: it must not start them
                },
            )
            assert response.status_code == 201
        yield client


def test_the_rules_and_the_dashboard_use_our_metrics() -> None:
    assert "streamfleet_channel_up" in used_metrics(rule_expressions())
    assert "streamfleet_channel_input_bitrate_bits_per_second" in used_metrics(
        dashboard_expressions()
    )
    assert all(not m.startswith(FOREIGN) for m in used_metrics(rule_expressions()))


async def test_every_metric_the_rules_and_dashboard_use_is_exported(
    metrics_api: ApiClient,
) -> None:
    response = await metrics_api.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    samples = exported(response.text)
    wanted = used_metrics(rule_expressions() + dashboard_expressions())
    missing = sorted(m for m in wanted if m not in samples and not m.startswith(WORKER_ONLY))
    assert missing == []


async def test_channel_metrics_are_one_hot_by_status_and_follow_the_recorded_status(
    metrics_api: ApiClient,
) -> None:
    samples = exported((await metrics_api.get("/metrics")).text)
    news_status = [s for s in samples["streamfleet_channel_status"] if 'channel="news"' in s]
    assert len(news_status) == len(Status)
    assert [s for s in news_status if s.endswith(" 1.0")] == [
        'streamfleet_channel_status{channel="news",status="stopped"} 1.0'
    ]
    assert 'streamfleet_channel_up{channel="news"} 0.0' in samples["streamfleet_channel_up"]
    assert 'streamfleet_channels{status="stopped"} 2.0' in samples["streamfleet_channels"]
    assert samples["streamfleet_thumbnail_cpu_seconds_total"] == [
        "streamfleet_thumbnail_cpu_seconds_total 0.0"
    ]
    fps = samples["streamfleet_channel_fps"][0]
    assert math.isnan(float(fps.rsplit(" ", 1)[1]))
    assert float(samples["process_resident_memory_bytes"][0].rsplit(" ", 1)[1]) > 0


async def test_alert_and_outbox_counts_are_exported(metrics_api: ApiClient) -> None:
    await metrics_api.app.state.bus.publish(status_envelope("news", "offline", "online"))

    async def counted() -> bool:
        samples = exported((await metrics_api.get("/metrics")).text)
        return (
            'streamfleet_alerts_open{severity="critical"} 1.0' in samples["streamfleet_alerts_open"]
        )

    await eventually(counted, what="open alert counted")
