"""``net.core.rmem_max`` as the engine reads it to choose where UDP inputs buffer."""

from __future__ import annotations

from pathlib import Path

from streamfleet.engine.context import udp_kernel_buffer
from streamfleet.engine.host_limits import RMEM_MAX, socket_receive_max


def test_the_hosts_rmem_max_is_read_from_proc() -> None:
    assert socket_receive_max() == int(RMEM_MAX.read_text())


def test_an_unreadable_or_garbled_limit_reads_as_zero(tmp_path: Path) -> None:
    garbled = tmp_path / "rmem_max"
    garbled.write_text("lots\n")
    assert socket_receive_max(garbled) == 0
    assert socket_receive_max(tmp_path / "absent") == 0


def test_the_setting_forces_either_buffer_and_auto_follows_the_host() -> None:
    assert udp_kernel_buffer("kernel") is True
    assert udp_kernel_buffer("fifo") is False
    assert udp_kernel_buffer("auto") is (socket_receive_max() >= 2 * 1024 * 1024)
