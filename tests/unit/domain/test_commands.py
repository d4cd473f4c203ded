"""The pure rules of fleet commands: bounds on arguments and results, expiry by action."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from streamfleet.domain.commands import (
    COMMAND_TTL_S,
    MAX_LOG_LINE_CHARS,
    MAX_RESULT_BYTES,
    Command,
    CommandAction,
    CommandState,
    Outcome,
    bounded_json,
    log_result,
)
from streamfleet.domain.errors import InvalidInput

T0 = datetime(2026, 12, 4, 10, 0, tzinfo=UTC)


def pending(action: CommandAction) -> Command:
    return Command("c1", action, 1, "w1", CommandState.PENDING, T0)


def test_json_within_the_bound_passes_unchanged() -> None:
    assert bounded_json({"url": "udp://127.0.0.1:1"}, 100, field_name="args") == {
        "url": "udp://127.0.0.1:1"
    }


def test_json_over_the_bound_is_invalid_input_naming_the_field() -> None:
    with pytest.raises(InvalidInput) as raised:
        bounded_json({"url": "x" * 200}, 100, field_name="args")
    assert [e.field for e in raised.value.errors] == ["args"]


def test_a_log_result_cuts_long_lines_and_drops_the_oldest_to_fit() -> None:
    lines = [f"{n:04d} " + "y" * 2 * MAX_LOG_LINE_CHARS for n in range(400)]
    result = log_result(lines)
    assert all(len(line) == MAX_LOG_LINE_CHARS for line in result["lines"])
    assert len(json.dumps(result).encode()) <= MAX_RESULT_BYTES
    assert result["lines"][-1].startswith("0399"), "the newest line stays"


def test_a_short_log_is_kept_whole() -> None:
    assert log_result(["a", "b"]) == {"lines": ["a", "b"]}


@pytest.mark.parametrize("action", list(CommandAction))
def test_a_pending_command_expires_only_after_its_actions_ttl(action: CommandAction) -> None:
    ttl = timedelta(seconds=COMMAND_TTL_S[action])
    command = pending(action)
    assert not command.expired_at(T0 + ttl)
    assert command.expired_at(T0 + ttl + timedelta(seconds=1))
    assert command.seen_at(T0 + ttl + timedelta(seconds=1)).state is CommandState.EXPIRED


def test_a_finished_command_never_reads_expired() -> None:
    done = Command("c1", CommandAction.RESTART, 1, "w1", CommandState.DONE, T0)
    assert done.seen_at(T0 + timedelta(days=1)).state is CommandState.DONE


def test_only_pending_is_not_final() -> None:
    assert [s for s in CommandState if not s.final] == [CommandState.PENDING]


def test_a_failed_outcome_cuts_its_reason() -> None:
    assert len(Outcome.failed("z" * 5000).error or "") == 500
