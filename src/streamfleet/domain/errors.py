"""The errors of streamfleet, as one tree.

    StreamfleetError
     ├── InvalidInput(field)      a value from outside broke a rule; names the field
     ├── NotFound                 the thing asked for does not exist
     ├── Conflict                 the change clashes with what exists (duplicate slug, …)
     ├── IllegalTransition        the status machine refused an event
     ├── SourceUnreachable        a channel's source could not be opened
     ├── PlaybackDenied           a playback path unsigned (signing on) or wrongly signed
     └── PlaybackExpired          a signed playback path whose expiry has passed

Layers translate foreign exceptions into these at their boundary; only
``api/errors.py`` turns them into ``application/problem+json``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass


class StreamfleetError(Exception):
    """Base of every error streamfleet raises on purpose."""


@dataclass(frozen=True, slots=True)
class FieldError:
    """One broken rule, located by a dotted field path (``input_url``, ``tags.2``)."""

    field: str
    message: str
    line: int | None = None


class InvalidInput(StreamfleetError):
    """One or more values from outside broke a rule."""

    def __init__(self, errors: list[FieldError] | FieldError, detail: str | None = None) -> None:
        self.errors = [errors] if isinstance(errors, FieldError) else list(errors)
        self.detail = detail or "; ".join(f"{e.field}: {e.message}" for e in self.errors)
        super().__init__(self.detail)

    @classmethod
    def of(cls, field_name: str, message: str) -> InvalidInput:
        return cls(FieldError(field_name, message))


class NotFound(StreamfleetError):
    """The thing asked for does not exist."""


@dataclass
class Conflict(StreamfleetError):
    """The change clashes with what already exists."""

    message: str
    field: str | None = None
    extra: dict[str, object] = dataclasses.field(default_factory=dict)

    def __str__(self) -> str:
        return self.message


class IllegalTransition(StreamfleetError):
    """The status machine has no row for this (status, event) pair."""


class SourceUnreachable(StreamfleetError):
    """A channel's source could not be opened or read."""


class Unauthenticated(StreamfleetError):
    """No credentials, or credentials that are wrong, expired or revoked."""


class PermissionDenied(StreamfleetError):
    """The caller is known, but their role may not do this."""

    def __init__(self, message: str, field: str | None = None) -> None:
        self.field = field
        super().__init__(message)


class TooManyAttempts(StreamfleetError):
    """Too many failures in a short time; the caller may try again after ``retry_after_s``."""

    def __init__(self, message: str, retry_after_s: int) -> None:
        self.retry_after_s = retry_after_s
        super().__init__(message)


class PlaybackDenied(StreamfleetError):
    """A playback path without a signature while signing is on, or with a wrong one."""


class PlaybackExpired(StreamfleetError):
    """A signed playback path whose token is right and whose expiry has passed."""
