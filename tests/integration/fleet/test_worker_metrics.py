"""A fleet's ``/metrics`` feed the shipped dashboard and alert rules: a worker shows, for the
channels it runs, what ``serve`` shows of its own (status, bitrate, restarts, the last
segment's age), with its process's CPU and memory, ``streamfleet_engine_up`` (the engine
alert matches workers) and ``streamfleet_build_info`` (the dashboard lists processes by it);
the counts of the whole fleet stay with the API node, whose ``streamfleet_engine_up`` is 0
(no engine runs there). Between them, every ``streamfleet_*``
and ``process_*`` metric the dashboard and the rules name is exposed."""

from __future__ import annotations

import math
import re

import httpx
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample

from tests.integration.fleet.channels import create_channels, online
from tests.integration.fleet.conftest import Fleet
from tests.support.deploy_files import DEPLOY
from tests.support.media import Feeders
from tests.support.server import ServerProcess
from tests.support.waiting import wait_until

ONLINE_TIMEOUT_S = 60.0
SHIPPED = (DEPLOY / "grafana" / "streamfleet.json", DEPLOY / "prometheus" / "alerts.yml")
METRIC_RE = re.compile(r"\b(?:streamfleet|process)_[a-z0-9_]+\b")


def names_shipped() -> set[str]:
    """The metric names the dashboard (queries and variables) and the alert rules use."""
    return {name for path in SHIPPED for name in METRIC_RE.findall(path.read_text())}


def scrape(
    process: ServerProcess, headers: dict[str, str] | None = None
) -> dict[str, list[Sample]]:
    """``/metrics`` by sample name (a worker's needs no token, an API node's does)."""
    answer = httpx.get(f"{process.base_url}/metrics", headers=headers)
    assert answer.status_code == 200, answer.text
    samples: dict[str, list[Sample]] = {}
    for family in text_string_to_metric_families(answer.text):
        for sample in family.samples:
            samples.setdefault(sample.name, []).append(sample)
    return samples


def value(samples: dict[str, list[Sample]], name: str, **labels: str) -> float:
    (found,) = [s.value for s in samples.get(name, []) if labels.items() <= s.labels.items()]
    return float(found)


async def test_a_worker_exposes_its_channels_cpu_and_memory_and_the_fleet_what_is_shipped(
    fleet: Fleet, feeders: Feeders
) -> None:
    worker = fleet.worker("metered")
    api = fleet.start("api")
    await create_channels(api, feeders, ["Metered"])
    (channel,) = (await wait_until(lambda: online(api, 1), ONLINE_TIMEOUT_S, "online")).values()
    slug = channel["slug"]

    def measured() -> dict[str, list[Sample]] | None:
        samples = scrape(worker)
        bitrate = value(samples, "streamfleet_channel_input_bitrate_bits_per_second", channel=slug)
        return samples if bitrate > 0 else None  # NaN until FFmpeg's first progress

    samples = await wait_until(measured, ONLINE_TIMEOUT_S, "the worker's bitrate of the channel")
    assert value(samples, "streamfleet_channel_up", channel=slug) == 1
    assert value(samples, "streamfleet_channel_status", channel=slug, status="online") == 1
    assert value(samples, "streamfleet_channel_restarts_total", channel=slug) == 0
    assert math.isfinite(
        value(samples, "streamfleet_channel_last_segment_age_seconds", channel=slug)
    )
    assert value(samples, "streamfleet_worker_channels", worker="metered") == 1
    assert value(samples, "streamfleet_engine_up") == 1
    assert value(samples, "streamfleet_build_info") == 1
    assert value(samples, "process_cpu_seconds_total") > 0
    assert value(samples, "process_resident_memory_bytes") > 0
    # The fleet's counts come from the API nodes only (a sum over every process counts once).
    assert not {"streamfleet_channels", "streamfleet_notifications"} & samples.keys()

    at_the_api = scrape(api, api.headers)
    assert value(at_the_api, "streamfleet_engine_up") == 0  # no engine runs on an API node
    assert "streamfleet_thumbnail_cpu_seconds_total" not in at_the_api
    exposed = samples.keys() | at_the_api.keys()
    shipped = names_shipped()
    assert "streamfleet_worker_channels" in shipped
    assert sorted(shipped - exposed) == []
