"""Channel files for import tests: an M3U of many entries with some bad ones."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Playlist:
    text: str
    bad_lines: list[int]
    good_count: int


def m3u_with_bad_entries(total: int = 60, bad: tuple[int, ...] = (7, 33, 52)) -> Playlist:
    """``total`` entries ``Channel N`` in groups; entries at indexes ``bad`` have refused URLs."""
    lines = ["#EXTM3U"]
    bad_lines = []
    bad_urls = ("file:///etc/passwd", "concat:/etc/passwd|/etc/hosts", "-i udp://x:1")
    for i in range(total):
        lines.append(f'#EXTINF:-1 tvg-id="c{i}" group-title="Group {i % 5}",Channel {i}')
        if i in bad:
            lines.append(bad_urls[len(bad_lines) % len(bad_urls)])
            bad_lines.append(len(lines))
        else:
            lines.append(f"udp://239.1.{i // 250}.{i % 250 + 1}:1234?pkt_size=1316")
    return Playlist("\n".join(lines) + "\n", bad_lines, total - len(bad))
