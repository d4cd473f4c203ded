"""What every child's environment holds: the server's, plus the allocator settings that keep an
FFmpeg small (docs/engine.md, "Memory per channel")."""

from __future__ import annotations

import os

from streamfleet.engine.process import CHILD_ENV, child_environment


def test_children_get_one_malloc_arena_and_no_mmap_threshold_which_costs_cpu() -> None:
    assert CHILD_ENV == {"MALLOC_ARENA_MAX": "1"}


def test_the_child_environment_is_the_servers_with_the_allocator_settings_on_top() -> None:
    env = child_environment()
    assert env["PATH"] == os.environ["PATH"]
    for name, value in CHILD_ENV.items():
        assert env[name] == value
