"""An API node watches the fleet's workers: kill -9 of one opens a ``worker_lost`` alert, which
resolves when the worker is back; a worker that stops cleanly (SIGTERM) opens none."""

from __future__ import annotations

import os
import signal
from typing import Any

import httpx

from tests.integration.fleet.conftest import Fleet
from tests.support.server import ServerProcess
from tests.support.waiting import wait_until

START_TIMEOUT_S = 60.0
LOST_LIMIT_S = 30.0
"""The lease TTL (10 s) plus the watch's 2 s period, with room for a loaded machine."""


def _worker_alerts(api: ServerProcess) -> dict[str, dict[str, Any]]:
    """Every ``worker_lost`` alert, open or resolved, by the worker it names."""
    answer = httpx.get(
        f"{api.base_url}/api/v1/alerts", params={"rule": "worker_lost"}, headers=api.headers
    )
    assert answer.status_code == 200, answer.text
    return {item["data"]["worker"]: item for item in answer.json()["items"]}


async def test_a_killed_worker_opens_a_lost_alert_a_clean_stop_none_and_a_return_resolves(
    fleet: Fleet,
) -> None:
    """w2 stops cleanly first, then w1 is killed: by the time w1's alert opens (a lease TTL
    later) w2 would have been seen lost too, had it been; w1 back resolves its alert."""
    w1 = fleet.worker("w1")
    w2 = fleet.worker("w2")
    api = fleet.start("api")

    async def both_live() -> bool:
        return await fleet.live_workers() == {"w1", "w2"}

    await wait_until(both_live, START_TIMEOUT_S, "two live workers")
    w2.terminate()  # SIGTERM: stops, releases, deregisters

    def w2_gone() -> bool:
        listed = httpx.get(f"{api.base_url}/api/v1/workers", headers=api.headers).json()
        return "w2" not in {worker["id"] for worker in listed["items"]}

    await wait_until(w2_gone, START_TIMEOUT_S, "w2 deregistered by its clean stop")
    os.kill(w1.process.pid, signal.SIGKILL)

    def w1_lost() -> dict[str, Any] | None:
        alert = _worker_alerts(api).get("w1")
        return alert if alert is not None and alert["state"] == "open" else None

    alert = await wait_until(w1_lost, LOST_LIMIT_S, "a worker_lost alert for w1")
    assert alert["severity"] == "critical"
    assert alert["summary"].startswith("worker w1 lost: no heartbeat for ")
    assert "w2" not in _worker_alerts(api), "a clean stop opened an alert"

    fleet.worker("w1")

    def w1_back() -> bool:
        return _worker_alerts(api)["w1"]["state"] == "resolved"

    await wait_until(w1_back, LOST_LIMIT_S, "w1's alert resolved once it is back")
