"""``kill -9`` of the process running the engine leaves no FFmpeg behind (parent-death signal)."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from pathlib import Path

import pytest

from tests.support.media import Feeders, channel_url
from tests.support.processes import alive, pids_in_group
from tests.support.waiting import wait_until

REPO = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize("spawn", ["setpriv", "preexec_fn"])
async def test_kill_9_of_the_server_leaves_no_ffmpeg_running(
    spawn: str, feeders: Feeders, tmp_path: Path
) -> None:
    sources = [await feeders.start(), await feeders.start()]
    config = {
        "data_dir": str(tmp_path / "data"),
        "spawn": spawn,
        "channels": [{"id": i + 1, "url": channel_url(f)} for i, f in enumerate(sources)],
    }
    host = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.support.supervisor_host",
        json.dumps(config),
        cwd=REPO,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        assert host.stdout is not None
        line = await asyncio.wait_for(host.stdout.readline(), 45)
        report = json.loads(line)
        assert report.get("spawn") == spawn, report
        pids: list[int] = report["pids"]
        assert all(alive(pid) for pid in pids)
        assert all(os.getpgid(pid) == pid for pid in pids), "each FFmpeg leads its own group"

        os.kill(host.pid, signal.SIGKILL)
        await host.wait()
        await wait_until(
            lambda: not any(alive(pid) or pids_in_group(pid) for pid in pids),
            5,
            lambda: f"the FFmpeg children {pids} to die with their parent",
        )
    finally:
        if host.returncode is None:
            os.killpg(host.pid, signal.SIGKILL)
            await host.wait()
