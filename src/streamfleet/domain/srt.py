"""SRT push ingest (``listen_srt`` channels): the passphrase rules and the two URLs.

FFmpeg listens with ``listener_url``; a publisher pushes to ``publish_url``.
Both are built by one function so they always agree on every option but the
mode and the host (``latency`` must match on both ends, the passphrase too).
"""

from __future__ import annotations

from typing import Final
from urllib.parse import quote

from streamfleet.domain.errors import InvalidInput

PASSPHRASE_MIN: Final = 10
PASSPHRASE_MAX: Final = 79
"""libsrt's limits (FFmpeg's help says 64, but a 79-character passphrase was measured to work)."""
LATENCY_US: Final = 200_000
LISTEN_HOST: Final = "0.0.0.0"
"""FFmpeg's listener binds every interface."""


def passphrase_length_problem(passphrase: str) -> str | None:
    """Why libsrt would refuse ``passphrase`` for its length, or ``None``."""
    if PASSPHRASE_MIN <= len(passphrase) <= PASSPHRASE_MAX:
        return None
    return f"must be {PASSPHRASE_MIN} to {PASSPHRASE_MAX} characters"


def check_passphrase(passphrase: str | None) -> str:
    """The passphrase when libsrt will accept it, else ``InvalidInput`` naming the field."""
    if passphrase is None or passphrase_length_problem(passphrase) is not None:
        raise InvalidInput.of(
            "passphrase",
            f"an SRT passphrase of {PASSPHRASE_MIN} to {PASSPHRASE_MAX} characters"
            " is required for a listening channel",
        )
    return passphrase


def stored_input_url(port: int) -> str:
    """The ``input_url`` a ``listen_srt`` channel is saved with (the passphrase is kept apart)."""
    return f"srt://{LISTEN_HOST}:{port}?mode=listener"


def listener_url(port: int, passphrase: str) -> str:
    """The URL FFmpeg listens on for a channel's publisher; refuses a passphrase libsrt would."""
    return _url(LISTEN_HOST, port, "listener", check_passphrase(passphrase))


def publish_url(host: str, port: int, passphrase: str) -> str:
    """The URL a publisher pushes to (``ffmpeg … -f mpegts '<url>'``); it holds the secret."""
    return _url(host, port, "caller", passphrase)


def _url(host: str, port: int, mode: str, passphrase: str) -> str:
    secret = quote(passphrase, safe="")
    return f"srt://{host}:{port}?mode={mode}&latency={LATENCY_US}&passphrase={secret}"
