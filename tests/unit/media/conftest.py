"""``golden``: compare an FFmpeg argument list with ``golden/<case>.json`` (``--update-golden``
rewrites the file instead; review the diff)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

GOLDEN_DIR = Path(__file__).parent / "golden"


@pytest.fixture
def golden(request: pytest.FixtureRequest) -> Callable[[str, list[str]], None]:
    update = bool(request.config.getoption("--update-golden"))

    def check(case: str, argv: list[str]) -> None:
        path = GOLDEN_DIR / f"{case}.json"
        if update:
            GOLDEN_DIR.mkdir(exist_ok=True)
            path.write_text(json.dumps({"argv": argv}, indent=2) + "\n")
            return
        assert path.is_file(), f"no golden file {path.name}: run pytest with --update-golden"
        expected = json.loads(path.read_text())["argv"]
        assert argv == expected

    return check
