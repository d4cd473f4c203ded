"""The account operations the API and the CLI share: users, logins, sessions and tokens.

Password hashing runs in a thread (it takes tens of milliseconds on purpose).
Login failures are throttled (``accounts/throttle.py``) and every refusal is
logged with the username and client address, never the password. Credential
checks read the database every time; only the "last used" writes are spaced
(at most one per credential per ``TOUCH_INTERVAL_S``).
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

import structlog

from streamfleet.accounts import credentials, passwords
from streamfleet.accounts.principal import Principal
from streamfleet.accounts.throttle import LoginThrottle
from streamfleet.config import Settings
from streamfleet.db.base import utc_now
from streamfleet.db.repositories.credentials import CredentialRepository, NewToken, TokenRecord
from streamfleet.db.repositories.users import UserChange, UserRecord, UserRepository
from streamfleet.db.session import Database
from streamfleet.domain.errors import (
    InvalidInput,
    NotFound,
    PermissionDenied,
    TooManyAttempts,
    Unauthenticated,
)
from streamfleet.domain.roles import Role, lower_of
from streamfleet.shared_reads import SharedReads

log = structlog.get_logger()

USERNAME_RE: Final = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")
TOUCH_INTERVAL_S: Final = 60.0
"""``last_used_at``/``last_seen_at`` are written at most this often per credential."""
MAX_TOUCH_ENTRIES: Final = 50_000
BAD_CREDENTIALS: Final = "wrong username or password"


def check_username(username: str) -> str:
    if not USERNAME_RE.match(username):
        raise InvalidInput.of(
            "username",
            "must be 1 to 64 letters, digits or . _ @ - (starting with a letter or digit)",
        )
    return username


@dataclass(frozen=True, slots=True)
class OpenedSession:
    secret: str
    csrf_token: str
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class Revocation:
    """What a change in this process ended: a user's every credential, one session, one token."""

    user_id: int | None = None
    session_id: int | None = None
    token_id: int | None = None

    def covers(self, principal: Principal) -> bool:
        """Whether ``principal`` may have lost its rights to this change (check it again)."""
        return (
            (self.user_id is not None and self.user_id == principal.user_id)
            or (self.session_id is not None and self.session_id == principal.session_id)
            or (self.token_id is not None and self.token_id == principal.token_id)
        )


RevocationListener = Callable[[Revocation], None]


@dataclass(frozen=True, slots=True)
class IssuedToken:
    record: TokenRecord
    secret: str


class AccountService:
    def __init__(
        self,
        database: Database,
        settings: Settings,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.users = UserRepository(database.sessions)
        self.credentials = CredentialRepository(database.sessions)
        self.throttle = LoginThrottle()
        self._settings = settings
        self._clock = clock
        self._touched: dict[tuple[str, int], float] = {}
        self.lookups = SharedReads[Principal | None]()
        self._revocations = 0
        """Counts this process's revocations: a lookup never joins one that began before."""
        self._listeners: list[RevocationListener] = []

    def on_revocation(self, listener: RevocationListener) -> Callable[[], None]:
        """Call ``listener`` after every revocation in this process (the open live connections
        check their credential again); returns the function that stops the calls."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def _revoked(self, revocation: Revocation) -> None:
        self._revocations += 1
        for listener in list(self._listeners):
            listener(revocation)

    # Users -------------------------------------------------------------------------------

    async def create_user(self, username: str, password: str, role: Role) -> UserRecord:
        check_username(username)
        passwords.check_password(password)
        password_hash = await asyncio.to_thread(passwords.hash_password, password)
        user = await self.users.create(username, password_hash, role)
        log.info("user.created", user=username, role=role.value)
        return user

    async def update_user(
        self,
        user_id: int,
        *,
        role: Role | None = None,
        disabled: bool | None = None,
        password: str | None = None,
    ) -> UserRecord:
        """Change a user; demoting or disabling revokes their sessions and tokens at once."""
        password_hash = None
        if password is not None:
            passwords.check_password(password)
            password_hash = await asyncio.to_thread(passwords.hash_password, password)
        user = await self.users.update(user_id, UserChange(role, disabled, password_hash))
        self._revoked(Revocation(user_id=user_id))
        log.info("user.updated", user=user.username, role=user.role.value, disabled=user.disabled)
        return user

    # Logins ------------------------------------------------------------------------------

    async def check_login(self, username: str, password: str, address: str) -> UserRecord:
        """The user these credentials name; ``Unauthenticated`` or ``TooManyAttempts`` if not."""
        wait_s = self.throttle.retry_after_s(username, address, self._clock())
        if wait_s:
            log.warning("auth.login_refused", user=username, address=address, reason="throttled")
            raise TooManyAttempts(f"too many failed logins; try again in {wait_s} s", wait_s)
        found = await self.users.credentials(username) if len(username) <= 64 else None
        stored_hash = found[1] if found is not None else None
        ok = await asyncio.to_thread(passwords.verify_password, stored_hash, password)
        if found is None or not ok or found[0].disabled:
            self.throttle.failed(username, address, self._clock())
            reason = "disabled" if ok and found is not None else "bad credentials"
            log.warning("auth.login_refused", user=username, address=address, reason=reason)
            raise Unauthenticated(BAD_CREDENTIALS)
        user, stored = found
        self.throttle.succeeded(username)
        if passwords.needs_rehash(stored):
            await self.users.set_password_hash(
                user.id, await asyncio.to_thread(passwords.hash_password, password)
            )
        log.info("auth.login", user=username, address=address)
        return user

    async def open_session(self, user: UserRecord, address: str) -> OpenedSession:
        now = utc_now()
        await self.credentials.prune(now, self._settings.session_idle_timeout_s)
        minted = credentials.mint_session()
        expires_at = now + timedelta(seconds=self._settings.session_max_age_s)
        await self.credentials.create_session(user.id, minted.secret_hash, now, expires_at, address)
        return OpenedSession(minted.secret, credentials.csrf_token(minted.secret), expires_at)

    async def close_session(self, session_id: int) -> None:
        await self.credentials.delete_session(session_id)
        self._revoked(Revocation(session_id=session_id))

    # Tokens ------------------------------------------------------------------------------

    async def issue_token(
        self,
        user: UserRecord,
        *,
        name: str,
        role: Role,
        expires_at: datetime | None,
        kind: str = "personal",
    ) -> IssuedToken:
        """A new token of ``user``, at most the user's role; its secret is in the answer only."""
        if role > user.role:
            raise PermissionDenied(
                f"a token's role cannot be above its owner's ({user.role.value})", field="role"
            )
        minted = credentials.mint_token()
        new = NewToken(user.id, name, kind, role, minted.secret_hash, minted.hint, expires_at)
        record = await self.credentials.create_token(new, utc_now())
        log.info("token.created", user=user.username, token=record.id, kind=kind, role=role.value)
        return IssuedToken(record, minted.secret)

    async def login_token(self, user: UserRecord) -> IssuedToken:
        now = utc_now()
        await self.credentials.prune(now, self._settings.session_idle_timeout_s)
        expires_at = now + timedelta(seconds=self._settings.login_token_ttl_s)
        return await self.issue_token(
            user, name="login", role=user.role, expires_at=expires_at, kind="login"
        )

    async def create_token(
        self, principal: Principal, *, name: str, role: Role, expires_at: datetime | None
    ) -> IssuedToken:
        """A personal token of the caller, never with a role above the caller's own."""
        if role > principal.role:
            raise PermissionDenied(
                f"a token's role cannot be above your own ({principal.role.value})", field="role"
            )
        if expires_at is not None and expires_at <= utc_now():
            raise InvalidInput.of("expires_at", "must be in the future")
        user = await self.users.get(principal.user_id)
        return await self.issue_token(user, name=name, role=role, expires_at=expires_at)

    async def list_tokens(self, principal: Principal) -> list[TokenRecord]:
        """The caller's live tokens; an admin sees everyone's."""
        owner = None if principal.role is Role.ADMIN else principal.user_id
        return await self.credentials.list_tokens(utc_now(), owner)

    async def revoke_token(self, principal: Principal, token_id: int) -> None:
        """Revoke one of the caller's tokens (an admin: anyone's); others' are ``NotFound``."""
        token = await self.credentials.get_token(token_id)
        if token.user_id != principal.user_id and principal.role is not Role.ADMIN:
            raise NotFound(f"token {token_id} does not exist")
        await self.credentials.revoke_token(token_id, utc_now())
        self._revoked(Revocation(token_id=token_id))
        log.info("token.revoked", token=token_id, by=principal.username)

    # Per-request checks ------------------------------------------------------------------

    async def token_principal(self, secret: str) -> Principal | None:
        """The token's owner, or ``None``: asked of the database at every request, but
        requests with the same token that arrive together share one question
        (fifty dashboards polling with one token cost one query, not fifty); a request
        that arrives after a revocation in this process never shares one asked before it."""
        if not credentials.looks_like_token(secret):
            return None
        digest = credentials.secret_hash(secret)
        return await self.lookups.run(
            ("token", digest, self._revocations), lambda: self._token_principal(digest)
        )

    async def _token_principal(self, digest: str) -> Principal | None:
        now = utc_now()
        found = await self.credentials.token_owner(digest, now)
        if found is None:
            return None
        token, user = found
        if self._due(("token", token.id)):
            await self.credentials.touch_token(token.id, now)
        return Principal(
            user_id=user.id,
            username=user.username,
            role=lower_of(token.role, user.role),
            via="token",
            token_id=token.id,
        )

    async def session_principal(self, secret: str) -> Principal | None:
        """The session's user, or ``None``; shared like ``token_principal``."""
        if not secret or len(secret) > credentials.MAX_SECRET_LENGTH:
            return None
        digest = credentials.secret_hash(secret)
        return await self.lookups.run(
            ("session", digest, self._revocations), lambda: self._session_principal(digest)
        )

    async def _session_principal(self, digest: str) -> Principal | None:
        now = utc_now()
        idle_s = self._settings.session_idle_timeout_s
        found = await self.credentials.session_owner(digest, now, idle_s)
        if found is None:
            return None
        session_id, _last_seen, user = found
        if self._due(("session", session_id)):
            await self.credentials.touch_session(session_id, now)
        return Principal(
            user_id=user.id,
            username=user.username,
            role=user.role,
            via="session",
            session_id=session_id,
        )

    def _due(self, key: tuple[str, int]) -> bool:
        """Whether the credential's use should be written now (then remembers that it was)."""
        now = self._clock()
        last = self._touched.get(key)
        if last is not None and now - last < TOUCH_INTERVAL_S:
            return False
        if len(self._touched) >= MAX_TOUCH_ENTRIES:
            self._touched.clear()
        self._touched[key] = now
        return True
