"""The benchmark's HTTP client of ``streamfleet serve``: readiness, channels, load, metrics.

Only what docs/api.md promises is used: ``/readyz``, ``POST /api/v1/auth/token``,
``POST /api/v1/channels``, ``GET /api/v1/channels`` and the Prometheus ``/metrics`` text.
The API calls carry the first-start admin's bearer token (:func:`admin_token`); a build
from before accounts (``--streamfleet-command``) asks for none and gets none.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import httpx

from bench.contenders.base import ContenderFailed
from bench.percentiles import summary

READY_POLL_S = 0.1
REQUEST_TIMEOUT_S = 30.0
CREATE_CONCURRENCY = 8
THUMBNAIL_CPU_METRIC = "streamfleet_thumbnail_cpu_seconds_total"
"""The hook for the thumbnailer's CPU: a counter of CPU seconds, summed over its labels."""
INITIAL_ADMIN_FILE = "initial-admin.txt"
"""What the first start writes into the data directory; its last word is the admin password."""
ADMIN_USERNAME = "admin"
PASSWORD_FILE_TIMEOUT_S = 30.0


@dataclass(frozen=True, slots=True)
class CreatedChannel:
    id: int
    slug: str
    hls_url: str


async def wait_ready(base_url: str, timeout_s: float, still_running: Callable[[], bool]) -> float:
    """Poll ``/readyz`` until it answers 200; returns the seconds it took."""
    started = time.monotonic()
    deadline = started + timeout_s
    async with httpx.AsyncClient(base_url=base_url, timeout=2.0) as client:
        while True:
            try:
                response = await client.get("/readyz")
                if response.status_code == 200:
                    return time.monotonic() - started
            except httpx.TransportError:
                pass
            if not still_running():
                raise ContenderFailed("streamfleet serve exited before /readyz answered")
            if time.monotonic() > deadline:
                raise ContenderFailed(f"/readyz did not answer 200 within {timeout_s:g} s")
            await asyncio.sleep(READY_POLL_S)


def bearer(token: str | None) -> dict[str, str]:
    """The ``Authorization`` header for ``token`` (none for a server that wants none)."""
    return {"Authorization": f"Bearer {token}"} if token else {}


async def admin_token(base_url: str, data_dir: Path) -> str | None:
    """A bearer token of the admin the server made at its first start, from
    ``POST /api/v1/auth/token`` with the password in ``data_dir/initial-admin.txt``;
    None when the server answers the API without credentials."""
    async with httpx.AsyncClient(base_url=base_url, timeout=REQUEST_TIMEOUT_S) as client:
        try:
            probe = await client.get("/api/v1/channels", params={"limit": 1})
            if probe.status_code == 200:
                return None
            if probe.status_code != 401:
                raise ContenderFailed(f"GET /api/v1/channels answered {probe.status_code}")
            password = await _initial_admin_password(data_dir / INITIAL_ADMIN_FILE)
            response = await client.post(
                "/api/v1/auth/token", json={"username": ADMIN_USERNAME, "password": password}
            )
        except httpx.HTTPError as exc:
            raise ContenderFailed(f"no API token: {exc!r}") from None
    if response.status_code != 200:
        raise ContenderFailed(f"POST /api/v1/auth/token answered {response.status_code}")
    return str(response.json()["access_token"])


async def _initial_admin_password(path: Path) -> str:
    """The last word of ``path``, once the server has written it."""
    deadline = time.monotonic() + PASSWORD_FILE_TIMEOUT_S
    while True:
        try:
            words = path.read_text().split()
        except FileNotFoundError:
            words = []
        if words:
            return words[-1]
        if time.monotonic() > deadline:
            waited = f"{PASSWORD_FILE_TIMEOUT_S:g} s"
            raise ContenderFailed(f"the server wrote no {path} within {waited}")
        await asyncio.sleep(READY_POLL_S)


async def create_channels(
    base_url: str, bodies: Sequence[dict[str, Any]], *, token: str | None
) -> list[CreatedChannel]:
    """``POST /api/v1/channels`` for each body (a few at a time), in the order given."""
    created: list[CreatedChannel | None] = [None] * len(bodies)
    gate = asyncio.Semaphore(CREATE_CONCURRENCY)
    async with httpx.AsyncClient(
        base_url=base_url, headers=bearer(token), timeout=REQUEST_TIMEOUT_S
    ) as client:

        async def create(index: int) -> None:
            async with gate:
                try:
                    response = await client.post("/api/v1/channels", json=bodies[index])
                except httpx.HTTPError as exc:
                    raise ContenderFailed(f"POST /api/v1/channels failed: {exc!r}") from None
            if response.status_code != 201:
                raise ContenderFailed(
                    f"POST /api/v1/channels answered {response.status_code}: {response.text[:300]}"
                )
            body = response.json()
            urls = body.get("urls") or {}
            created[index] = CreatedChannel(
                id=int(body["id"]),
                slug=str(body["slug"]),
                hls_url=str(urls.get("hls") or f"/hls/{body['slug']}/index.m3u8"),
            )

        await asyncio.gather(*(create(i) for i in range(len(bodies))))
    return [c for c in created if c is not None]


async def engine_missing(base_url: str, channel_id: int, *, token: str | None) -> bool:
    """True when ``POST /api/v1/channels/{id}/start`` answers 503: no engine runs in this server
    (docs/api.md). Only asked after channels failed to start, so it disturbs no measurement."""
    async with httpx.AsyncClient(
        base_url=base_url, headers=bearer(token), timeout=REQUEST_TIMEOUT_S
    ) as client:
        try:
            response = await client.post(f"/api/v1/channels/{channel_id}/start")
        except httpx.HTTPError:
            return False
    return response.status_code == 503


async def list_channels_latencies(
    base_url: str, concurrency: int, total: int, *, token: str | None
) -> dict[str, Any]:
    """``GET /api/v1/channels`` from ``concurrency`` clients at once, ``total`` requests in all.

    Each client first makes one uncounted request (its connection); latencies
    are in milliseconds. The load comes from aiohttp, not httpx: httpx spends
    about 4.5 ms of CPU on each 60-channel answer, so on 2 cores fifty httpx
    clients measured their own queue rather than the server's.
    """
    latencies_s: list[float] = []
    errors = 0
    remaining = total
    connector = aiohttp.TCPConnector(limit=concurrency)
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_S)
    async with aiohttp.ClientSession(
        base_url, connector=connector, timeout=timeout, headers=bearer(token)
    ) as session:

        async def one() -> bool:
            try:
                async with session.get("/api/v1/channels") as response:
                    await response.read()
                    return response.status == 200
            except (aiohttp.ClientError, TimeoutError):
                return False

        async def worker() -> None:
            nonlocal remaining, errors
            await one()
            while remaining > 0:
                remaining -= 1
                started = time.perf_counter()
                ok = await one()
                latencies_s.append(time.perf_counter() - started)
                errors += 0 if ok else 1

        started = time.monotonic()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.monotonic() - started
    stats = summary(latencies_s)
    return {
        "concurrency": concurrency,
        "requests": len(latencies_s),
        "errors": errors,
        "requests_per_s": round(len(latencies_s) / elapsed, 1) if elapsed > 0 else None,
        "latency_ms": {
            k: (v if k == "count" or v is None else round(v * 1000.0, 2)) for k, v in stats.items()
        },
    }


def metric_sum(text: str, name: str) -> float | None:
    """The sum of every sample of metric ``name`` in a Prometheus text page; None if absent."""
    total: float | None = None
    for line in text.splitlines():
        if not line.startswith(name):
            continue
        rest = line[len(name) :]
        if rest and rest[0] not in " {":
            continue  # a longer name that starts the same
        try:
            value = float(rest.rsplit("}", 1)[-1].split()[0])
        except (ValueError, IndexError):
            continue
        total = value if total is None else total + value
    return total


async def scrape_metric(base_url: str, name: str) -> float | None:
    try:
        async with httpx.AsyncClient(base_url=base_url, timeout=REQUEST_TIMEOUT_S) as client:
            response = await client.get("/metrics")
    except httpx.HTTPError:
        return None
    if response.status_code != 200:
        return None
    return metric_sum(response.text, name)
