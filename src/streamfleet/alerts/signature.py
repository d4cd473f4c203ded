"""The webhook signature: ``sha256=<hex HMAC-SHA256 of "<timestamp>.<raw body>">``.

Specified in docs/webhooks.md; receivers verify it the same way.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Final

SIGNATURE_HEADER: Final = "X-Streamfleet-Signature"
TIMESTAMP_HEADER: Final = "X-Streamfleet-Timestamp"
DEFAULT_TOLERANCE_S: Final = 300


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The ``X-Streamfleet-Signature`` value for ``body`` sent at ``timestamp``."""
    signed = str(timestamp).encode() + b"." + body
    return "sha256=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def verify(
    secret: str,
    timestamp: str,
    signature: str,
    body: bytes,
    now: float,
    tolerance_s: float = DEFAULT_TOLERANCE_S,
) -> bool:
    """Whether ``signature`` is right for ``body`` and ``timestamp`` is close to ``now``."""
    try:
        ts = int(timestamp)
    except ValueError:
        return False
    if abs(now - ts) > tolerance_s:
        return False
    return hmac.compare_digest(sign(secret, ts, body), signature)
