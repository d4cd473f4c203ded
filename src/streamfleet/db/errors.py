"""Database failures translated at the db boundary into streamfleet errors."""

from __future__ import annotations

from streamfleet.domain.errors import StreamfleetError


class DatabaseUnavailable(StreamfleetError):
    """The database could not be reached or refused to work for now (try again later)."""
