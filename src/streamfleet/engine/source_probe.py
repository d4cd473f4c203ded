"""A cheap check that a source delivers media again (to switch back from the backup)."""

from __future__ import annotations

import asyncio
from typing import Final

import structlog

from streamfleet.domain.url_policy import redact
from streamfleet.engine.process import Spawner
from streamfleet.media.command import EngineOptions, probe_args

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
