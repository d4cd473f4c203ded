"""``streamfleet user …`` and ``streamfleet token …`` as real processes on real databases,
checked through a real ``streamfleet serve``: what the CLI makes, the API honours."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from tests.integration.cli.test_channel_commands import cli, env_for
from tests.support.server import ServerProcess

PASSWORD = "Correct-Horse-7"
NEW_PASSWORD = "Battery-Staple-9"


def users(env: dict[str, str]) -> dict[str, dict[str, Any]]:
    listed = cli("user", "list", "--json", env=env)
    assert listed.returncode == 0, listed.stderr
    return {u["username"]: u for u in json.loads(listed.stdout)["items"]}


def login(server: ServerProcess, username: str, password: str) -> httpx.Response:
    return httpx.post(
        f"{server.base_url}/api/v1/auth/token",
        json={"username": username, "password": password},
    )


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_a_user_and_token_made_on_the_command_line_work_until_the_user_is_disabled(
    sqlite_url: str, tmp_path: Path, server_factory: Callable[..., ServerProcess]
) -> None:
    env = env_for(sqlite_url, tmp_path)
    created = cli(
        "user", "create", "alice", "--role", "operator", "--password-stdin",
        env=env, stdin=f"{PASSWORD}\n",
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    assert created.stdout == "created user alice (operator)\n"
    made = cli(
        "token", "create", "--user", "alice", "--role", "viewer", "--expires", "2h",
        "--name", "wall", env=env,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    token = made.stdout.strip()
    assert made.stdout == token + "\n"
    assert " " not in token
    assert "shown only this once" in made.stderr
    assert token not in made.stderr

    server = server_factory(env={"STREAMFLEET_DATABASE_URL": sqlite_url})
    assert not (server.data_dir / "initial-admin.txt").exists()  # a user exists: no first admin
    assert login(server, "alice", PASSWORD).status_code == 200
    listed = httpx.get(f"{server.base_url}/api/v1/channels", headers=bearer(token))
    assert listed.status_code == 200
    refused = httpx.post(
        f"{server.base_url}/api/v1/channels",
        json={"name": "Lobby", "input_url": "udp://127.0.0.1:9"},
        headers=bearer(token),
    )
    assert refused.status_code == 403  # the token is a viewer's, though alice operates

    changed = cli("user", "set-password", "alice", "--password-stdin", env=env, stdin=NEW_PASSWORD)
    assert changed.returncode == 0, changed.stderr
    assert login(server, "alice", PASSWORD).status_code == 401
    assert login(server, "alice", NEW_PASSWORD).status_code == 200

    disabled = cli("user", "disable", "alice", env=env)
    assert disabled.returncode == 0, disabled.stderr
    after = httpx.get(f"{server.base_url}/api/v1/channels", headers=bearer(token))
    assert after.status_code == 401  # revoked at its very next request
    assert login(server, "alice", NEW_PASSWORD).status_code == 401
    assert users(env)["alice"]["disabled"] is True
    server.terminate()
    assert PASSWORD not in server.stderr() + server.stdout()
    assert token not in server.stderr() + server.stdout()


def test_users_are_listed_and_enabled_again(sqlite_or_postgres_url: str, tmp_path: Path) -> None:
    env = env_for(sqlite_or_postgres_url, tmp_path)
    for name, role in (("root", "admin"), ("vera", "viewer")):
        made = cli(
            "user", "create", name, "--role", role, "--password-stdin", env=env, stdin=PASSWORD
        )
        assert made.returncode == 0, made.stderr
    assert {n: (u["role"], u["disabled"]) for n, u in users(env).items()} == {
        "root": ("admin", False),
        "vera": ("viewer", False),
    }
    assert cli("user", "disable", "vera", env=env).returncode == 0
    assert users(env)["vera"]["disabled"] is True
    assert cli("user", "enable", "vera", env=env).returncode == 0
    assert users(env)["vera"]["disabled"] is False
    table = cli("user", "list", env=env)
    assert "2 users" in table.stdout
    assert "vera" in table.stdout
    assert "viewer" in table.stdout


def test_a_password_is_never_taken_from_an_argument(sqlite_url: str, tmp_path: Path) -> None:
    env = env_for(sqlite_url, tmp_path)
    as_argument = cli("user", "create", "bob", PASSWORD, env=env)
    assert as_argument.returncode == 2
    as_option = cli("user", "create", "bob", "--password", PASSWORD, env=env)
    assert as_option.returncode == 2
    no_terminal = cli("user", "create", "bob", env=env, stdin="")
    assert no_terminal.returncode == 2
    assert "--password-stdin" in no_terminal.stderr
    empty = cli("user", "create", "bob", "--password-stdin", env=env, stdin="\n")
    assert empty.returncode == 2
    assert "bob" not in users(env)


def test_refusals_end_with_one_line_that_says_why(sqlite_url: str, tmp_path: Path) -> None:
    env = env_for(sqlite_url, tmp_path)
    ok = cli("user", "create", "vera", "--password-stdin", env=env, stdin=PASSWORD)
    assert ok.returncode == 0, ok.stderr
    admin = cli(
        "user", "create", "root", "--role", "admin", "--password-stdin", env=env, stdin=PASSWORD
    )
    assert admin.returncode == 0, admin.stderr
    cases: list[tuple[tuple[str, ...], str, int, str]] = [
        (("user", "create", "eve", "--password-stdin"), "short", 1, "error: password: must be 8"),
        (("user", "create", "no spaces", "--password-stdin"), PASSWORD, 1, "error: username:"),
        (("user", "create", "vera", "--password-stdin"), PASSWORD, 1, "already exists"),
        (("user", "set-password", "nobody", "--password-stdin"), PASSWORD, 1, "no user named"),
        (("user", "disable", "root"), "", 1, "last enabled admin"),
        (("token", "create", "--user", "vera", "--role", "admin", "--expires", "1d"), "", 1,
         "cannot be above"),
        (("token", "create", "--user", "nobody", "--role", "viewer", "--expires", "1d"), "", 1,
         "no user named 'nobody'"),
        (("token", "create", "--user", "vera", "--role", "viewer", "--expires", "soon"), "", 2,
         "--expires"),
        (("token", "create", "--user", "vera", "--role", "viewer", "--expires", "9999d"), "", 2,
         "at most 3650 days"),
        (("token", "create", "--user", "vera", "--role", "root", "--expires", "1d"), "", 2,
         "--role"),
    ]  # fmt: skip
    for args, stdin, code, message in cases:
        result = cli(*args, env=env, stdin=stdin)
        assert result.returncode == code, (args, result.stderr)
        assert message in result.stderr, (args, result.stderr)
        assert result.stdout == "", args
        assert "Traceback" not in result.stderr, args
    assert cli("user", "disable", "vera", env=env).returncode == 0
    disabled_owner = cli(
        "token", "create", "--user", "vera", "--role", "viewer", "--expires", "1d", env=env
    )
    assert disabled_owner.returncode == 1
    assert "vera is disabled" in disabled_owner.stderr
