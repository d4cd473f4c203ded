"""Password hashing with argon2id (argon2-cffi), and the rules a new password must meet.

Hashing costs tens of milliseconds of CPU and 64 MiB on purpose; callers on the
event loop run ``hash_password``/``verify_password`` in a thread.
``verify_password`` also reports when a stored hash uses weaker parameters
than today's, so the caller can store a fresh one.
"""

from __future__ import annotations

from functools import cache
from typing import Final

from argon2 import Parameters, PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from streamfleet.domain.errors import InvalidInput

MIN_PASSWORD_LENGTH: Final = 8
MAX_PASSWORD_LENGTH: Final = 1024
"""Longer input only costs hashing time; nobody types more."""

_HASHER = PasswordHasher()  # argon2id, RFC 9106's second recommended parameters


def use_parameters(parameters: Parameters) -> None:
    """Hash with other argon2 parameters from now on (the test suite's cheap ones; never in use).

    Hashes made with other parameters still verify (they carry their own)."""
    global _HASHER
    _HASHER = PasswordHasher.from_parameters(parameters)
    _dummy_hash.cache_clear()


@cache
def _dummy_hash() -> str:
    """Verified against when the user does not exist, so the answer takes as long either way."""
    return _HASHER.hash("streamfleet: no such user")


def check_password(password: str, field: str = "password") -> str:
    if not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
        raise InvalidInput.of(
            field, f"must be {MIN_PASSWORD_LENGTH} to {MAX_PASSWORD_LENGTH} characters"
        )
    return password


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """Whether ``password`` matches; with ``stored_hash=None`` it spends the same time and fails."""
    try:
        return _HASHER.verify(stored_hash or _dummy_hash(), password) and stored_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return _HASHER.check_needs_rehash(stored_hash)
