"""``streamfleet channel import|list|export`` and ``db upgrade`` against real databases."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import yaml

from tests.support.playlists import m3u_with_bad_entries
from tests.support.server import child_env

CLI_TIMEOUT_S = 120


def cli(
    *args: str, env: dict[str, str], stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "streamfleet", *args],
        capture_output=True,
        text=True,
        env=env,
        input=stdin,
        timeout=CLI_TIMEOUT_S,
        check=False,
    )


def env_for(database_url: str, data_dir: Path) -> dict[str, str]:
    return child_env(STREAMFLEET_DATABASE_URL=database_url, STREAMFLEET_DATA_DIR=str(data_dir))


def test_db_upgrade_migrates_and_can_run_again(sqlite_or_postgres_url: str, tmp_path: Path) -> None:
    env = env_for(sqlite_or_postgres_url, tmp_path)
    first = cli("db", "upgrade", env=env)
    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith("database ")
    assert "is at revision" in first.stdout
    second = cli("db", "upgrade", env=env)
    assert second.stdout == first.stdout


def test_import_list_and_export_share_the_api_rules(
    sqlite_or_postgres_url: str, tmp_path: Path
) -> None:
    env = env_for(sqlite_or_postgres_url, tmp_path)
    playlist = m3u_with_bad_entries()
    source = tmp_path / "channels.m3u8"
    source.write_text(playlist.text)

    refused = cli("channel", "import", str(source), env=env)
    assert refused.returncode == 1
    for line in playlist.bad_lines:
        assert f"line {line}: input_url:" in refused.stderr
    assert "error: nothing imported: 3 problem(s)" in refused.stderr
    listed = json.loads(cli("channel", "list", "--json", env=env).stdout)
    assert listed["total"] == 0

    imported = cli("channel", "import", str(source), "--partial", env=env)
    assert imported.returncode == 0, imported.stderr
    assert "imported 57 channel(s); 3 problem(s) skipped" in imported.stdout

    group = json.loads(cli("channel", "list", "--json", "--tag", "Group 1", env=env).stdout)
    assert group["total"] == 12
    table = cli("channel", "list", "--search", "channel 59", env=env)
    assert "channel-59" in table.stdout
    assert "1 of 1 channels" in table.stdout

    export_file = tmp_path / "export.yaml"
    exported = cli("channel", "export", str(export_file), env=env)
    assert exported.returncode == 0
    document = yaml.safe_load(export_file.read_text())
    assert len(document["channels"]) == 57
    assert cli("channel", "export", env=env).stdout == export_file.read_text()


def test_an_export_imports_into_another_database_with_a_dry_run_first(
    sqlite_or_postgres_url: str, tmp_path: Path
) -> None:
    env = env_for(sqlite_or_postgres_url, tmp_path)
    text = "channels:\n  - {name: One, input_url: 'rtmp://u:pw-9@src.example/live/k'}\n"
    dry = cli("channel", "import", "-", "--dry-run", "--format", "yaml", env=env, stdin=text)
    assert dry.returncode == 0, dry.stderr
    assert "would import 1 channel(s)" in dry.stdout
    assert json.loads(cli("channel", "list", "--json", env=env).stdout)["total"] == 0
    done = cli("channel", "import", "-", env=env, stdin=text)
    assert "imported 1 channel(s)" in done.stdout
    listed = cli("channel", "list", env=env)
    assert "rtmp://***@src.example/live/k" in listed.stdout
    assert "pw-9" not in listed.stdout


def test_a_missing_file_is_one_error_line(tmp_path: Path) -> None:
    env = env_for(f"sqlite+aiosqlite:///{tmp_path}/x.db", tmp_path)
    result = cli("channel", "import", str(tmp_path / "nope.m3u"), env=env)
    assert result.returncode == 2
    assert result.stderr.strip().startswith("error: cannot read")
    assert "Traceback" not in result.stderr
