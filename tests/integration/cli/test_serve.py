"""``streamfleet serve`` as a real process: starts, prints its URL, stops cleanly on SIGTERM."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from tests.support.server import ServerProcess, child_env, free_port, start_server

PASSWORD = "Zebra-Quartz-9917"
CLI_TIMEOUT_S = 60


def run_cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "streamfleet", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=CLI_TIMEOUT_S,
        check=False,
    )


def test_serve_prints_the_dashboard_url_answers_and_stops_cleanly_on_sigterm(
    streamfleet_server: ServerProcess,
) -> None:
    server = streamfleet_server
    assert server.stdout().splitlines()[0] == f"streamfleet: dashboard at {server.base_url}/"
    assert httpx.get(f"{server.base_url}/healthz").json() == {"status": "ok"}
    assert (server.data_dir / "streamfleet.db").is_file()
    # uvicorn shuts down gracefully, then re-raises SIGTERM so the exit shows the signal.
    assert server.terminate() in (0, -signal.SIGTERM)
    assert "api.stopped" in server.stderr()
    assert "Traceback" not in server.stderr()
    group_gone = subprocess.run(["pgrep", "-g", str(server.process.pid)], check=False)
    assert group_gone.returncode == 1


def test_a_restart_says_where_the_first_admin_password_is_while_its_file_exists(
    tmp_path: Path,
) -> None:
    data_dir = tmp_path / "data"
    first = start_server(data_dir)
    try:
        first.wait_ready()
        password = first.admin_password
    finally:
        first.stop()
    assert password in first.stderr()  # the first start shows it once, on the console
    again = start_server(data_dir)
    try:
        again.wait_ready()
    finally:
        again.stop()
    initial = data_dir / "initial-admin.txt"
    assert again.stdout().splitlines()[1] == (
        f"streamfleet: log in as admin with the password in {initial} "
        "(change it, then delete the file)"
    )
    assert password not in again.stdout() + again.stderr()
    assert initial.stat().st_mode & 0o777 == 0o600


def test_serve_logs_one_json_object_per_line(streamfleet_server: ServerProcess) -> None:
    httpx.get(f"{streamfleet_server.base_url}/readyz")
    password = streamfleet_server.admin_password
    streamfleet_server.terminate()
    lines = [line for line in streamfleet_server.stderr().splitlines() if line.strip()]
    events = [json.loads(line) for line in lines if line.startswith("{")]
    assert "api.ready" in [e["event"] for e in events]
    assert all("timestamp" in e and "level" in e for e in events)
    # Only the first start's note to the person at the console is plain text: the admin's
    # password, shown there once and never in the JSON log (which may be shipped elsewhere).
    plain = [line for line in lines if not line.startswith("{")]
    assert plain, "the first admin's password is shown on the console"
    assert all(password in line or "initial-admin.txt" in line for line in plain), plain
    assert streamfleet_server.stderr().count(password) == 1
    assert not [e for e in events if password in json.dumps(e)]


def test_a_password_in_a_channel_url_never_reaches_the_server_log(
    server_factory: Callable[..., ServerProcess],
) -> None:
    server = server_factory(env={"STREAMFLEET_LOG_LEVEL": "debug"})
    # A loopback port nobody listens on: FFmpeg really tries it (and logs its failure), and no
    # traffic leaves the machine (a made-up host name would send a DNS query).
    url = f"rtmp://operator:{PASSWORD}@127.0.0.1:{free_port()}/live/key"
    with server.client() as client:
        created = client.post("/api/v1/channels", json={"name": "Secret", "input_url": url})
        assert created.status_code == 201
        channel_id = created.json()["id"]

        def tried() -> bool:
            state = client.get(f"/api/v1/channels/{channel_id}").json()["state"]
            return bool(state["status"] in ("offline", "error") and state["reason"])

        deadline = time.monotonic() + 30
        while not tried():  # FFmpeg tried the source and failed: its error is in the log
            assert time.monotonic() < deadline, "the channel never tried its source"
            time.sleep(0.2)
        client.patch(f"/api/v1/channels/{channel_id}", json={"backup_url": url + "2"})
        client.post("/api/v1/channels", json={"name": "Bad", "input_url": url + " x"})
        client.get("/api/v1/channels")
        client.get("/api/v1/channels/export")
        client.delete(f"/api/v1/channels/{channel_id}")
    server.terminate()
    log = server.stderr() + server.stdout()
    assert "channel" in log or "api.ready" in log
    assert PASSWORD not in log
    assert server.token not in log


def test_invalid_settings_stop_serve_with_one_line_naming_the_variable(tmp_path: Path) -> None:
    result = run_cli(
        "serve",
        "--no-demo",
        env=child_env(STREAMFLEET_PORT="0", STREAMFLEET_DATA_DIR=str(tmp_path)),
    )
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "STREAMFLEET_PORT" in lines[0]
    assert "Traceback" not in result.stderr + result.stdout


def test_a_bad_database_url_is_one_line_too(tmp_path: Path) -> None:
    result = run_cli(
        "db",
        "upgrade",
        env=child_env(STREAMFLEET_DATABASE_URL="mongodb://x", STREAMFLEET_DATA_DIR=str(tmp_path)),
    )
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "STREAMFLEET_DATABASE_URL" in result.stderr


def test_serve_with_an_unreachable_database_says_so_in_one_line(tmp_path: Path) -> None:
    url = f"postgresql+asyncpg://streamfleet:pw-{PASSWORD}@127.0.0.1:{free_port()}/x"
    result = run_cli(
        "serve",
        "--no-demo",
        env=child_env(STREAMFLEET_DATABASE_URL=url, STREAMFLEET_DATA_DIR=str(tmp_path)),
    )
    assert result.returncode == 1
    assert result.stderr.strip().startswith("error: database postgresql+asyncpg://***@127.0.0.1")
    assert PASSWORD not in result.stderr + result.stdout
    assert "Traceback" not in result.stderr


def test_ctrl_c_stops_serve_without_a_traceback(
    streamfleet_server: ServerProcess,
) -> None:
    streamfleet_server.process.send_signal(signal.SIGINT)
    code = streamfleet_server.process.wait(CLI_TIMEOUT_S)
    log = streamfleet_server.stderr()
    assert code in (0, 130, -signal.SIGINT), log
    assert "api.stopped" in log
    assert "Traceback" not in log


def test_a_port_in_use_ends_serve_with_an_error(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = run_cli(
            "serve",
            "--no-demo",
            "--port",
            str(port),
            env=child_env(STREAMFLEET_DATA_DIR=str(tmp_path), STREAMFLEET_HOST="127.0.0.1"),
        )
    assert result.returncode == 1
    assert f"could not serve on 127.0.0.1:{port}" in result.stderr


def test_every_command_has_useful_help() -> None:
    env = child_env()
    for command, expected in [
        ((), "serve"),
        (("serve",), "--no-demo"),
        (("db", "upgrade"), "migrations"),
        (("channel", "list"), "--tag"),
        (("channel", "import"), "--partial"),
        (("channel", "export"), "YAML"),
        (("user", "create"), "--password-stdin"),
        (("user", "set-password"), "--password-stdin"),
        (("user", "disable"), "revoked"),
        (("token", "create"), "--expires"),
    ]:
        result = run_cli(*command, "--help", env=env)
        assert result.returncode == 0, result.stderr
        assert expected in result.stdout, (command, result.stdout)
