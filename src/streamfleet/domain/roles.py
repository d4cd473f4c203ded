"""The roles an account can have, lowest first: ``viewer`` < ``operator`` < ``admin``.

``viewer`` reads (never a secret), ``operator`` also runs channels, alerts and
targets, ``admin`` also manages users, other people's tokens and the server.
Roles compare by rank: ``Role.OPERATOR >= Role.VIEWER`` (and ``Role.ADMIN > "viewer"``).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final


class Role(StrEnum):
    VIEWER = "viewer"
    OPERATOR = "operator"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return _RANKS[self.value]

    def at_least(self, other: Role) -> bool:
        """Whether this role may do what ``other`` may."""
        return self.rank >= other.rank

    def __ge__(self, other: object) -> bool:
        return self.rank >= _rank_of(other)

    def __gt__(self, other: object) -> bool:
        return self.rank > _rank_of(other)

    def __le__(self, other: object) -> bool:
        return self.rank <= _rank_of(other)

    def __lt__(self, other: object) -> bool:
        return self.rank < _rank_of(other)

    __hash__ = StrEnum.__hash__


_RANKS: Final = {"viewer": 0, "operator": 1, "admin": 2}


def _rank_of(other: object) -> int:
    """A role's rank; a plain string names a role (never compared letter by letter)."""
    if isinstance(other, str) and other in _RANKS:
        return _RANKS[other]
    raise TypeError(f"cannot compare a role with {other!r}")


def lower_of(a: Role, b: Role) -> Role:
    """The lower of two roles (a token never acts above its owner's current role)."""
    return a if a <= b else b
