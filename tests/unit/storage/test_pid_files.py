"""Pid files: a record only ever matches the process it was written for."""

from __future__ import annotations

from pathlib import Path

from streamfleet.storage.pid_files import PidRecord, read_pid_file, take_pid_records, write_pid_file


def test_a_pid_file_reads_back_what_was_written(tmp_path: Path) -> None:
    path = tmp_path / "run" / "news.pid"
    write_pid_file(path, PidRecord(4242, "/data/hls/news"))
    assert read_pid_file(path) == PidRecord(4242, "/data/hls/news")


def test_a_damaged_pid_file_reads_as_nothing(tmp_path: Path) -> None:
    path = tmp_path / "news.pid"
    path.write_text("not a pid\n")
    assert read_pid_file(path) is None


def test_taking_the_records_deletes_every_pid_file_damaged_ones_too(tmp_path: Path) -> None:
    write_pid_file(tmp_path / "news.pid", PidRecord(4242, "/data/hls/news"))
    (tmp_path / "broken.pid").write_text("not a pid\n")
    assert take_pid_records(tmp_path) == [PidRecord(4242, "/data/hls/news")]
    assert list(tmp_path.glob("*.pid")) == []


def test_a_missing_run_dir_has_no_records(tmp_path: Path) -> None:
    assert take_pid_records(tmp_path / "absent") == []
