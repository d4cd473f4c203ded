"""``python -m bench --channels 60 --seconds 60``: run the benchmark and write its report."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from rich.console import Console

from bench.capacity import CapacityPlan, ladder, now_iso, run_capacity, write_capacity_report
from bench.machine import REPO_ROOT
from bench.options import BenchOptions, parse_contenders
from bench.progress import RunProgress
from bench.report import write_report
from bench.results import STREAMFLEET
from bench.runner import planned_seconds, run_bench

DEFAULT_PLAN = CapacityPlan()


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _positive_float(text: str) -> float:
    value = float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be greater than 0, got {value:g}")
    return value


def _contenders(text: str) -> tuple[str, ...]:
    try:
        return parse_contenders(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="N live channels on bare FFmpeg, streamfleet and nginx-rtmp, in one run.",
    )
    parser.add_argument("--channels", type=_positive_int, default=60, help="N (default 60)")
    parser.add_argument(
        "--seconds", type=_positive_float, default=60.0, help="steady window in s (default 60)"
    )
    parser.add_argument(
        "--warmup", type=float, default=10.0, help="warm-up before the window in s (default 10)"
    )
    parser.add_argument(
        "--soak",
        type=_positive_float,
        metavar="SECONDS",
        help="long run: the window lasts SECONDS and counts false offline events "
        "(streamfleet only unless --contenders says otherwise)",
    )
    parser.add_argument(
        "--contenders",
        type=_contenders,
        help="a,b,c or bare-ffmpeg,streamfleet,nginx-rtmp (default: all three)",
    )
    parser.add_argument(
        "--out", type=Path, default=REPO_ROOT / "bench" / "results", help="report directory"
    )
    parser.add_argument("--work-dir", type=Path, help="scratch directory (default: a temp dir)")
    parser.add_argument("--keep-work", action="store_true", help="keep the temp scratch dir")
    parser.add_argument("--ws-clients", type=_positive_int, default=50)
    parser.add_argument("--api-concurrency", type=_positive_int, default=50)
    parser.add_argument("--api-requests", type=_positive_int, default=500)
    parser.add_argument(
        "--offline-sources", type=int, help="sources to stop (default N/3, at most 10)"
    )
    parser.add_argument(
        "--source-down",
        type=_positive_float,
        default=5.0,
        help="at least this long each stopped source stays down, in s (default 5)",
    )
    parser.add_argument(
        "--profile", action="store_true", help="py-spy profile of streamfleet serve (window)"
    )
    parser.add_argument(
        "--recording",
        action="store_true",
        help="streamfleet's channels record to the archive (its cost against not recording)",
    )
    parser.add_argument(
        "--capacity",
        action="store_true",
        help="raise N per contender until a playlist falls behind real time, a channel leaves "
        "online or detection p95 passes 2 s; report the largest N that held",
    )
    parser.add_argument("--capacity-start", type=_positive_int, default=DEFAULT_PLAN.start)
    parser.add_argument("--capacity-step", type=_positive_int, default=DEFAULT_PLAN.step)
    parser.add_argument("--capacity-max", type=_positive_int, default=DEFAULT_PLAN.maximum)
    parser.add_argument(
        "--streamfleet-command",
        metavar="PATH",
        help="the streamfleet executable to measure (default: this virtual environment's)",
    )
    parser.add_argument(
        "--copy-ffmpeg",
        metavar="PATH",
        help="streamfleet's copy channels run this FFmpeg (the lean build of make lean-ffmpeg; "
        "default: the wheel's)",
    )
    return parser


def options_from(args: argparse.Namespace) -> BenchOptions:
    contenders = args.contenders or ((STREAMFLEET,) if args.soak else None)
    return BenchOptions(
        channels=args.channels,
        window_s=args.soak or args.seconds,
        warmup_s=max(0.0, args.warmup),
        contenders=contenders or BenchOptions().contenders,
        out_dir=args.out,
        work_dir=args.work_dir,
        keep_work=args.keep_work,
        soak=args.soak is not None,
        ws_clients=args.ws_clients,
        api_concurrency=args.api_concurrency,
        api_requests=args.api_requests,
        offline_sources=args.offline_sources,
        source_down_s=args.source_down,
        profile=args.profile,
        recording=args.recording,
        streamfleet_command=args.streamfleet_command,
        copy_ffmpeg=str(Path(args.copy_ffmpeg).resolve()) if args.copy_ffmpeg else None,
    )


def capacity_main(args: argparse.Namespace, options: BenchOptions, console: Console) -> int:
    plan = CapacityPlan(args.capacity_start, args.capacity_step, args.capacity_max)
    trials = len(ladder(plan)) * len(options.contenders)
    started_at = now_iso()
    with RunProgress(planned_seconds(options) * trials, console) as progress:
        found = asyncio.run(run_capacity(options, plan, progress))
        progress.finish()
    paths = write_capacity_report(found, plan, options.out_dir, started_at)
    print(paths["md"].read_text())
    for kind, path in paths.items():
        print(f"{kind}: {path}")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    options = options_from(args)
    console = Console(stderr=True)
    if args.capacity:
        return capacity_main(args, options, console)
    with RunProgress(planned_seconds(options), console) as progress:
        result = asyncio.run(run_bench(options, progress))
        progress.finish()
    paths = write_report(result, options.out_dir)
    print(paths["md"].read_text())
    for kind, path in paths.items():
        print(f"{kind}: {path}")
    failed = [c for c in result.contenders if c.error]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
