"""Our signed JSON webhook (docs/webhooks.md): one POST per attempt, signed anew each time."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any, Final

import httpx

from streamfleet import __version__
from streamfleet.alerts.senders.delivery import Delivery, SendResult
from streamfleet.alerts.signature import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign
from streamfleet.domain.times import iso_utc

MAX_ERROR_BODY: Final = 200
"""Characters of a failing answer's body kept in the error."""


def webhook_body(delivery: Delivery) -> bytes:
    """The JSON body: the same bytes on every attempt of one notification."""
    document: dict[str, Any] = {
        "id": delivery.notification_id,
        "event": delivery.event,
        "created_at": iso_utc(delivery.created_at),
        "title": delivery.payload.get("title", ""),
        "text": delivery.payload.get("text", ""),
        "alerts": delivery.payload.get("alerts", []),
    }
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode()


class WebhookSender:
    def __init__(
        self,
        client: httpx.AsyncClient | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._client = client or httpx.AsyncClient(follow_redirects=False)
        self._own_client = client is None
        self._clock = clock

    async def send(self, delivery: Delivery, timeout_s: float) -> SendResult:
        body = webhook_body(delivery)
        timestamp = int(self._clock())
        headers = {
            "Content-Type": "application/json",
            "User-Agent": f"streamfleet/{__version__}",
            "X-Streamfleet-Event": delivery.event,
            "X-Streamfleet-Delivery": str(delivery.notification_id),
            "X-Streamfleet-Attempt": str(delivery.attempt),
            TIMESTAMP_HEADER: str(timestamp),
            SIGNATURE_HEADER: sign(delivery.secret or "", timestamp, body),
        }
        try:
            response = await self._client.post(
                delivery.url, content=body, headers=headers, timeout=timeout_s
            )
        except httpx.TimeoutException:
            return SendResult(False, f"no answer within {timeout_s:g} s")
        except httpx.HTTPError as exc:
            return SendResult(
                False, f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
            )
        if response.is_success:
            return SendResult(True, None, response.status_code)
        detail = response.text[:MAX_ERROR_BODY].strip()
        error = f"HTTP {response.status_code}" + (f": {detail}" if detail else "")
        return SendResult(False, error, response.status_code)

    async def close(self) -> None:
        if self._own_client:
            await self._client.aclose()
