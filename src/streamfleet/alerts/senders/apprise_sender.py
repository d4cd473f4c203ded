"""Any apprise URL (Slack, Teams, Telegram, Discord, ntfy, mailto://, PagerDuty, …).

Apprise is blocking, so each notify runs on this sender's own small thread
pool, never on the event loop and never on the loop's default executor.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Final

from streamfleet.alerts.senders.delivery import Delivery, SendResult

THREADS: Final = 4
MAX_ERROR_LENGTH: Final = 500


def apprise_url_problem(url: str) -> str | None:
    """Why apprise cannot use ``url``, or ``None`` when it can."""
    import apprise  # imported on first use: it costs serve ~3 MiB while no target uses it

    if apprise.Apprise.instantiate(url) is None:
        return "is not a URL apprise understands (see https://github.com/caronc/apprise/wiki)"
    return None


def private_url(url: str) -> str:
    """``url`` with its tokens and passwords masked (apprise's privacy form)."""
    import apprise

    plugin = apprise.Apprise.instantiate(url)
    return "<invalid apprise url>" if plugin is None else str(plugin.url(privacy=True))  # type: ignore[no-untyped-call]


class AppriseSender:
    def __init__(self, threads: int = THREADS) -> None:
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="apprise")

    async def send(self, delivery: Delivery, timeout_s: float) -> SendResult:
        loop = asyncio.get_running_loop()
        job = loop.run_in_executor(self._pool, _notify, delivery.url, delivery.title, delivery.text)
        try:
            return await asyncio.wait_for(job, timeout_s)
        except TimeoutError:
            return SendResult(False, f"no answer within {timeout_s:g} s")

    async def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


def _notify(url: str, title: str, text: str) -> SendResult:
    import apprise

    notifier = apprise.Apprise()
    if not notifier.add(url):
        return SendResult(False, "apprise does not understand this URL")
    with apprise.LogCapture(level=logging.WARNING) as captured:  # type: ignore[no-untyped-call]
        ok = bool(notifier.notify(title=title, body=text or title))
    if ok:
        return SendResult(True)
    lines = [line.strip() for line in captured.getvalue().splitlines() if line.strip()]
    error = lines[-1].split(" - ", 2)[-1] if lines else "apprise reported a failure"
    return SendResult(False, error[:MAX_ERROR_LENGTH])
