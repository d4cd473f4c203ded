"""A small run of the benchmark (3 channels, 10 s) so that it cannot rot.

It runs ``python -m bench`` exactly as ``make bench`` does, only smaller, on
real FFmpeg feeders, real bare FFmpeg, real nginx-rtmp and a real
``streamfleet serve``, then checks the JSON it wrote and that no process of the
run is left. Every process the run starts carries ``BENCH_RUN_ID`` in its
environment (or the scratch directory in its command line), which is how the
last test finds leftovers.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.support.services import service_unavailable

REPO_ROOT = Path(__file__).resolve().parents[3]
RUN_TIMEOUT_S = 280.0
CHANNELS = 3
WINDOW_S = 10


@dataclass
class SmokeRun:
    returncode: int
    output: str
    report: dict[str, Any]
    out_dir: Path
    leftovers: list[str]

    def contender(self, name: str) -> dict[str, Any]:
        return next(c for c in self.report["contenders"] if c["name"] == name)


def _processes_of_run(marker: str, work_dir: Path) -> dict[int, str]:
    """Processes whose environment holds ``marker`` or whose command line names ``work_dir``."""
    found: dict[int, str] = {}
    me = os.getpid()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == me:
            continue
        try:
            environ = (entry / "environ").read_bytes()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state == "Z":
            continue
        if marker.encode() in environ or str(work_dir) in cmdline:
            found[int(entry.name)] = cmdline.strip()
    return found


@pytest.fixture(scope="module")
def smoke_run(tmp_path_factory: pytest.TempPathFactory) -> SmokeRun:
    base = tmp_path_factory.mktemp("bench-smoke")
    out_dir, work_dir = base / "results", base / "work"
    marker = f"smoke-{uuid.uuid4().hex}"
    env = {**os.environ, "BENCH_RUN_ID": marker}
    args = [
        sys.executable,
        "-m",
        "bench",
        "--channels",
        str(CHANNELS),
        "--seconds",
        str(WINDOW_S),
        "--warmup",
        "3",
        "--contenders",
        "a,b,c",
        "--out",
        str(out_dir),
        "--work-dir",
        str(work_dir),
        "--api-requests",
        "100",
        "--source-down",
        "3",
    ]
    try:
        done = subprocess.run(
            args,
            cwd=REPO_ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=RUN_TIMEOUT_S,
            start_new_session=True,
        )
        returncode, output = done.returncode, done.stdout + done.stderr
    except subprocess.TimeoutExpired as exc:
        returncode, output = -1, f"timed out after {RUN_TIMEOUT_S:g} s: {exc.stdout!r}"
    leftovers = _processes_of_run(marker, work_dir)
    for pid in leftovers:  # never leave one, even when the run failed
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    reports = sorted(out_dir.glob("bench-*.json"))
    if not reports:
        pytest.fail(f"the benchmark wrote no report (exit {returncode}):\n{output[-3000:]}")
    return SmokeRun(
        returncode=returncode,
        output=output,
        report=json.loads(reports[-1].read_text()),
        out_dir=out_dir,
        leftovers=sorted(leftovers.values()),
    )


def _assert_measured(contender: dict[str, Any]) -> None:
    assert contender["error"] is None, contender["error"]
    assert contender["cpu_core_pct"] > 0
    assert contender["pss_mib"] > 0
    assert contender["pss_mib_per_channel"] > 0
    assert contender["processes"] >= 1
    assert contender["channels_advancing"] == CHANNELS
    assert contender["channels_advancing_in_window"] == CHANNELS
    assert 0 < contender["all_advancing_s"] < 60
    assert contender["window_s"] >= WINDOW_S


def test_the_run_writes_json_markdown_and_a_chart_with_machine_and_versions(
    smoke_run: SmokeRun,
) -> None:
    stems = {p.suffix: p for p in smoke_run.out_dir.glob("bench-*")}
    assert set(stems) == {".json", ".md", ".png"}
    assert stems[".png"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    markdown = stems[".md"].read_text()
    assert "| bare FFmpeg |" in markdown
    assert "## Targets" in markdown
    report = smoke_run.report
    assert report["channels"] == CHANNELS
    assert report["machine"]["cores"] >= 1
    assert report["machine"]["memory_mib"] > 0
    assert report["versions"]["ffmpeg"].startswith("FFmpeg")
    assert set(report["ratios"]) == {"cpu", "pss", "cpu_per_feeder_cpu"}
    for key, plain in report["ratios"]["cpu"].items():  # measured with its feeders, or not at all
        assert (plain is None) == (report["ratios"]["cpu_per_feeder_cpu"][key] is None), key


def test_bare_ffmpeg_uses_cpu_and_memory_and_every_playlist_advances(smoke_run: SmokeRun) -> None:
    bare = smoke_run.contender("bare-ffmpeg")
    _assert_measured(bare)
    assert bare["processes"] == CHANNELS
    assert bare["feeders_cpu_core_pct"] > 0


def test_nginx_rtmp_uses_cpu_and_memory_and_every_playlist_advances(smoke_run: SmokeRun) -> None:
    nginx = smoke_run.contender("nginx-rtmp")
    if nginx["skipped"]:
        service_unavailable(f"nginx-rtmp was skipped: {nginx['skipped']}")
    _assert_measured(nginx)


def test_streamfleet_is_measured_with_its_reaction_times(smoke_run: SmokeRun) -> None:
    sf = smoke_run.contender("streamfleet")
    if sf["skipped"]:  # only until `streamfleet serve` runs everywhere
        pytest.skip(f"streamfleet was skipped: {sf['skipped']}")
    _assert_measured(sf)
    figures = sf["streamfleet"]
    assert figures["all_online_s"] is not None
    assert figures["sources_stopped"] == 1
    assert figures["offline_detection"]["missed"] == 0
    assert figures["offline_detection"]["p95_s"] > 0
    assert figures["recovery"]["missed"] == 0
    assert figures["recovery"]["p95_s"] > 0
    assert figures["false_offline_events"] == 0, figures["false_offline_reports"]
    assert figures["ws"]["ready_clients"] == 50
    assert figures["ws"]["delay_ms"]["count"] > 0
    assert figures["ws"]["bad_messages"] == 0  # single envelopes and metrics arrays both read
    assert figures["api_list"]["errors"] == 0
    assert figures["api_list"]["requests"] == 100
    assert smoke_run.report["ratios"]["cpu"]["streamfleet/bare-ffmpeg"] > 0


def test_the_run_succeeds_and_leaves_no_process_behind(smoke_run: SmokeRun) -> None:
    assert smoke_run.leftovers == []
    assert smoke_run.returncode == 0, smoke_run.output[-3000:]
