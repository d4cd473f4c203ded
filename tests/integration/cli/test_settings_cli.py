"""Settings reach the CLI from the environment and from a TOML file; bad ones are one line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.support.server import child_env

CLI_TIMEOUT_S = 60


def cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "streamfleet", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=CLI_TIMEOUT_S,
        check=False,
    )


def test_a_toml_file_sets_the_data_dir(tmp_path: Path) -> None:
    config = tmp_path / "streamfleet.toml"
    config.write_text(f'data_dir = "{tmp_path / "from-toml"}"\n')
    result = cli("db", "upgrade", env=child_env(STREAMFLEET_CONFIG=str(config)))
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "from-toml" / "streamfleet.db").is_file()


def test_the_environment_wins_over_the_toml_file(tmp_path: Path) -> None:
    config = tmp_path / "streamfleet.toml"
    config.write_text(f'data_dir = "{tmp_path / "from-toml"}"\n')
    env = child_env(STREAMFLEET_CONFIG=str(config), STREAMFLEET_DATA_DIR=str(tmp_path / "env"))
    assert cli("db", "upgrade", env=env).returncode == 0
    assert (tmp_path / "env" / "streamfleet.db").is_file()
    assert not (tmp_path / "from-toml").exists()


def test_a_bad_value_in_the_toml_file_is_one_line_naming_it(tmp_path: Path) -> None:
    config = tmp_path / "streamfleet.toml"
    config.write_text("hls_list_size = 1000\n")
    result = cli("db", "upgrade", env=child_env(STREAMFLEET_CONFIG=str(config)))
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert "STREAMFLEET_HLS_LIST_SIZE" in result.stderr


def test_a_missing_toml_file_is_one_line(tmp_path: Path) -> None:
    missing = tmp_path / "nope.toml"
    result = cli("db", "upgrade", env=child_env(STREAMFLEET_CONFIG=str(missing)))
    assert result.returncode == 2
    assert result.stderr == f"error: STREAMFLEET_CONFIG: file {missing} does not exist\n"


def test_a_malformed_playback_secret_file_stops_serve_with_one_line(tmp_path: Path) -> None:
    """With signing on, ``data_dir/playback-secret`` must hold a usable secret."""
    (tmp_path / "playback-secret").write_text("not a secret\n")
    env = child_env(STREAMFLEET_DATA_DIR=str(tmp_path), STREAMFLEET_PLAYBACK_SIGNING="true")
    result = cli("serve", "--no-demo", "--port", "1", env=env)
    assert result.returncode == 2
    last = result.stderr.strip().splitlines()[-1]  # after the migration's log line
    assert last.startswith("error: invalid setting STREAMFLEET_PLAYBACK_SECRET: ")
    assert "playback-secret must hold 32-128" in last
    assert "Traceback" not in result.stderr
    assert "not a secret" not in result.stderr
