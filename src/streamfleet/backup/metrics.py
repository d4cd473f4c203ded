"""Prometheus metrics of the scheduled backups, read from ``ScheduleStatus`` at scrape time.

streamfleet_backup_last_run_timestamp_seconds      when the last scheduled backup started
streamfleet_backup_last_success_timestamp_seconds  when the last good one started
streamfleet_backup_last_ok                         1 when the last run succeeded, else 0
streamfleet_backup_last_duration_seconds           how long the last run took
streamfleet_backup_last_size_bytes                 the size of the last good backup
streamfleet_backup_failures_total                  failed runs since start
streamfleet_backup_interval_seconds                the schedule's interval (0 = off)
"""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from streamfleet.backup.schedule import ScheduleStatus


class BackupCollector(Collector):
    def __init__(self, status: ScheduleStatus, interval_s: float) -> None:
        self._status = status
        self._interval_s = interval_s

    def collect(self) -> Iterator[GaugeMetricFamily | CounterMetricFamily]:
        status = self._status
        yield GaugeMetricFamily(
            "streamfleet_backup_interval_seconds",
            "The interval of scheduled backups (0: none).",
            value=self._interval_s,
        )
        yield CounterMetricFamily(
            "streamfleet_backup_failures",
            "Scheduled backups that failed since the process started.",
            value=status.failures,
        )
        if status.last is not None:
            yield GaugeMetricFamily(
                "streamfleet_backup_last_run_timestamp_seconds",
                "When the last scheduled backup started (Unix time).",
                value=status.last.at.timestamp(),
            )
            yield GaugeMetricFamily(
                "streamfleet_backup_last_ok",
                "1 when the last scheduled backup succeeded, else 0.",
                value=1.0 if status.last.ok else 0.0,
            )
            yield GaugeMetricFamily(
                "streamfleet_backup_last_duration_seconds",
                "How long the last scheduled backup took.",
                value=status.last.seconds,
            )
        if status.last_success is not None:
            yield GaugeMetricFamily(
                "streamfleet_backup_last_success_timestamp_seconds",
                "When the last successful scheduled backup started (Unix time).",
                value=status.last_success.at.timestamp(),
            )
            yield GaugeMetricFamily(
                "streamfleet_backup_last_size_bytes",
                "The size of the last successful scheduled backup.",
                value=float(status.last_success.bytes),
            )
