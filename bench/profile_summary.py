"""Where a py-spy profile of ``streamfleet serve`` spent its samples, as a short table.

py-spy's ``raw`` output has one collapsed stack per line: ``frame;frame;…;leaf N``
with frames like ``handle (streamfleet/api/live_hub.py:120)``. Pure: text in,
top functions out (line numbers dropped so a function counts once).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

_LINE_NUMBER = re.compile(r":\d+\)$")
_SITE_PACKAGES = re.compile(r"\(.*?site-packages/")


@dataclass(frozen=True, slots=True)
class ProfileSummary:
    samples: int
    self_top: list[tuple[str, float]]
    """Functions by the share of samples they were running in themselves."""
    inclusive_top: list[tuple[str, float]]
    """streamfleet's own functions by the share of samples they were anywhere on the stack
    (the entry point left out: it is on every stack)."""


def _function(frame: str) -> str:
    frame = _LINE_NUMBER.sub(")", frame.strip())
    return _SITE_PACKAGES.sub("(", frame)


def _ours(function: str) -> bool:
    return "(streamfleet/" in function and "(streamfleet/cli.py)" not in function


def summarize_collapsed(text: str, top: int = 12) -> ProfileSummary:
    own: Counter[str] = Counter()
    anywhere: Counter[str] = Counter()
    total = 0
    for line in text.splitlines():
        stack, _, count_text = line.rstrip().rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = [_function(f) for f in stack.split(";") if f.strip()]
        if not frames:
            continue
        total += count
        own[frames[-1]] += count
        for function in set(frames):
            if _ours(function):
                anywhere[function] += count
    if total == 0:
        return ProfileSummary(0, [], [])

    def shares(counter: Counter[str]) -> list[tuple[str, float]]:
        ranked = sorted(counter.items(), key=lambda item: (-item[1], item[0]))[:top]
        return [(name, round(n / total, 4)) for name, n in ranked]

    return ProfileSummary(total, shares(own), shares(anywhere))
