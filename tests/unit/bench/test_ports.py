"""Listen ports for UDP sources lie below the ephemeral range that senders bind from."""

from __future__ import annotations

import socket

import pytest
from bench.ports import UDP_LISTEN_LOW, ephemeral_low, free_udp_ports


def test_sixty_listen_ports_are_distinct_bindable_and_below_the_ephemeral_range() -> None:
    ports = free_udp_ports(60)
    assert len(set(ports)) == 60
    assert all(UDP_LISTEN_LOW <= port < ephemeral_low() for port in ports)
    for port in ports:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.bind(("127.0.0.1", port))


def test_a_port_in_use_is_never_handed_out() -> None:
    held = []
    try:
        for port in free_udp_ports(200):
            sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            sock.bind(("0.0.0.0", port))
            held.append(sock)
        taken = {sock.getsockname()[1] for sock in held}
        assert not taken & set(free_udp_ports(200))
    finally:
        for sock in held:
            sock.close()


def test_a_sender_takes_its_source_port_from_the_ephemeral_range() -> None:
    """Why the listen ports are picked lower: this is where every UDP sender's port lands."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sender:
        sender.sendto(b"x", ("127.0.0.1", free_udp_ports(1)[0]))
        assert sender.getsockname()[1] >= ephemeral_low()


@pytest.mark.parametrize("count", [0, 1])
def test_small_counts(count: int) -> None:
    assert len(free_udp_ports(count)) == count
