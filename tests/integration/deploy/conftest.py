"""Fixtures shared by the nginx tests: RTMP publishers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.rtmp_publish import Publishers


@pytest.fixture
def publishers(ffmpeg_path: str, tmp_path: Path) -> Iterator[Publishers]:
    running = Publishers(ffmpeg_path, tmp_path)
    yield running
    running.stop()
