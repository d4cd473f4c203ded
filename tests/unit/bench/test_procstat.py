"""How the benchmark reads CPU and memory of a process tree from /proc texts."""

from bench.procstat import (
    ProcStat,
    parse_pss_kib,
    parse_stat,
    tree_of,
    window_ticks,
    window_ticks_by_name,
)

# A real /proc/<pid>/stat line with a command name holding spaces and parentheses.
STAT_LINE = (
    "4242 (ffmpeg (copy) x) S 4200 4242 4242 0 -1 4194560 1234 0 0 0 "
    "150 30 7 3 20 0 1 0 987654 123456789 4567 18446744073709551615 "
    "1 1 0 0 0 0 0 4096 0 0 0 0 17 1 0 0 0 0 0"
)


def proc(pid: int, ppid: int, ticks: int, start: int = 100, name: str = "ffmpeg") -> ProcStat:
    return ProcStat(pid=pid, ppid=ppid, name=name, state="S", ticks=ticks, starttime=start)


def sample(*stats: ProcStat) -> dict[tuple[int, int], ProcStat]:
    return {s.key: s for s in stats}


def test_a_stat_line_gives_pid_parent_state_start_and_all_cpu_ticks() -> None:
    stat = parse_stat(STAT_LINE)
    assert (stat.pid, stat.ppid, stat.state, stat.starttime) == (4242, 4200, "S", 987654)
    assert stat.name == "ffmpeg (copy) x"
    assert stat.ticks == 150 + 30 + 7 + 3


def test_the_tree_holds_the_roots_and_every_descendant_but_nothing_else() -> None:
    stats = {
        s.pid: s
        for s in (
            proc(1, 0, 0),
            proc(10, 1, 0),
            proc(11, 10, 0),
            proc(12, 11, 0),
            proc(20, 1, 0),
        )
    }
    assert set(tree_of([10], stats)) == {10, 11, 12}
    assert set(tree_of([10, 99], stats)) == {10, 11, 12}


def test_cpu_of_processes_alive_through_the_window_is_their_tick_difference() -> None:
    first = sample(proc(10, 1, 100), proc(11, 10, 50))
    last = sample(proc(10, 1, 130), proc(11, 10, 70))
    assert window_ticks([first, last]) == 30 + 20


def test_a_child_born_inside_the_window_counts_from_zero() -> None:
    first = sample(proc(10, 1, 100))
    last = sample(proc(10, 1, 110), proc(11, 10, 25, start=500))
    assert window_ticks([first, last]) == 10 + 25


def test_a_child_reaped_inside_the_window_counts_once_through_its_parent() -> None:
    """The parent's cutime takes the child's whole life (60), of which 20 were before."""
    first = sample(proc(10, 1, 100), proc(11, 10, 20, start=200))
    middle = sample(proc(10, 1, 105), proc(11, 10, 55, start=200))
    last = sample(proc(10, 1, 110 + 60))
    assert window_ticks([first, middle, last]) == 10 + (60 - 20)


def test_a_short_lived_child_never_sampled_counts_through_its_parent() -> None:
    first = sample(proc(10, 1, 100))
    last = sample(proc(10, 1, 100 + 5 + 40))
    assert window_ticks([first, last]) == 45


def test_a_root_that_ended_keeps_the_ticks_seen_until_its_last_sample() -> None:
    first = sample(proc(10, 1, 100), proc(20, 1, 100))
    middle = sample(proc(10, 1, 130), proc(20, 1, 110))
    last = sample(proc(20, 1, 120))
    assert window_ticks([first, middle, last]) == 30 + 20


def test_no_samples_mean_no_cpu() -> None:
    assert window_ticks([]) == 0


def test_pss_is_read_in_kib_from_smaps_rollup() -> None:
    text = "55d0-7ffd ---p 00000000 00:00 0  [rollup]\nRss:  46592 kB\nPss:  21190 kB\n"
    assert parse_pss_kib(text) == 21190
    assert parse_pss_kib("Rss: 1 kB\n") == 0


def test_cpu_is_split_by_command_name_to_show_where_it_went() -> None:
    first = sample(proc(10, 1, 100, name="streamfleet"), proc(11, 10, 50), proc(12, 10, 10))
    last = sample(proc(10, 1, 130, name="streamfleet"), proc(11, 10, 70), proc(12, 10, 15))
    assert window_ticks_by_name([first, last]) == {"streamfleet": 30, "ffmpeg": 25}
