"""Wake-ups as JSON: a command wake-up names its command; malformed text is dropped."""

from __future__ import annotations

from streamfleet.domain.commands import COMMAND_ID_LENGTH
from streamfleet.fleet.wakeups import WakeAction, Wakeup


def test_a_command_wakeup_travels_with_its_command_id() -> None:
    sent = Wakeup(WakeAction.COMMAND, 4, command="0b6f3c8e-1d2a-4c1e-9a53-1f6a8d0e2b7c")
    assert Wakeup.from_json(sent.to_json()) == sent


def test_a_plain_wakeup_has_no_command_key() -> None:
    assert "command" not in Wakeup(WakeAction.APPLY, 4).to_json()


def test_an_overlong_command_id_is_cut_and_garbage_is_dropped() -> None:
    long = Wakeup.from_json('{"action": "command", "channel": null, "command": "' + "a" * 99 + '"}')
    assert long is not None
    assert long.command is not None
    assert len(long.command) == COMMAND_ID_LENGTH
    assert Wakeup.from_json('{"action": "explode"}') is None
    assert Wakeup.from_json("not json") is None
