"""What a worker serves on its own ``--host``/``--port``: ``/healthz``, ``/readyz``, ``/metrics``.

The app's lifespan is the worker's: it starts the ``FleetWorker`` (made by ``start``) and
stops it when the server stops (SIGTERM), so a worker leaves cleanly: its FFmpeg stopped,
its leases released, deregistered. ``/readyz`` answers 200 once the worker heartbeats
(its last beat younger than the lease TTL); ``/metrics`` is Prometheus text: the worker's
own gauges, and for the channels it runs what ``serve`` shows of its channels (status,
bitrate, restarts, the last segment's age…; ``metrics_collector.py``), with the
process's CPU and memory, ``streamfleet_engine_up`` and ``streamfleet_build_info``.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Gauge

from streamfleet.cluster.timing import LEASE_TTL_S
from streamfleet.fleet.worker import FleetWorker
from streamfleet.metrics_collector import ChannelSample, FleetSnapshot, exposition

WorkerStarter = Callable[[], Awaitable[FleetWorker]]
WorkerStopper = Callable[[FleetWorker], Awaitable[None]]


def worker_app(start: WorkerStarter, stop: WorkerStopper) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        worker = await start()
        app.state.worker = worker
        try:
            yield
        finally:
            app.state.worker = None
            await stop(worker)

    app = FastAPI(title="streamfleet worker", lifespan=lifespan, docs_url=None, redoc_url=None)
    app.state.worker = None

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz")
    async def readyz(response: Response) -> dict[str, Any]:
        worker: FleetWorker | None = app.state.worker
        age_s = worker.heartbeat_age_s() if worker is not None else None
        if worker is None or age_s is None or age_s >= LEASE_TTL_S:
            response.status_code = 503
            return {"status": "not ready", "heartbeat_age_s": age_s}
        return {"status": "ready", "worker": worker.spec.id, "channels": len(worker.running)}

    @app.get("/metrics")
    async def metrics() -> Response:
        worker: FleetWorker | None = app.state.worker
        body = await _metrics(worker) if worker is not None else b""
        return Response(body, media_type=CONTENT_TYPE_LATEST)

    return app


async def _metrics(worker: FleetWorker) -> bytes:
    registry = CollectorRegistry(auto_describe=False)
    labels = {"worker": worker.spec.id}

    def gauge(name: str, doc: str, value: float, **more: str) -> None:
        metric = Gauge(name, doc, [*labels, *more], registry=registry)
        metric.labels(**labels, **more).set(value)

    running = worker.running
    gauge(
        "streamfleet_worker_capacity_channels", "Channels this worker may run", worker.spec.capacity
    )
    gauge("streamfleet_worker_channels", "Channels this worker holds and runs", len(running))
    age_s = worker.heartbeat_age_s()
    gauge(
        "streamfleet_worker_heartbeat_age_seconds",
        "Seconds since the last successful heartbeat (-1: none yet)",
        -1.0 if age_s is None else age_s,
    )
    gauge("streamfleet_worker_draining", "1 while this worker is being drained", worker.draining)
    gauge(
        "streamfleet_worker_drain_waiting",
        "1 while a drain or over-capacity move waits for a worker that can take a channel",
        worker.drain.waiting,
    )
    gauge(
        "streamfleet_worker_channels_moved",
        "Channels this process moved to other workers (drain, over capacity)",
        worker.drain.moved,
    )
    gauge("streamfleet_worker_placer", "1 while this worker leads placement", worker.placer.leading)
    gauge(
        "streamfleet_worker_status_writes_refused",
        "Status changes refused because their lease epoch was no longer current",
        worker.sink.refused,
    )
    gauge(
        "streamfleet_worker_media_info_writes_refused",
        "Media info readings refused because their lease epoch was no longer current",
        worker.media.refused,
    )
    states = await worker.engine.states(list(running))
    by_status = Counter(state.status.value for state in states.values())
    status_gauge = Gauge(
        "streamfleet_worker_channels_by_status",
        "Channels this worker runs, by status",
        ["worker", "status"],
        registry=registry,
    )
    for status, count in by_status.items():
        status_gauge.labels(worker=worker.spec.id, status=status).set(count)
    samples = [
        ChannelSample(
            config.slug, config.enabled, state.status, state.since, state.restarts, state.metrics
        )
        for channel_id, state in states.items()
        if (config := worker.config(channel_id)) is not None
    ]
    snapshot = FleetSnapshot(
        channels=samples,
        now=time.time(),
        engine_running=True,
        open_alerts={},
        outbox={},
        thumbnail_cpu_s=(await worker.engine.stats()).thumbnail_cpu_s,
        fleet_wide=False,
    )
    return exposition(snapshot, registry=registry)
