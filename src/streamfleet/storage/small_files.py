"""Reading a small file that is read often (a playlist at every segment of every channel).

``Path.read_text`` builds a buffered reader and a text decoder around the file for every
call; for a file of a few kB read whole, two system calls and one decode do the same.
"""

from __future__ import annotations

import os
from typing import Final

READ_CHUNK: Final = 64 * 1024
"""Bytes asked for per read: a short read of a regular file means its end was reached."""


def read_small_text(path: str | os.PathLike[str], limit: int) -> str:
    """At most ``limit`` bytes of ``path`` as UTF-8 text, undecodable bytes replaced.
    Raises ``OSError`` like ``open``."""
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        chunks: list[bytes] = []
        size = 0
        while size < limit:
            wanted = min(READ_CHUNK, limit - size)
            chunk = os.read(fd, wanted)
            chunks.append(chunk)
            size += len(chunk)
            if len(chunk) < wanted:
                break
    finally:
        os.close(fd)
    return b"".join(chunks).decode("utf-8", errors="replace")
