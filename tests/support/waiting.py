"""Waiting for a condition in a test: poll it with a deadline, never sleep a fixed time."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")
POLL_INTERVAL_S = 0.05


async def wait_until(
    predicate: Callable[[], T],
    timeout_s: float,
    what: str | Callable[[], str],
    interval_s: float = POLL_INTERVAL_S,
) -> T:
    """The first truthy value of ``predicate()``; fails the test naming ``what`` (a text, or
    a function giving it at the time of failure) after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            described = what() if callable(what) else what
            raise AssertionError(f"timed out after {timeout_s:g} s waiting for {described}")
        await asyncio.sleep(interval_s)


async def eventually(
    condition: Callable[[], bool | Awaitable[bool]],
    timeout_s: float = 15.0,
    what: str = "",
    poll_s: float = POLL_INTERVAL_S,
) -> None:
    """Poll ``condition`` (plain or async) until it holds; fail naming ``what`` after
    ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while True:
        result = condition()
        if not isinstance(result, bool):
            result = await result
        if result:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"{what or condition}: not within {timeout_s} s")
        await asyncio.sleep(poll_s)
