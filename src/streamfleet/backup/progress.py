"""How backup and restore report their progress: one callback per table step."""

from __future__ import annotations

from typing import Protocol


class TableProgress(Protocol):
    def __call__(self, table: str, done: int, total: int) -> None:
        """``done`` of ``total`` rows of ``table`` are read (backup) or written (restore)."""


def no_progress(table: str, done: int, total: int) -> None:
    return None
