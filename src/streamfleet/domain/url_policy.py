"""Which source URLs a channel may have, and how a URL is shown without its secrets.

A channel's URL comes from outside (API, CLI, import files) and is handed to
FFmpeg after ``-i``. It must never name the local filesystem or smuggle an
FFmpeg option or a nested protocol (``concat:``, ``subfile:``, ``crypto:`` …),
so only network schemes pass, and every URL needs a host.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Final
from urllib.parse import SplitResult, urlsplit, urlunsplit

from streamfleet.domain.errors import InvalidInput

ALLOWED_SCHEMES: Final[tuple[str, ...]] = (
    "rtmp",
    "rtmps",
    "rtsp",
    "rtsps",
    "srt",
    "udp",
    "rtp",
    "rist",
    "http",
    "https",
)
MAX_URL_LENGTH: Final = 2048

_SCHEME_RE = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")
_BAD_CHARS_RE = re.compile(r"[\s\x00-\x1f\x7f]")
_HOST_RE = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9-]{0,62})(\.[A-Za-z0-9]([A-Za-z0-9-]{0,62}))*\.?$")
_ALLOWED_TEXT = ", ".join(ALLOWED_SCHEMES)


def check_input_url(url: object, field: str = "input_url") -> str:
    """Return ``url`` unchanged when it is an allowed source URL, else raise ``InvalidInput``.

    The message names the rule that failed; for a refused scheme it lists the
    allowed ones.
    """
    problem = url_problem(url)
    if problem is not None:
        raise InvalidInput.of(field, problem)
    assert isinstance(url, str)
    return url


def url_problem(url: object) -> str | None:
    """The first rule ``url`` breaks, as a sentence, or ``None`` when it is acceptable."""
    if not isinstance(url, str):
        return "must be a string"
    if not url:
        return "must not be empty"
    if len(url) > MAX_URL_LENGTH:
        return f"must be at most {MAX_URL_LENGTH} characters"
    if url.startswith("-"):
        return "must not start with '-'"
    if _BAD_CHARS_RE.search(url):
        return "must not contain whitespace or control characters"
    match = _SCHEME_RE.match(url)
    if match is None:
        return f"must start with one of the schemes {_ALLOWED_TEXT}"
    scheme = match.group(1).lower()
    if scheme not in ALLOWED_SCHEMES:
        return f"scheme '{scheme}' is not allowed; use one of {_ALLOWED_TEXT}"
    if not url[match.end() :].startswith("//"):
        return "must have the form scheme://host…"
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        return f"is not a valid URL ({exc})"
    host = parts.hostname or ""
    if not host:
        return "must name a host"
    if not _valid_host(host):
        return f"host '{host}' is not a valid host name or address"
    if port is not None and port == 0 and scheme not in ("udp", "rtp"):
        return "port must be between 1 and 65535"
    return None


def is_allowed_input_url(url: object) -> bool:
    return url_problem(url) is None


def _valid_host(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return bool(_HOST_RE.match(host))
    return True


def scheme_of(url: str) -> str:
    """The lower-case scheme of an already accepted URL."""
    return url.split(":", 1)[0].lower()


_QUERY_SECRET_RE = re.compile(r"(?i)((?:passphrase|password|pass|pwd|token|key|secret|auth)=)[^&]*")


def unmasked(sent: str, stored: str | None) -> str:
    """The URL to store when a client sends ``sent`` in place of ``stored``.

    Answers show URLs through ``redact``; a client that sends such a URL back
    unchanged (an editor saving other fields) means "keep the secret", so
    ``redact(stored)`` stands for ``stored``. Anything else is the new URL.
    """
    if stored is not None and sent != stored and sent == redact(stored):
        return stored
    return sent


def redact(url: str) -> str:
    """``url`` with its user info and secret query values replaced by ``***``.

    Use it before a URL reaches a log, an event or an API body that is not
    meant to show secrets.
    """
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<invalid url>"
    netloc = parts.netloc
    if "@" in netloc:
        netloc = "***@" + netloc.rsplit("@", 1)[1]
    query = _QUERY_SECRET_RE.sub(r"\1***", parts.query)
    if netloc == parts.netloc and query == parts.query:
        return url  # nothing to hide: keep it exactly (urlunsplit would fold "////" paths)
    return urlunsplit(SplitResult(parts.scheme, netloc, parts.path, query, parts.fragment))
