"""Alerts that no envelope opens: explicit calls from other parts of the product.

Each pair opens and resolves one alert of the rules (``alerts/rules.py``), applied at once
through the evaluator (written, grouped, sent like any other):

- ``worker_lost`` / ``worker_back``: a fleet worker stopped heart-beating, and came back
  (``fleet/worker_watch.py``, on the API node leading the ``alerts`` job);
- ``backup_failed`` / ``backup_ok``: a scheduled backup failed or is overdue, and a good
  run (``backup/schedule.py``);
- ``archive_space_low`` / ``archive_space_ok``: the archive's retention paused recording
  under the free-space floor, and resumed it (``engine/archive_retention.py``).

The callers know these methods through small protocols of their own and are handed the
``AlertService``, which has them from ``AlertHooks``.
"""

from __future__ import annotations

from streamfleet.alerts.evaluator import AlertEvaluator


class AlertHooks:
    evaluator: AlertEvaluator

    async def worker_lost(self, worker: str, reason: str = "") -> None:
        """A worker stopped heart-beating."""
        await self.evaluator.apply_now(lambda rules, now: rules.worker_lost(worker, now, reason))

    async def worker_back(self, worker: str) -> None:
        await self.evaluator.apply_now(lambda rules, now: rules.worker_back(worker, now))

    async def backup_failed(self, reason: str) -> None:
        """The backup schedule: a run failed or the newest backup is overdue."""
        await self.evaluator.apply_now(lambda rules, now: rules.backup_failed(now, reason))

    async def backup_ok(self) -> None:
        await self.evaluator.apply_now(lambda rules, now: rules.backup_ok(now))

    async def archive_space_low(self, reason: str) -> None:
        """The archive's retention paused recording: the disk is under the floor."""
        await self.evaluator.apply_now(lambda rules, now: rules.archive_space_low(now, reason))

    async def archive_space_ok(self) -> None:
        await self.evaluator.apply_now(lambda rules, now: rules.archive_space_ok(now))
