"""Pid files: a record only ever matches the process it was written for."""

from __future__ import annotations

import os
from pathlib import Path

from streamfleet.storage.pid_files import (
    PidRecord,
    kill_stale_children,
    process_matches,
    read_pid_file,
    write_pid_file,
)


def test_a_pid_file_reads_back_what_was_written(tmp_path: Path) -> None:
    path = tmp_path / "run" / "news.pid"
    write_pid_file(path, PidRecord(4242, "/data/hls/news"))
    assert read_pid_file(path) == PidRecord(4242, "/data/hls/news")


def test_a_damaged_pid_file_reads_as_nothing(tmp_path: Path) -> None:
    path = tmp_path / "news.pid"
    path.write_text("not a pid\n")
    assert read_pid_file(path) is None


def test_a_live_pid_matches_only_with_its_marker_in_the_command_line() -> None:
    me = Path(f"/proc/{os.getpid()}/cmdline").read_bytes().split(b"\0")[0].decode()
    assert process_matches(PidRecord(os.getpid(), me))
    assert not process_matches(PidRecord(os.getpid(), "/srv/data/hls/news-that-is-not-me"))


def test_files_whose_process_is_gone_or_someone_else_are_removed_without_a_signal(
    tmp_path: Path,
) -> None:
    write_pid_file(tmp_path / "mine.pid", PidRecord(os.getpid(), "/no/such/marker"))
    write_pid_file(tmp_path / "gone.pid", PidRecord(2**22 + 7, "/data/hls/gone"))
    assert kill_stale_children(tmp_path) == []
    assert list(tmp_path.glob("*.pid")) == []
