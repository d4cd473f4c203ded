"""Where MP4 exports are written: ``<exports dir>/<job id>/part-<n>.mp4``.

A part is written as ``part-<n>.mp4.partial`` and renamed when FFmpeg succeeded, so a
finished name is always a whole file. The folder of a job goes with the job.
"""

from __future__ import annotations

import shutil
from collections.abc import Collection
from pathlib import Path

from streamfleet.domain.exports import part_file_name

PARTIAL_SUFFIX = ".partial"


def job_dir(root: Path, job_id: int) -> Path:
    return root / str(int(job_id))


def part_path(root: Path, job_id: int, index: int) -> Path:
    return job_dir(root, job_id) / part_file_name(index)


def partial_path(final: Path) -> Path:
    return final.with_name(final.name + PARTIAL_SUFFIX)


def remove_job_files(root: Path, job_id: int) -> None:
    shutil.rmtree(job_dir(root, job_id), ignore_errors=True)


def remove_orphans(root: Path, known_ids: Collection[int]) -> list[str]:
    """Remove every folder of ``root`` that is no known job's; returns their names."""
    if not root.is_dir():
        return []
    gone = []
    for entry in root.iterdir():
        if not (entry.name.isdigit() and int(entry.name) in known_ids):
            if entry.is_dir():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink(missing_ok=True)
            gone.append(entry.name)
    return gone
