"""Signed playback URLs: one token over an expiry and a path prefix (pure: no I/O, no clock).

A signed URL carries its expiry and token in front of the unsigned path::

    /hls/s/<expires>/<token>/<slug>/index.m3u8     covers /hls/<slug>/… (every rendition)
    /thumbs/s/<expires>/<token>/<slug>.jpg         covers /thumbs/<slug>.jpg

``token = base64url(MD5("<expires><resource> <secret>"))`` without padding, where
``resource`` is ``/hls/<slug>/`` or ``/thumbs/<slug>.jpg`` and ``expires`` is a Unix time
in whole seconds. That is exactly what nginx's ``secure_link_md5`` computes from
``"$expires/hls/$slug/ <secret>"``, so nginx checks the same URLs from disk without asking
streamfleet (``deploy/nginx``). A playlist's segment URIs are relative, so a player
resolves them under the same ``/hls/s/<expires>/<token>/<slug>/`` and one token covers the
playlist and all its segments.

Why MD5 is acceptable here (docs/architecture.md, "Signed playback"): forging a token
means finding MD5 of a string that ends with a secret the attacker does not know; the
known MD5 attacks are collisions (two chosen inputs with one digest) and length
extension (appending after a known digest), and neither gives the digest of a new
expiry or path with the secret at the end. A token leaks only what it covers: one
channel, until its expiry.

Verification mirrors nginx's ``secure_link``: the token is checked first (a wrong one is
``WRONG``), then the expiry (``EXPIRED`` when ``expires < now``).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from streamfleet.domain.slug import is_valid_slug

HLS_SIGNED_ROOT: Final = "/hls/s/"
THUMBS_SIGNED_ROOT: Final = "/thumbs/s/"
SECRET_RE: Final = re.compile(r"^[A-Za-z0-9_-]{32,128}$")
"""A secret nginx can hold in its configuration unquoted and unescaped (no ``$``, no quote)."""
MAX_EXPIRES: Final = 9_999_999_999
"""Ten digits (the year 2286): the largest expiry a path may carry."""
TOKEN_LENGTH: Final = 22
"""base64url of 16 bytes without padding."""
MIN_TTL_S: Final = 30
MAX_TTL_S: Final = 7 * 24 * 3600
_EXPIRES_RE: Final = re.compile(r"^[0-9]{1,10}$")
_TOKEN_RE: Final = re.compile(r"^[A-Za-z0-9_-]{22}$")


class Verdict(StrEnum):
    """What a signed path's token and expiry say."""

    VALID = "valid"
    WRONG = "wrong"
    """The token does not belong to this expiry and path (or is malformed)."""
    EXPIRED = "expired"
    """The token is right, and its expiry has passed."""


def is_valid_secret(secret: str) -> bool:
    return bool(SECRET_RE.match(secret))


def hls_resource(slug: str) -> str:
    """``/hls/<slug>/``: the prefix one HLS token covers."""
    return f"/hls/{slug}/"


def thumbnail_resource(slug: str) -> str:
    return f"/thumbs/{slug}.jpg"


def playback_token(secret: str, expires: int, resource: str) -> str:
    """base64url (no padding) of MD5 over ``"<expires><resource> <secret>"``."""
    signed = f"{expires}{resource} {secret}".encode()
    digest = hashlib.md5(signed).digest()  # noqa: S324  (why MD5 holds here: module docstring)
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def expiry_for(now_s: float, ttl_s: int) -> int:
    """An expiry more than ``ttl_s`` and at most ``ttl_s + ttl_s // 4`` after ``now_s``.

    Rounded up to a step of a quarter of the TTL, so URLs signed within one step are
    identical (browsers and caches keep one copy, shared channel pages stay shared)."""
    step = max(1, ttl_s // 4)
    return (int(now_s) + ttl_s) // step * step + step


def verify(secret: str, expires: int, token: str, resource: str, now_s: float) -> Verdict:
    """The verdict for ``token`` and ``expires`` on ``resource`` at ``now_s``."""
    if not _TOKEN_RE.match(token) or not 0 < expires <= MAX_EXPIRES:
        return Verdict.WRONG
    expected = playback_token(secret, expires, resource)
    if not hmac.compare_digest(_decoded(token), _decoded(expected)):
        return Verdict.WRONG
    return Verdict.EXPIRED if expires < int(now_s) else Verdict.VALID


def _decoded(token: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(token + "==")
    except (binascii.Error, ValueError):
        return b""


@dataclass(frozen=True, slots=True)
class SignedPath:
    """The parts of ``<expires>/<token>/<rest>`` (what follows ``/hls/s/`` or ``/thumbs/s/``)."""

    expires: int
    token: str
    rest: str
    """The unsigned path below ``/hls/`` or ``/thumbs/``: ``<slug>/index.m3u8``, ``<slug>.jpg``."""


def split_signed(path: str) -> SignedPath | None:
    """``<expires>/<token>/<rest>`` split, or ``None`` when it does not have that shape."""
    parts = path.split("/", 2)
    if len(parts) != 3 or not _EXPIRES_RE.match(parts[0]) or not _TOKEN_RE.match(parts[1]):
        return None
    return SignedPath(int(parts[0]), parts[1], parts[2])


def hls_slug(rest: str) -> str | None:
    """The slug a path below ``/hls/`` starts with, when it is a valid one."""
    slug, sep, _ = rest.partition("/")
    return slug if sep and is_valid_slug(slug) else None


@dataclass(frozen=True, slots=True)
class PlaybackSigner:
    """Signs playback URLs with one secret for ``ttl_s`` seconds (at least)."""

    secret: str
    ttl_s: int

    def __post_init__(self) -> None:
        if not is_valid_secret(self.secret):
            raise ValueError("the playback secret must be 32-128 of A-Z a-z 0-9 _ -")
        if not MIN_TTL_S <= self.ttl_s <= MAX_TTL_S:
            raise ValueError(f"the playback TTL must be {MIN_TTL_S}-{MAX_TTL_S} s")

    def hls_url(self, slug: str, now_s: float, name: str = "index.m3u8") -> str:
        expires = expiry_for(now_s, self.ttl_s)
        token = playback_token(self.secret, expires, hls_resource(slug))
        return f"{HLS_SIGNED_ROOT}{expires}/{token}/{slug}/{name}"

    def thumbnail_url(self, slug: str, now_s: float) -> str:
        expires = expiry_for(now_s, self.ttl_s)
        token = playback_token(self.secret, expires, thumbnail_resource(slug))
        return f"{THUMBS_SIGNED_ROOT}{expires}/{token}/{slug}.jpg"

    def verify(self, signed: SignedPath, resource: str, now_s: float) -> Verdict:
        return verify(self.secret, signed.expires, signed.token, resource, now_s)
