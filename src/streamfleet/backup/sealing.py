"""Optional encryption of backup files with a key from the settings (``STREAMFLEET_BACKUP_KEY``).

The key is a passphrase of any length; scrypt (with a random salt kept in the
manifest) turns it into a Fernet key (AES-128-CBC plus HMAC-SHA256, from the
``cryptography`` package). The manifest also keeps a sealed known value, so a
wrong key is found before any file is opened or anything written.
"""

from __future__ import annotations

import base64
import os
from typing import Final

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from streamfleet.backup.errors import BackupUnreadable
from streamfleet.backup.manifest import MANIFEST_FILE, Encryption

SCHEME: Final = "fernet-scrypt-v1"
SALT_BYTES: Final = 16
SCRYPT_N: Final = 2**15
SCRYPT_R: Final = 8
SCRYPT_P: Final = 1
KEY_CHECK: Final = b"streamfleet-backup-key-check"


class Sealer:
    """Encrypts and decrypts whole files with one derived key."""

    def __init__(self, passphrase: str, salt: bytes) -> None:
        kdf = Scrypt(salt=salt, length=32, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P)
        key = kdf.derive(passphrase.encode("utf-8"))
        self._fernet = Fernet(base64.urlsafe_b64encode(key))
        self.salt = salt

    @classmethod
    def new(cls, passphrase: str) -> Sealer:
        return cls(passphrase, os.urandom(SALT_BYTES))

    @classmethod
    def for_manifest(cls, passphrase: str | None, encryption: Encryption) -> Sealer:
        """The sealer of an encrypted backup; refuses a missing or wrong key, or another scheme."""
        if encryption.scheme != SCHEME:
            raise BackupUnreadable(
                MANIFEST_FILE, f"encryption scheme {encryption.scheme!r} is unknown"
            )
        if not passphrase:
            raise BackupUnreadable(
                MANIFEST_FILE, "the backup is encrypted: set STREAMFLEET_BACKUP_KEY to its key"
            )
        sealer = cls(passphrase, base64.b64decode(encryption.salt))
        try:
            ok = sealer._fernet.decrypt(encryption.check.encode("ascii")) == KEY_CHECK
        except (InvalidToken, ValueError):
            ok = False
        if not ok:
            raise BackupUnreadable(MANIFEST_FILE, "wrong backup key (STREAMFLEET_BACKUP_KEY)")
        return sealer

    def describe(self) -> Encryption:
        return Encryption(
            scheme=SCHEME,
            salt=base64.b64encode(self.salt).decode("ascii"),
            check=self.seal(KEY_CHECK).decode("ascii"),
        )

    def seal(self, data: bytes) -> bytes:
        return self._fernet.encrypt(data)

    def open(self, name: str, data: bytes) -> bytes:
        try:
            return self._fernet.decrypt(data)
        except InvalidToken:
            raise BackupUnreadable(name, "cannot be decrypted with this key") from None
