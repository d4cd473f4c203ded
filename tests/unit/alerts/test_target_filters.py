"""Per-target filters: tags, severities, opened/resolved."""

from __future__ import annotations

import pytest

from streamfleet.alerts.kinds import NotificationEvent, Severity
from streamfleet.alerts.target_filters import TargetFilters


def test_empty_filters_take_everything() -> None:
    f = TargetFilters.from_dict(None)
    assert f.wants_alert(Severity.INFO, ["x"])
    assert f.wants_alert(Severity.CRITICAL, None)
    assert f.wants_event(NotificationEvent.OPENED)
    assert f.wants_event(NotificationEvent.RESOLVED)


@pytest.mark.parametrize(
    ("tags", "channel_tags", "wanted"),
    [
        (["news"], ["news", "hd"], True),
        (["news"], ["sport"], False),
        (["news", "sport"], ["sport"], True),
        (["news"], [], False),
        (["news"], None, False),
    ],
)
def test_tag_filters_need_one_common_tag(
    tags: list[str], channel_tags: list[str] | None, wanted: bool
) -> None:
    assert (
        TargetFilters.from_dict({"tags": tags}).wants_alert(Severity.CRITICAL, channel_tags)
        is wanted
    )


def test_severity_filters_take_only_those_severities() -> None:
    f = TargetFilters.from_dict({"severities": ["critical"]})
    assert f.wants_alert(Severity.CRITICAL, [])
    assert not f.wants_alert(Severity.WARNING, [])


def test_a_target_can_skip_resolved_messages_but_always_takes_tests() -> None:
    f = TargetFilters.from_dict({"on_resolve": False})
    assert not f.wants_event(NotificationEvent.RESOLVED)
    assert f.wants_event(NotificationEvent.TEST)


def test_filters_survive_a_round_trip_through_json() -> None:
    f = TargetFilters(("a",), (Severity.WARNING,), True, False)
    assert TargetFilters.from_dict(f.as_dict()) == f
