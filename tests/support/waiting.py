"""Waiting for a condition in a test: poll it with a deadline, never sleep a fixed time."""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar, cast

T = TypeVar("T")
POLL_INTERVAL_S = 0.05


async def wait_until(
    predicate: Callable[[], T | Awaitable[T]],
    timeout_s: float,
    what: str | Callable[[], str],
    interval_s: float = POLL_INTERVAL_S,
) -> T:
    """The first truthy value of ``predicate()`` (plain or async); fails the test naming
    ``what`` (a text, or a function giving it at the time of failure) after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = predicate()
        if inspect.isawaitable(value):
            value = await value
        if value:
            return cast(T, value)
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
    """``wait_until`` for a yes/no condition, with a default deadline."""
    await wait_until(condition, timeout_s, what or repr(condition), poll_s)


def wait_sync(predicate: Callable[[], T], timeout_s: float, what: str) -> T:
    """``wait_until`` for code that is not async (fixtures starting a service)."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout_s:g} s waiting for {what}")
        time.sleep(POLL_INTERVAL_S)
