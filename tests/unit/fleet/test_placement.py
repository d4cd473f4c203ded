"""The placer's rule: the least-loaded eligible live worker gets each channel nobody holds."""

from __future__ import annotations

from collections import Counter

from streamfleet.fleet.placement import FRESH_HEARTBEAT_S, Candidate, pinned_labels, place


def worker(id: str, capacity: int = 10, age_s: float = 0.5, **labels: str) -> Candidate:
    return Candidate(id, capacity, labels, age_s)


def test_a_new_channel_goes_to_the_least_loaded_worker() -> None:
    """Load counts the channels each worker holds already."""
    placed = place([(7, False)], [worker("a"), worker("b")], {"a": 3, "b": 1})
    assert placed == {7: "b"}


def test_channels_spread_evenly_over_equal_workers() -> None:
    """Twelve channels on three empty workers: four each, whoever is fastest."""
    placed = place([(n, False) for n in range(12)], [worker(w) for w in "abc"], {})
    assert Counter(placed.values()) == {"a": 4, "b": 4, "c": 4}


def test_a_worker_without_capacity_left_gets_nothing() -> None:
    """A full worker is passed over; a channel no worker can take is left for later."""
    placed = place(
        [(1, False), (2, False)], [worker("a", capacity=2), worker("b", capacity=1)], {"a": 2}
    )
    assert placed == {1: "b"}


def test_a_copy_only_worker_gets_no_transcoded_channel() -> None:
    """``transcode=false`` takes copy channels only; a worker without the label takes both."""
    workers = [worker("a", transcode="false"), worker("b")]
    assert place([(1, True)], workers, {"b": 5}) == {1: "b"}
    assert place([(1, True)], [worker("a", transcode="false")], {}) == {}
    assert place([(1, False)], workers, {"b": 5}) == {1: "a"}


def test_a_worker_whose_heartbeat_is_old_gets_nothing() -> None:
    """A worker that may have died gets no channel: it would wait a lease TTL more."""
    workers = [worker("a", age_s=FRESH_HEARTBEAT_S + 0.1), worker("b")]
    assert place([(1, False)], workers, {"b": 9}) == {1: "b"}


def test_a_channel_pinned_by_tag_goes_only_to_a_worker_with_that_label() -> None:
    """``worker.ingest=srt-a`` takes the worker labelled so, however loaded; none is free: wait."""
    workers = [worker("a"), worker("b", ingest="srt-a"), worker("c", ingest="srt-b")]
    pins = {1: pinned_labels(["news", "worker.ingest=srt-a"])}
    assert place([(1, False), (2, False)], workers, {"b": 5}, pins) == {1: "b", 2: "a"}
    full = [worker("a"), worker("b", capacity=1, ingest="srt-a")]
    assert place([(1, False)], full, {"b": 1}, pins) == {}


def test_only_well_formed_pin_tags_require_labels() -> None:
    """A table: tags → the labels they require."""
    cases = {
        ("worker.site=studio a", "worker.ingest = srt-a"): {"site": "studio a", "ingest": "srt-a"},
        ("worker.site", "worker.=x", "site=a", "news"): {},
        ("worker.zone=",): {"zone": ""},
    }
    for tags, wanted in cases.items():
        assert pinned_labels(tags) == wanted, tags
