"""Asking a source what it carries: a cheap "does it deliver again" check (switching back
from the backup) and the operator's "probe source" report, both with the channel's own
input options and protocol whitelist (PyAV's FFmpeg has no SRT, the wheel no ffprobe)."""

from __future__ import annotations

import asyncio
from typing import Final

import structlog

from streamfleet.domain.url_policy import redact
from streamfleet.engine.process import Spawner
from streamfleet.media.command import EngineOptions, probe_args, report_args
from streamfleet.media.probe_report import ProbeReport, parse_probe_report

log = structlog.get_logger()

PROBE_DEADLINE_EXTRA_S: Final = 4.0
"""On top of the input timeout: how long a probe may take before it counts as failed."""


async def probe_source(
    spawner: Spawner, options: EngineOptions, url: str, stop_timeout_s: float
) -> bool:
    """Whether ``url`` gives a second of media now; one short FFmpeg, always reaped."""
    try:
        child = await spawner.spawn(probe_args(options, url), capture=False)
    except OSError as exc:
        log.warning("engine.probe_not_started", url=redact(url), error=str(exc))
        return False
    try:
        rc = await asyncio.wait_for(child.wait(), options.input_timeout_s + PROBE_DEADLINE_EXTRA_S)
    except TimeoutError:
        rc = None
    finally:
        await child.stop(stop_timeout_s)
    log.info("engine.source_probed", url=redact(url), ok=rc == 0)
    return rc == 0


REPORT_LIMIT_BYTES: Final = 256 * 1024
"""At most this much of the report's stderr is read; a report is a few KB."""


async def probe_report(
    spawner: Spawner, ffmpeg: str, url: str, timeout_s: float, stop_timeout_s: float
) -> ProbeReport:
    """What ``url`` carries (streams, codecs, resolution), or why it cannot be read.

    One FFmpeg that opens the source and exits; it is stopped after ``timeout_s``
    plus a margin and always reaped.
    """
    try:
        child = await spawner.spawn(report_args(ffmpeg, url, timeout_s))
    except OSError as exc:
        log.warning("engine.probe_not_started", url=redact(url), error=str(exc))
        return ProbeReport(False, error=f"FFmpeg could not be started: {exc}")
    assert child.stderr is not None
    try:
        stderr = await asyncio.wait_for(
            _read_until_eof(child.stderr, REPORT_LIMIT_BYTES), timeout_s + PROBE_DEADLINE_EXTRA_S
        )
    except TimeoutError:
        stderr = b""
    finally:
        await child.stop(stop_timeout_s)
    report = parse_probe_report(stderr.decode(errors="replace"))
    if not report.ok and not stderr:
        report = ProbeReport(False, error=f"no answer from the source within {timeout_s:g} s")
    log.info("engine.source_reported", url=redact(url), ok=report.ok)
    return report


async def _read_until_eof(stream: asyncio.StreamReader, limit: int) -> bytes:
    """Everything ``stream`` gives until it closes, keeping at most the last ``limit`` bytes."""
    data = bytearray()
    while chunk := await stream.read(65536):
        data += chunk
        del data[:-limit]
    return bytes(data)
