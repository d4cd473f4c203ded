"""The content checks a channel may enable: their names, owned here."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from typing import Final


class ContentCheck(enum.StrEnum):
    BLACK = "black"
    FREEZE = "freeze"
    SILENCE = "silence"


CONTENT_CHECKS: Final[tuple[str, ...]] = tuple(c.value for c in ContentCheck)
"""The names a channel's ``content_checks`` may hold, in the order shown to users."""


def enabled_checks(names: Iterable[str]) -> frozenset[ContentCheck]:
    """The known checks among ``names`` (a channel's ``content_checks``); others are ignored."""
    return frozenset(ContentCheck(n) for n in names if n in CONTENT_CHECKS)
