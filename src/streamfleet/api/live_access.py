"""Open live connections end when the credential that opened them stops being valid.

A WebSocket or SSE stream is authenticated once, at its handshake, and may stay open
for days; every HTTP request is checked anew. So each live connection has a
``CredentialGuard`` that checks its credential again with ``authenticate`` on the
connection's own scope (the same bearer header, session cookie or query token):

* at once when ``AccountService`` announces a ``Revocation`` naming the connection's
  user, session or token (logout, a revoked token, a user disabled, demoted or given a
  new password): ``LiveAccess.revoked`` wakes the guards it covers;
* every ``RECHECK_INTERVAL_S`` otherwise: expiry, the idle timeout, and revocations made
  by another process (the CLI, another API node). The check is one indexed query, shared
  by the connections presenting the same credential at the same moment (``SharedReads``);
  every guard checks on the same beat (whole multiples of the interval on the loop's
  clock), so 200 dashboards open with one token cost one query per interval, not 40 a
  second.

A credential no longer valid ends the connection: WebSocket close code
``CLOSE_CREDENTIAL_ENDED`` (4401, "log in again"), or on SSE a last ``closed`` frame. A
credential that now carries another role ends it with ``CLOSE_ROLE_CHANGED`` (4403,
"reconnect"): the client comes back with what its role lets it see now.

On a fleet the API nodes are separate processes, each with its own ``LiveAccess``; a
revocation on one node reaches the others' connections through the periodic check.
Publishing each ``Revocation`` on a Redis channel that every node feeds to its
``LiveAccess.revoked`` would make that immediate too (nothing else changes).
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from typing import Final

import structlog
from starlette.requests import HTTPConnection

from streamfleet.accounts.principal import Principal
from streamfleet.accounts.service import AccountService, Revocation
from streamfleet.api.access_control import authenticate
from streamfleet.db.errors import DatabaseUnavailable
from streamfleet.domain.errors import PermissionDenied, Unauthenticated

log = structlog.get_logger()

RECHECK_INTERVAL_S: Final = 5.0
"""How often an open live connection's credential is checked without being told to."""
CLOSE_CREDENTIAL_ENDED: Final = 4401
"""WebSocket close code: the session or token is no longer valid (log in again)."""
CLOSE_ROLE_CHANGED: Final = 4403
"""WebSocket close code: the caller's role changed (reconnect to see what it allows now)."""


@dataclass(frozen=True, slots=True)
class Ending:
    """Why a live connection ends: its close code and a reason for the client."""

    code: int
    reason: str

    def as_json(self) -> dict[str, object]:
        return {"type": "closed", "code": self.code, "reason": self.reason}


class CredentialGuard:
    """Watches one live connection's credential; ``ended()`` returns when it lapses."""

    def __init__(
        self,
        registry: LiveAccess,
        connection: HTTPConnection,
        *,
        query_token: bool,
        interval_s: float = RECHECK_INTERVAL_S,
    ) -> None:
        self._registry = registry
        self._connection = connection
        self._query_token = query_token
        self._interval_s = interval_s
        self._wake = asyncio.Event()
        self.principal: Principal | None = getattr(connection.state, "principal", None)
        self.ending: Ending | None = None

    def wake(self) -> None:
        """Check the credential now (a revocation may have ended it)."""
        self._wake.set()

    async def ended(self) -> Ending:
        """Wait until the credential stops being valid or changes role; then why."""
        if self.principal is None:  # an app without accounts: nothing to watch
            await asyncio.Event().wait()
        self._registry.add(self)
        try:
            while True:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self._until_beat())
                self._wake.clear()
                ending = await self._check()
                if ending is not None:
                    self.ending = ending
                    return ending
        finally:
            self._registry.discard(self)

    def _until_beat(self) -> float:
        """Seconds to the next whole multiple of the interval on the loop's clock, the beat
        every guard of this process checks on (together, they share each credential's query)."""
        now = asyncio.get_running_loop().time()
        return self._interval_s - now % self._interval_s

    async def _check(self) -> Ending | None:
        assert self.principal is not None
        accounts: AccountService | None = getattr(self._connection.app.state, "accounts", None)
        if accounts is None:  # shutting down: the server closes the connection itself
            return None
        try:
            now = await authenticate(self._connection, accounts, query_token=self._query_token)
        except (Unauthenticated, PermissionDenied) as exc:
            log.info("live.credential_ended", user=self.principal.username, reason=str(exc))
            return Ending(CLOSE_CREDENTIAL_ENDED, str(exc)[:120])
        except DatabaseUnavailable:  # no answer is not a no: ask again at the next check
            return None
        if now.role is not self.principal.role:
            log.info("live.role_changed", user=now.username, role=now.role.value)
            return Ending(CLOSE_ROLE_CHANGED, f"your role is now {now.role.value}; reconnect")
        return None


class LiveAccess:
    """This process's open live connections, told about revocations (``app.state.live_access``)."""

    def __init__(self) -> None:
        self._guards: set[CredentialGuard] = set()

    def guard(self, connection: HTTPConnection, *, query_token: bool) -> CredentialGuard:
        """A guard for ``connection``; it is registered while its ``ended()`` runs."""
        return CredentialGuard(self, connection, query_token=query_token)

    def add(self, guard: CredentialGuard) -> None:
        self._guards.add(guard)

    def discard(self, guard: CredentialGuard) -> None:
        self._guards.discard(guard)

    @property
    def open_count(self) -> int:
        return len(self._guards)

    def revoked(self, revocation: Revocation) -> None:
        """Wake the guards whose credential ``revocation`` may have ended (``AccountService``)."""
        for guard in list(self._guards):
            if guard.principal is not None and revocation.covers(guard.principal):
                guard.wake()
