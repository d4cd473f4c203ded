"""What every ``streamfleet`` command shares: settings or a one-line exit, running a
coroutine with domain errors turned into that line, and the line itself."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any, NoReturn, TypeVar

import typer

from streamfleet.config import Settings, SettingsError, load_settings
from streamfleet.domain.errors import InvalidInput, StreamfleetError
from streamfleet.logs import configure_logging

T = TypeVar("T")


def settings(**overrides: Any) -> Settings:
    """The validated settings; a bad value ends the command (code 2) naming the variable."""
    try:
        return load_settings(**overrides)
    except SettingsError as exc:
        fail(str(exc), code=2)


def admin_settings() -> Settings:
    """``settings()`` for a one-shot command: only warnings and errors are logged."""
    loaded = settings()
    configure_logging("warning", loaded.log_format)
    return loaded


def run(coro: Awaitable[T]) -> T:
    """Run ``coro``; domain errors other than bad input end the command with one line."""

    async def main() -> T:
        return await coro

    try:
        return asyncio.run(main())
    except InvalidInput:
        raise
    except StreamfleetError as exc:
        fail(str(exc), code=1)


def fail(message: str, *, code: int) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)
