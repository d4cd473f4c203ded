"""The playback signing secret kept in ``data_dir/playback-secret`` (mode 0600).

When signing is on and no ``playback_secret`` is configured, the first start writes a
random one there and every later start (and every process sharing the data directory)
reads it back, so signed URLs survive restarts. nginx needs the same value in its
configuration (``STREAMFLEET_PLAYBACK_SECRET``, docs/operations.md).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Final

from streamfleet.domain.errors import InvalidInput
from streamfleet.domain.playback_signing import is_valid_secret

SECRET_FILE_NAME: Final = "playback-secret"  # noqa: S105  (a file name, not a secret)
SECRET_BYTES: Final = 32
"""256 random bits: 43 base64url characters."""
FILE_MODE: Final = 0o600


def secret_file(data_dir: Path) -> Path:
    return data_dir / SECRET_FILE_NAME


def read_secret(data_dir: Path) -> str | None:
    """The kept secret, ``None`` when there is no file; a malformed one is ``InvalidInput``."""
    path = secret_file(data_dir)
    try:
        text = path.read_text(encoding="ascii", errors="replace").strip()
    except FileNotFoundError:
        return None
    if not is_valid_secret(text):
        raise InvalidInput.of(
            "playback_secret", f"{path} must hold 32-128 of A-Z a-z 0-9 _ - (and nothing else)"
        )
    return text


def kept_secret(data_dir: Path) -> str:
    """The kept secret, written first (mode 0600, never overwritten) when there is none."""
    existing = read_secret(data_dir)
    if existing is not None:
        return existing
    data_dir.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(SECRET_BYTES)
    # Written whole under a private name, then linked: a reader never sees a partial file,
    # and of two processes starting together the first link wins.
    temp = data_dir / f".{SECRET_FILE_NAME}.{os.getpid()}.{secrets.token_hex(4)}"
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(secret + "\n")
        os.link(temp, secret_file(data_dir))
    except FileExistsError:
        return read_secret(data_dir) or secret
    finally:
        temp.unlink(missing_ok=True)
    return secret
