"""Leftovers of a crash: only a process that is still the one recorded is ever signalled."""

from __future__ import annotations

import os
from pathlib import Path

from streamfleet.engine.stale_children import kill_stale_children, process_matches
from streamfleet.storage.pid_files import PidRecord, write_pid_file


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
