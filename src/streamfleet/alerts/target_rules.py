"""What a notification target may look like, and how it is shown without its secrets."""

from __future__ import annotations

import secrets
from typing import Final
from urllib.parse import urlsplit

from streamfleet.alerts.kinds import TargetKind
from streamfleet.alerts.senders.apprise_sender import apprise_url_problem, private_url
from streamfleet.domain.errors import InvalidInput
from streamfleet.domain.url_policy import redact

MAX_URL_LENGTH: Final = 2048
SECRET_BYTES: Final = 32
MIN_SECRET_LENGTH: Final = 16
MAX_SECRET_LENGTH: Final = 200


def check_target_url(kind: TargetKind, url: str) -> str:
    """``url`` when a target of ``kind`` can use it, else ``InvalidInput`` on ``url``."""
    if not url or len(url) > MAX_URL_LENGTH:
        raise InvalidInput.of("url", f"must be 1 to {MAX_URL_LENGTH} characters")
    if kind is TargetKind.WEBHOOK:
        try:
            parts = urlsplit(url)
        except ValueError as exc:
            raise InvalidInput.of("url", f"is not a valid URL ({exc})") from None
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise InvalidInput.of("url", "a webhook needs an http:// or https:// URL with a host")
        return url
    problem = apprise_url_problem(url)
    if problem is not None:
        raise InvalidInput.of("url", problem)
    return url


def check_secret(kind: TargetKind, secret: str | None) -> str | None:
    if secret is None:
        return None
    if kind is not TargetKind.WEBHOOK:
        raise InvalidInput.of("secret", "only webhook targets have a signing secret")
    if not MIN_SECRET_LENGTH <= len(secret) <= MAX_SECRET_LENGTH:
        raise InvalidInput.of(
            "secret", f"must be {MIN_SECRET_LENGTH} to {MAX_SECRET_LENGTH} characters"
        )
    return secret


def new_secret() -> str:
    return secrets.token_urlsafe(SECRET_BYTES)


def shown_url(kind: TargetKind, url: str) -> str:
    """The URL as answers show it: credentials and tokens masked."""
    return redact(url) if kind is TargetKind.WEBHOOK else private_url(url)


def secret_hint(secret: str | None) -> str | None:
    return None if not secret else "…" + secret[-4:]
