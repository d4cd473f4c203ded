"""``streamfleet user …`` and ``streamfleet token …``: accounts and API tokens, made on the
database directly (run them where ``serve`` runs, with its settings; no login needed).

    streamfleet user create NAME [--role viewer|operator|admin] [--password-stdin]
    streamfleet user list [--json]
    streamfleet user set-password NAME [--password-stdin]
    streamfleet user disable NAME | enable NAME
    streamfleet token create --role R --expires 30d [--user NAME] [--name N]

A password comes from a prompt (asked twice) or, with ``--password-stdin``, from the first
line of standard input; never from an argument, which the shell history and the process
list would keep. ``token create`` prints the token alone on standard output, once.
The work is ``accounts.service.AccountService``'s, the same the API uses.
"""

from __future__ import annotations

import json
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Annotated, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from streamfleet.accounts.first_admin import FIRST_ADMIN
from streamfleet.accounts.service import AccountService
from streamfleet.cli_support import admin_settings, fail, run
from streamfleet.db import migrate
from streamfleet.db.account_models import MAX_TOKEN_NAME_LENGTH
from streamfleet.db.repositories.users import UserRecord
from streamfleet.db.session import Database
from streamfleet.domain.errors import InvalidInput, NotFound
from streamfleet.domain.roles import Role
from streamfleet.domain.times import iso_utc
from streamfleet.domain.token_expiry import USAGE, parse_expiry

T = TypeVar("T")

user_app = typer.Typer(
    help="Accounts: create, list, set a password, disable (on the database directly).",
    no_args_is_help=True,
)
token_app = typer.Typer(help="API tokens for scripts (printed once).", no_args_is_help=True)

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

PasswordStdin = Annotated[
    bool,
    typer.Option(
        "--password-stdin",
        help="Read the password from the first line of standard input instead of a prompt.",
    ),
]
Username = Annotated[str, typer.Argument(help="The user's name.", show_default=False)]


# user ----------------------------------------------------------------------------------------


@user_app.command("create")
def user_create(
    username: Username,
    role: Annotated[Role, typer.Option(help="What the user may do.")] = Role.VIEWER,
    password_stdin: PasswordStdin = False,
) -> None:
    """Create a user (viewer unless --role says otherwise)."""
    password = _new_password(password_stdin)

    async def work(accounts: AccountService) -> UserRecord:
        return await accounts.create_user(username, password, role)

    user = _with_accounts(work)
    typer.echo(f"created user {user.username} ({user.role.value})")


@user_app.command("list")
def user_list(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """List every user with their role and whether they are disabled."""

    async def work(accounts: AccountService) -> list[UserRecord]:
        return await accounts.users.list()

    users = _with_accounts(work)
    if as_json:
        items = [
            {
                "id": u.id,
                "username": u.username,
                "role": u.role.value,
                "disabled": u.disabled,
                "created_at": iso_utc(u.created_at),
            }
            for u in users
        ]
        typer.echo(json.dumps({"items": items, "total": len(items)}, indent=2))
        return
    table = Table(title=f"{len(users)} users")
    for column in ("id", "username", "role", "state", "created"):
        table.add_column(column)
    for u in users:
        state = "disabled" if u.disabled else "enabled"
        table.add_row(str(u.id), u.username, u.role.value, state, iso_utc(u.created_at))
    out.print(table)


@user_app.command("set-password")
def user_set_password(username: Username, password_stdin: PasswordStdin = False) -> None:
    """Give a user a new password; their dashboard sessions end."""
    password = _new_password(password_stdin)

    async def work(accounts: AccountService) -> UserRecord:
        user = await _user_named(accounts, username)
        return await accounts.update_user(user.id, password=password)

    user = _with_accounts(work)
    typer.echo(f"password of {user.username} changed; their sessions ended")


@user_app.command("disable")
def user_disable(username: Username) -> None:
    """Refuse a user's logins; their sessions and tokens are revoked at once."""
    user = _set_disabled(username, disabled=True)
    typer.echo(f"disabled {user.username}; their sessions and tokens are revoked")


@user_app.command("enable")
def user_enable(username: Username) -> None:
    """Let a disabled user log in again (their old tokens stay revoked)."""
    user = _set_disabled(username, disabled=False)
    typer.echo(f"enabled {user.username}")


def _set_disabled(username: str, *, disabled: bool) -> UserRecord:
    async def work(accounts: AccountService) -> UserRecord:
        user = await _user_named(accounts, username)
        return await accounts.update_user(user.id, disabled=disabled)

    return _with_accounts(work)


# token ---------------------------------------------------------------------------------------


@token_app.command("create")
def token_create(
    role: Annotated[Role, typer.Option(help="What the token may do: never above its user's role.")],
    expires: Annotated[str, typer.Option(help=f"When it stops working: {USAGE}.")],
    user: Annotated[str, typer.Option("--user", help="Whose token it is.")] = FIRST_ADMIN,
    name: Annotated[str, typer.Option(help="What it is for (shown in token lists).")] = "cli",
) -> None:
    """Make an API token and print it once (alone on standard output, for scripts)."""
    try:
        expires_at = parse_expiry(expires, datetime.now(UTC))
    except InvalidInput as exc:
        raise typer.BadParameter(exc.errors[0].message, param_hint="--expires") from None
    if not 1 <= len(name.strip()) <= MAX_TOKEN_NAME_LENGTH:
        raise typer.BadParameter(f"1 to {MAX_TOKEN_NAME_LENGTH} characters", param_hint="--name")

    async def work(accounts: AccountService) -> tuple[int, str]:
        owner = await _user_named(accounts, user)
        if owner.disabled:
            fail(f"user {owner.username} is disabled", code=1)
        issued = await accounts.issue_token(
            owner, name=name.strip(), role=role, expires_at=expires_at
        )
        return issued.record.id, issued.secret

    token_id, secret = _with_accounts(work)
    typer.echo(secret)
    err.print(
        f"token {token_id} '{name.strip()}' of {user}, role {role.value}, expires "
        f"{iso_utc(expires_at)}. It is shown only this once; revoke it with "
        f"DELETE /api/v1/tokens/{token_id} or in the dashboard.",
        markup=False,
    )


# Shared plumbing -----------------------------------------------------------------------------


def _new_password(from_stdin: bool) -> str:
    """The new password: the first line of standard input, or typed twice at a prompt."""
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            fail("no password on the first line of standard input", code=2)
        return password
    if not sys.stdin.isatty():
        fail("standard input is not a terminal: give the password with --password-stdin", code=2)
    password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    return str(password)


async def _user_named(accounts: AccountService, username: str) -> UserRecord:
    found = await accounts.users.credentials(username)
    if found is None:
        raise NotFound(f"no user named '{username}'")
    return found[0]


def _with_accounts(work: Callable[[AccountService], Awaitable[T]]) -> T:
    """Open the database, migrate it, run ``work(AccountService)``, close it; a rule the
    input broke ends the command with one line naming the field."""
    settings = admin_settings()

    @asynccontextmanager
    async def opened() -> AsyncIterator[AccountService]:
        database = Database(settings.resolved_database_url)
        try:
            await migrate.upgrade(database)
            yield AccountService(database, settings)
        finally:
            await database.dispose()

    async def main() -> T:
        async with opened() as accounts:
            return await work(accounts)

    try:
        return run(main())
    except InvalidInput as exc:
        fail(exc.detail, code=1)
