"""``python -m bench --capacity`` on tiny numbers (N = 1 then 2, a 5 s window) so it cannot rot.

Bare FFmpeg and streamfleet: each must hold at N = 2 on any machine that runs the suite, and
the report must give the largest N and the feeders' CPU beside it. The full search (from 20
channels up) is a long run for the README, not for the suite.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[3]
RUN_TIMEOUT_S = 420.0


def test_the_capacity_search_reports_the_largest_n_each_contender_held(tmp_path: Path) -> None:
    out_dir = tmp_path / "results"
    args = [
        sys.executable,
        "-m",
        "bench",
        "--capacity",
        "--capacity-start",
        "1",
        "--capacity-step",
        "1",
        "--capacity-max",
        "2",
        "--seconds",
        "5",
        "--warmup",
        "2",
        "--contenders",
        "a,b",
        "--api-requests",
        "20",
        "--ws-clients",
        "2",
        "--source-down",
        "3",
        "--out",
        str(out_dir),
    ]
    done = subprocess.run(
        args,
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_S,
        start_new_session=True,
    )
    assert done.returncode == 0, (done.stdout + done.stderr)[-3000:]
    (report_path,) = out_dir.glob("capacity-*.json")
    report = json.loads(report_path.read_text())
    by_name = {c["name"]: c for c in report["contenders"]}
    assert set(by_name) == {"bare-ffmpeg", "streamfleet"}
    for contender in by_name.values():
        assert contender["largest_held"] == 2, contender["trials"]
        assert [t["channels"] for t in contender["trials"]] == [1, 2]
        assert all(t["feeders_cpu_core_pct"] > 0 for t in contender["trials"])
    assert all(t["detection_p95_s"] <= 2.0 for t in by_name["streamfleet"]["trials"])
    markdown = next(out_dir.glob("capacity-*.md")).read_text()
    assert "| bare-ffmpeg | 2 |" in markdown
    assert "| streamfleet | 2 |" in markdown
