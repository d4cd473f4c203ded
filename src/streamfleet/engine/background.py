"""A background loop of the engine that an unexpected error does not end.

The recorder's index writer, the archive retention and the thumbnail uploader each run
one ``while True`` loop for the life of the process. Each catches the errors it expects
(a database that is away, a full disk); anything else would end its task silently and
leave, say, the archive growing without retention until the next restart.
``keep_running`` logs such an error with its traceback and starts the loop again after a
pause that doubles up to a cap, so a loop that fails at once does not spin.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Final

import structlog

log = structlog.get_logger()

FIRST_PAUSE_S: Final = 1.0
MAX_PAUSE_S: Final = 60.0


async def keep_running(
    name: str,
    loop: Callable[[], Awaitable[None]],
    *,
    first_pause_s: float = FIRST_PAUSE_S,
    max_pause_s: float = MAX_PAUSE_S,
) -> None:
    """Run ``loop()`` until cancelled; restart it when it raises (or returns)."""
    pause = first_pause_s
    while True:
        try:
            await loop()
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("engine.task_crashed", task=name, restart_in_s=pause)
        else:
            log.error("engine.task_ended", task=name, restart_in_s=pause)
        await asyncio.sleep(pause)
        pause = min(pause * 2, max_pause_s)
