"""Rewriting a small file that readers open at any moment, without making a new inode.

The usual atomic write (a temp file, then ``os.replace``) creates an inode and frees the
old one at every write. A channel's public playlist is rewritten at every segment, so 60
channels create and free about 30 inodes a second in the folders where FFmpeg also
creates its segments; on an ext4 without a journal every creation then scans past the
recently freed inodes (``find_inode_bit``/``recently_deleted`` in the kernel's profile of
``serve``: 14 % of its CPU at 60 channels).

``swap_write`` keeps a second inode beside the file instead: a hidden ``.<name>.swap``
(the HLS routes and nginx serve no name starting with a dot). The new text goes into it,
then ``renameat2(RENAME_EXCHANGE)`` swaps the two names in one step, so a reader opens
the old file or the new one, never a part. The swap then holds the previous text and is
overwritten at the next write, one write period later: a reader still reading the file it
opened two writes ago (a 2 KB playlist, two segments back) would see it change.

Where the exchange is not available (the first write, a file system or C library without
it) the write falls back to the temp file and ``os.replace``.
"""

from __future__ import annotations

import ctypes
import errno
import os
from pathlib import Path
from typing import Final

RENAME_EXCHANGE: Final = 2
AT_FDCWD: Final = -100
SWAP_PREFIX: Final = "."
SWAP_SUFFIX: Final = ".swap"


def _renameat2() -> ctypes._CFuncPtr | None:  # type: ignore[name-defined]
    try:
        function = ctypes.CDLL(None, use_errno=True).renameat2
    except (AttributeError, OSError):
        return None
    function.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p]
    function.argtypes += [ctypes.c_uint]
    function.restype = ctypes.c_int
    return function


_RENAMEAT2 = _renameat2()
_exchange_works = _RENAMEAT2 is not None


def swap_path(path: Path) -> Path:
    return path.with_name(f"{SWAP_PREFIX}{path.name}{SWAP_SUFFIX}")


def _exchange(first: Path, second: Path) -> bool:
    """Swap the two names; False when the exchange is not possible here."""
    global _exchange_works
    if not _exchange_works or _RENAMEAT2 is None:
        return False
    if _RENAMEAT2(AT_FDCWD, os.fsencode(first), AT_FDCWD, os.fsencode(second), RENAME_EXCHANGE):
        code = ctypes.get_errno()
        if code == errno.ENOENT:
            return False  # the first write: nothing to swap with yet
        if code in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
            _exchange_works = False
            return False
        raise OSError(code, os.strerror(code), str(second))
    return True


def swap_write(path: Path, text: str) -> None:
    """Replace ``path``'s content with ``text`` so that readers see the old file or the new
    one, never a part. Created like FFmpeg's files (0666 less the umask), so a front server
    running as another user (nginx) can read it."""
    swap = swap_path(path)
    data = text.encode()
    try:
        _overwrite(swap, data)
        if not _exchange(swap, path):
            os.replace(swap, path)
    except OSError:
        swap.unlink(missing_ok=True)
        raise


def _overwrite(path: Path, data: bytes) -> None:
    """``data`` as the whole content of ``path``, written over the old bytes and cut to
    length afterwards rather than truncated first: a playlist stays within its block, which
    a truncation to zero would free and the write allocate again."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_CLOEXEC, 0o666)
    try:
        written = 0
        while written < len(data):
            written += os.pwrite(fd, data[written:], written)
        os.ftruncate(fd, len(data))
    finally:
        os.close(fd)
