"""First start: with no user in the database, create ``admin`` with a random password.

The password is printed once on the console (stderr, plainly: not through the
JSON log, which may be shipped elsewhere) and written to
``data_dir/initial-admin.txt`` (mode 0600), whose last whitespace-separated
word is the password. Change it, then delete the file.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Final, TextIO

import structlog

from streamfleet.accounts.credentials import random_password
from streamfleet.accounts.service import AccountService
from streamfleet.domain.errors import Conflict
from streamfleet.domain.roles import Role

FIRST_ADMIN: Final = "admin"
INITIAL_ADMIN_FILE: Final = "initial-admin.txt"

log = structlog.get_logger()


async def ensure_first_admin(
    accounts: AccountService, data_dir: Path, console: TextIO | None = None
) -> bool:
    """Create the first admin when no user exists; ``True`` when it did."""
    if await accounts.users.count() > 0:
        return False
    password = random_password()
    try:
        await accounts.create_user(FIRST_ADMIN, password, Role.ADMIN)
    except Conflict:  # another API node created it at the same moment
        return False
    path = data_dir / INITIAL_ADMIN_FILE
    write_private(path, f"streamfleet first start: user {FIRST_ADMIN}, password {password}\n")
    out = console or sys.stderr
    print(
        f"\nstreamfleet: created user '{FIRST_ADMIN}' with password {password}\n"
        f"(also in {path}; change it and delete that file)\n",
        file=out,
        flush=True,
    )
    log.warning("auth.first_admin_created", user=FIRST_ADMIN, file=str(path))
    return True


def write_private(path: Path, text: str) -> None:
    """Write ``text`` to a file only its owner can read (created so: never readable by others)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as file:
        file.write(text)
    os.chmod(path, 0o600)  # in case the umask took bits away we want
