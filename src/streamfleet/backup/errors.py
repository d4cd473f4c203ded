"""Backup and restore failures, each one line naming what (and which file) is wrong.

StreamfleetError
 └── BackupError
      ├── BackupUnreadable(file)   missing, tampered, undecryptable or of an unknown format
      ├── RestoreRefused           the target database or the schema revision does not fit
      └── UnsupportedLocation      a location streamfleet cannot use (ftp://, s3:// without prefix)
"""

from __future__ import annotations

from streamfleet.domain.errors import StreamfleetError


class BackupError(StreamfleetError):
    """Base of the backup and restore errors."""


class BackupUnreadable(BackupError):
    """A file of a backup cannot be trusted or read; nothing was written."""

    def __init__(self, file: str, problem: str) -> None:
        self.file = file
        self.problem = problem
        super().__init__(f"{file}: {problem}")


class RestoreRefused(BackupError):
    """The restore would lose data or cannot be done by this version; nothing was written."""


class UnsupportedLocation(BackupError):
    """The backup location names a scheme that is not supported yet."""
