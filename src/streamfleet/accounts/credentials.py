"""The secrets clients hold: API tokens, session ids and CSRF tokens, and how they are stored.

Every secret is 256 random bits. The database keeps only its SHA-256 (hex):
a token is random, so a slow password hash would add nothing. API tokens start
with ``sf_`` so that a leaked one is recognisable (secret scanners, logs).
The CSRF token of a session is derived from the session secret, so it needs
no column and cannot belong to another session.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Final

TOKEN_PREFIX: Final = "sf_"  # noqa: S105 (a prefix, not a secret)
SECRET_BYTES: Final = 32
MAX_SECRET_LENGTH: Final = 200
"""Longer presented credentials are refused without hashing them."""


@dataclass(frozen=True, slots=True)
class Minted:
    """A new secret (shown to its owner once) and what the database keeps of it."""

    secret: str
    secret_hash: str
    hint: str


def mint_token() -> Minted:
    secret = TOKEN_PREFIX + secrets.token_urlsafe(SECRET_BYTES)
    return Minted(secret, secret_hash(secret), secret[-4:])


def mint_session() -> Minted:
    secret = secrets.token_urlsafe(SECRET_BYTES)
    return Minted(secret, secret_hash(secret), secret[-4:])


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def looks_like_token(value: str) -> bool:
    return value.startswith(TOKEN_PREFIX) and len(value) <= MAX_SECRET_LENGTH


def csrf_token(session_secret: str) -> str:
    """The CSRF token that goes with a session (the ``sf_csrf`` cookie and header)."""
    return hmac.new(b"streamfleet-csrf", session_secret.encode(), hashlib.sha256).hexdigest()


def same_secret(a: str, b: str) -> bool:
    return hmac.compare_digest(
        a.encode("utf-8", "surrogatepass"), b.encode("utf-8", "surrogatepass")
    )


def random_password() -> str:
    """A password for a generated account (the first admin): 128 bits, URL-safe."""
    return secrets.token_urlsafe(16)
