"""RTMP push ingest (``push_rtmp`` channels): the stream key and the three names of a push.

A publisher pushes to ``publish_url`` (``rtmp://<public host>:<port>/<app>/<key>``) on
nginx-rtmp; nginx asks the API (``on_publish``) whether the key belongs to an enabled
channel, and on yes renames the stream to ``stream_name(channel id)``; the channel's FFmpeg
pulls that name from nginx (``pull_url``), so the key never appears in an FFmpeg argument.

The key is shown once (on create and on rotation); only its SHA-256 is stored, which is
enough to check it and to find its channel with one indexed lookup (a 192-bit random key
needs no slow hash: there is nothing to guess).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from typing import Final

KEY_BYTES: Final = 24
"""``secrets.token_urlsafe(24)``: 32 characters of A-Z a-z 0-9 _ -, 192 random bits."""
MAX_KEY_LENGTH: Final = 200
"""A longer stream name from nginx is refused before it is hashed."""
KEY_HASH_RE: Final = re.compile(r"^[0-9a-f]{64}$")
STREAM_NAME_PREFIX: Final = "channel-"
MASK: Final = "***"


def new_key() -> str:
    """A fresh stream key (show it once, store ``key_hash`` of it)."""
    return secrets.token_urlsafe(KEY_BYTES)


def key_hash(key: str) -> str:
    """What is stored for ``key``: its SHA-256, 64 lower-case hex digits."""
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def is_key_hash(value: object) -> bool:
    return isinstance(value, str) and KEY_HASH_RE.match(value) is not None


def secret_matches(given: str | None, expected: str) -> bool:
    """Constant-time comparison of a shared secret (``False`` for none given)."""
    if given is None:
        return False
    return hmac.compare_digest(given.encode("utf-8", "surrogatepass"), expected.encode("utf-8"))


def stream_name(channel_id: int) -> str:
    """The name nginx-rtmp holds a channel's push under once the key is checked."""
    return f"{STREAM_NAME_PREFIX}{channel_id}"


def pull_url(pull_base: str, channel_id: int) -> str:
    """The URL a channel's FFmpeg reads its push from (``pull_base`` is ``rtmp://host:port/app``)."""
    return f"{pull_base.rstrip('/')}/{stream_name(channel_id)}"


def publish_url(host: str, port: int, app: str, key: str | None) -> str:
    """The URL a publisher pushes to (``ffmpeg … -f flv '<url>'``); ``None`` key masks it."""
    return f"rtmp://{host}:{port}/{app}/{key if key is not None else MASK}"
