"""The fleet's single jobs, run by the API nodes: each in exactly one node at a time.

Every ``streamfleet api`` node runs a ``LeaderJob`` per job (``cluster/leader_job.py``);
the holder of the job's leader lease runs it, the others wait to take over:

- ``alerts``: the rule evaluation (``AlertService.evaluate``); API nodes hear every
  worker's events over Redis, so any of them can evaluate, but only one may;
- ``outbox``: the notification delivery (``AlertService.deliver``), its claims and settled
  attempts fenced by the term;
- ``backups``: the scheduled backups (``BackupSchedule``), when ``backup_interval_s`` > 0;
- ``exports``: the MP4 export runner (``ExportRunner``) and the expiry of old exports, its
  writes to the jobs fenced by the term;
- ``retention``: what no worker owns (``FleetRetention``): the audit log, the kept archives
  of deleted channels.

Placement stays with the workers (``fleet/placer.py``). Why each runs where it does:
"Fleet coordination" in docs/architecture.md.
"""

from __future__ import annotations

import asyncio
import os
import socket
import uuid
from collections.abc import Awaitable, Callable
from typing import Protocol

from streamfleet.alerts.service import AlertService
from streamfleet.backup.schedule import BackupSchedule
from streamfleet.cluster.leader_job import LeaderJob, LeaderWork, Work
from streamfleet.cluster.leader_lease import (
    ALERTS,
    BACKUPS,
    EXPORTS,
    OUTBOX,
    RETENTION,
    LeaderLease,
)
from streamfleet.cluster.timing import LEADER_TTL_S
from streamfleet.cluster.workers import WorkerRegistry
from streamfleet.config import Settings
from streamfleet.db.repositories.archive import ArchiveRepository
from streamfleet.db.repositories.audit import AuditRepository
from streamfleet.db.repositories.exports import ExportRepository
from streamfleet.db.session import Database
from streamfleet.engine.context import utc_now
from streamfleet.engine.exporter import ExportRunner
from streamfleet.engine.process import Spawner
from streamfleet.fleet.fleet_retention import FleetRetention
from streamfleet.fleet.worker_watch import WorkerWatch
from streamfleet.storage.archive_bucket import ArchiveBucket

ShowSchedule = Callable[[BackupSchedule | None], None]
"""Tells the app which backup schedule runs here (its status for ``GET /backups``)."""


class Service(Protocol):
    """A job's service: started when the term begins, stopped when it ends."""

    async def stop(self) -> None: ...


def api_node_holder() -> str:
    """This API node's name in the leader leases: host, pid and a random part (unique)."""
    return f"api:{socket.gethostname()[:32]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class ApiNodeJobs:
    """The leader jobs of one API node: ``start()`` in the app's lifespan, ``stop()`` at its end."""

    def __init__(
        self,
        settings: Settings,
        database: Database,
        alerts: AlertService,
        audit: AuditRepository,
        show_schedule: ShowSchedule,
        *,
        holder: str | None = None,
    ) -> None:
        self.holder = holder or api_node_holder()

        async def evaluate(work: LeaderWork) -> None:
            # The lost-worker rule is the alerts leader's too: one node opens it, fenced.
            watch = WorkerWatch(WorkerRegistry(database), alerts)
            watch.start()
            try:
                await alerts.evaluate(work.fenced)
            finally:
                await watch.stop()

        async def deliver(work: LeaderWork) -> None:
            await alerts.deliver(work.fenced)

        async def retention(_: LeaderWork) -> Service:
            pruning = FleetRetention(settings, database, audit)
            pruning.start()
            return pruning

        async def backups(_: LeaderWork) -> Service:
            schedule = BackupSchedule(settings, alerts=alerts, audit=audit)
            schedule.start()
            show_schedule(schedule)
            return _Shown(schedule, show_schedule)

        async def exports(work: LeaderWork) -> Service:
            runner = ExportRunner(
                settings,
                ExportRepository(database.sessions, writes=work.fenced),
                ArchiveRepository(database.sessions),
                Spawner(),
                now=utc_now,
                bucket=ArchiveBucket.from_settings(settings),
            )
            await runner.start()
            return runner

        work: dict[str, Work] = {
            ALERTS: evaluate,
            OUTBOX: deliver,
            RETENTION: while_leading(retention),
            EXPORTS: while_leading(exports),
        }
        if settings.backup_interval_s > 0:
            work[BACKUPS] = while_leading(backups)
        self.jobs = {
            name: LeaderJob(LeaderLease(database, name, ttl_s=LEADER_TTL_S), self.holder, job)
            for name, job in work.items()
        }

    def start(self) -> None:
        for job in self.jobs.values():
            job.start()

    async def stop(self) -> None:
        await asyncio.gather(*(job.stop() for job in self.jobs.values()))


def while_leading(start: Callable[[LeaderWork], Awaitable[Service]]) -> Work:
    """A job made of a service with its own tasks: started with the term, stopped at its end."""

    async def work(term: LeaderWork) -> None:
        service = await start(term)
        try:
            await asyncio.Event().wait()  # until the term ends: LeaderJob cancels us
        finally:
            await service.stop()

    return work


class _Shown:
    """A backup schedule that the app shows while it runs, and forgets when it stops."""

    def __init__(self, schedule: BackupSchedule, show: ShowSchedule) -> None:
        self._schedule = schedule
        self._show = show

    async def stop(self) -> None:
        self._show(None)
        await self._schedule.stop()
