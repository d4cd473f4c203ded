"""The stderr ring: the last 200 lines, redacted, split correctly across chunks."""

from __future__ import annotations

from streamfleet.engine.log_ring import LogRing


def test_only_the_last_200_lines_are_kept_oldest_first() -> None:
    ring = LogRing()
    ring.feed(b"".join(f"line {i}\n".encode() for i in range(250)))
    lines = ring.tail()
    assert len(lines) == 200
    assert lines[0] == "line 50"
    assert lines[-1] == "line 249"


def test_a_line_split_between_chunks_is_one_line() -> None:
    ring = LogRing()
    ring.feed(b"[error] Connection ref")
    ring.feed(b"used\nnext")
    assert ring.tail() == ["[error] Connection refused"]
    ring.flush()
    assert ring.tail() == ["[error] Connection refused", "next"]


def test_passphrases_and_url_passwords_are_redacted() -> None:
    ring = LogRing(secrets=("hunter2-hunter2",))
    ring.feed(b"from 'srt://0.0.0.0:1?passphrase=hunter2-hunter2'\n")
    ring.feed(b"rtmp://bob:pw@h/live failed\n")
    text = "\n".join(ring.tail())
    assert "hunter2" not in text
    assert "pw@" not in text


def test_since_gives_the_lines_of_one_attempt() -> None:
    ring = LogRing()
    ring.feed(b"old\n")
    mark = ring.total
    ring.append("--- start #1 ---")
    ring.feed(b"new\n")
    assert ring.since(mark) == ["--- start #1 ---", "new"]


def test_bytes_that_are_not_utf8_do_not_break_the_ring() -> None:
    ring = LogRing()
    ring.feed(b"caf\xe9\n")
    assert ring.tail() == ["caf\ufffd"]


MID_GOP_START = (
    b"[h264 @ 0x55db89730d80] [error] non-existing PPS 0 referenced\n"
    b"[h264 @ 0x55db89730d80] [error] non-existing PPS 0 referenced\n"
    b"[h264 @ 0x55db89730d80] [error] no frame!\n"
    b"[h264 @ 0x55db89730d80] [error] concealing 12 DC, 12 AC, 12 MV errors in P frame\n"
    b"[mpegts @ 0x55db8971a2c0] [warning] Packet corrupt (stream = 0, dts = 1260000).\n"
)


def test_join_noise_is_hidden_until_the_child_produces_and_counted_once() -> None:
    """A child joining mid-GOP: its probe's complaints stay out, real errors stay in."""
    ring = LogRing()
    ring.append("--- start #0 ---")
    mark = ring.total
    ring.join()
    ring.feed(MID_GOP_START)
    assert ring.since(mark) == [
        "[h264 @ 0x55db89730d80] [error] concealing 12 DC, 12 AC, 12 MV errors in P frame",
        "[mpegts @ 0x55db8971a2c0] [warning] Packet corrupt (stream = 0, dts = 1260000).",
    ]
    ring.joined()
    assert ring.tail()[-1].startswith("--- 3 decoder messages before the first keyframe hidden")
    ring.feed(b"[h264 @ 0x55db89730d80] [error] no frame!\n")
    assert ring.tail()[-1] == "[h264 @ 0x55db89730d80] [error] no frame!"


def test_without_join_every_line_is_kept() -> None:
    ring = LogRing()
    ring.feed(MID_GOP_START)
    assert len(ring.tail()) == 5
    ring.joined()
    assert len(ring.tail()) == 5
