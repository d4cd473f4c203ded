"""Which of a worker's channels get JPEGs, and where a connection's tiles live in Redis."""

from __future__ import annotations

from fnmatch import fnmatchcase

from streamfleet.fleet.visible_tiles import shown_here, tiles_key, tiles_pattern

RUNNING = frozenset({"news", "sport", "weather"})


def test_a_worker_shows_only_its_running_channels_that_some_dashboard_shows() -> None:
    assert shown_here(RUNNING, frozenset({"sport", "elsewhere"})) == {"sport"}


def test_a_worker_shows_none_of_its_channels_when_no_dashboard_shows_any() -> None:
    assert shown_here(RUNNING, frozenset()) == frozenset()


def test_a_worker_shows_all_its_channels_when_what_dashboards_show_is_unknown() -> None:
    assert shown_here(RUNNING, None) == RUNNING


def test_a_connections_key_names_the_node_and_the_client_and_the_reader_finds_it() -> None:
    key = tiles_key("sf", "node1", "client1")
    assert key == "sf:tiles:node1:client1"
    assert fnmatchcase(key, tiles_pattern("sf"))
    assert not fnmatchcase(key, tiles_pattern("other"))
