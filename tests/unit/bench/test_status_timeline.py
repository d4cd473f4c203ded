"""What the benchmark reads from the status reports one WebSocket client received."""

from bench.status_timeline import StatusSeen, StatusTimeline


def timeline(*items: tuple[str, str, float]) -> StatusTimeline:
    t = StatusTimeline()
    for channel, status, at in items:
        t.add(StatusSeen(channel=channel, status=status, received_at=at, sent_at=at - 0.01))
    return t


def test_detection_latency_is_the_first_offline_report_after_the_source_stopped() -> None:
    t = timeline(("a", "online", 5.0), ("a", "offline", 11.4), ("a", "offline", 12.0))
    assert t.latency_after("a", "offline", 10.0) == 11.4 - 10.0


def test_a_report_after_the_deadline_does_not_count() -> None:
    t = timeline(("a", "offline", 19.0))
    assert t.latency_after("a", "offline", 10.0, before=15.0) is None
    assert t.latency_after("b", "offline", 10.0) is None


def test_all_online_is_when_the_last_channel_first_came_online() -> None:
    t = timeline(("a", "starting", 1.0), ("a", "online", 3.0), ("b", "online", 4.5))
    assert t.all_reached(["a", "b"], "online", 0.0) == 4.5
    assert t.all_reached(["a", "b", "c"], "online", 0.0) is None


def test_false_offline_counts_only_healthy_channels_after_they_were_online() -> None:
    t = timeline(
        ("a", "offline", 1.0),  # before it was ever online: a slow start, not a false alarm
        ("a", "online", 2.0),
        ("a", "offline", 30.0),
        ("b", "online", 2.0),
        ("b", "offline", 40.0),  # b's source was stopped on purpose
    )
    assert [(s.channel, s.received_at) for s in t.false_offline_reports(["a"])] == [("a", 30.0)]
    assert t.false_offline_reports(["a"], until=20.0) == []
    assert t.count(["a", "b"], "offline", since=25.0) == 2


def test_status_changes_in_a_window_are_counted_by_status() -> None:
    t = timeline(
        ("a", "online", 1.0),
        ("a", "degraded", 12.0),
        ("b", "degraded", 13.0),
        ("a", "online", 18.0),
        ("c", "offline", 14.0),
        ("a", "offline", 30.0),
    )
    assert t.changes_by_status(["a", "b"], 10.0, 20.0) == {"degraded": 2, "online": 1}
    assert t.changes_by_status(["a"], 40.0) == {}
