"""The argument lists ``python -m bench.pss_levers`` compares."""

from __future__ import annotations

from pathlib import Path

from bench.pss_levers import LEVERS, lever_args, without_options

from streamfleet.config import Settings


def option(argv: list[str], name: str) -> str | None:
    return argv[argv.index(name) + 1] if name in argv else None


def by_name(start: str) -> list[str]:
    (lever,) = [lever for lever in LEVERS if lever.name.startswith(start)]
    return lever_args(lever, Settings().resolved_ffmpeg_path(), 5000, Path("/out"))


def test_streamfleets_two_udp_buffers_differ_only_in_the_buffer_options() -> None:
    fifo = by_name("streamfleet, udp_input_buffer=fifo")
    kernel = by_name("streamfleet, udp_input_buffer=kernel")
    assert (option(fifo, "-fifo_size"), option(fifo, "-buffer_size")) == ("4096", None)
    assert (option(kernel, "-fifo_size"), option(kernel, "-buffer_size")) == ("0", "2097152")
    buffers = ("-fifo_size", "-buffer_size")
    assert without_options(fifo, buffers) == without_options(kernel, buffers)


def test_a_lever_row_sets_its_own_option_on_ffmpegs_defaults() -> None:
    argv = by_name("fifo_size 0 + buffer_size")
    assert option(argv, "-fifo_size") == "0"
    assert option(argv, "-probesize") is None  # streamfleet's lean probe taken out
    assert argv.index("-buffer_size") < argv.index("-i")


def test_the_probe_decoder_rows_differ_from_their_base_only_by_the_decoder_list() -> None:
    kernel = by_name("streamfleet, udp_input_buffer=kernel")
    any_decoder = by_name("streamfleet, kernel buffer, probe may open any decoder")
    assert "aac" in (option(kernel, "-codec_whitelist") or "").split(",")
    assert without_options(kernel, ("-codec_whitelist",)) == any_decoder
    audio_only = by_name("probe may open only audio decoders")
    assert option(audio_only, "-codec_whitelist") == option(kernel, "-codec_whitelist")
    assert option(audio_only, "-probesize") is None
    assert option(by_name("fifo_size 0 + buffer_size"), "-codec_whitelist") is None
