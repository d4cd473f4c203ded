"""Logging: one JSON object per line on stderr, for our events and for every library's.

``configure_logging`` is called once by the CLI. Our code logs with
``structlog.get_logger().info("channel.offline", channel=slug, reason=…)``;
stdlib loggers (uvicorn, alembic, asyncmy …) are rendered the same way. As a
last line of defence every string value is searched for URLs with user info
or secret query values, and for ``access_token=`` anywhere (uvicorn logs the
WebSocket handshake's path with its query), which are redacted before the line
is written.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import MutableMapping
from typing import Any, Final, TextIO

import structlog
from structlog.typing import EventDict, Processor, WrappedLogger

from streamfleet.domain.url_policy import redact

_URL_RE: Final = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^\s\"'<>]+")
_SECRET_HINT_RE: Final = re.compile(
    r"(?i)@|passphrase=|password=|pass=|pwd=|token=|key=|secret=|auth="
)
_QUERY_TOKEN_RE: Final = re.compile(r"(?i)(access_token=)[^&\s\"']+")
"""The WebSocket's ``?access_token=``: uvicorn logs each handshake's path with its query."""
QUIET_LOGGERS: Final = {
    "uvicorn.access": logging.WARNING,
    "asyncio": logging.WARNING,
    "alembic.runtime.migration": logging.WARNING,
}


def redact_text(text: str) -> str:
    """``text`` with every URL that carries a secret passed through ``redact()``."""

    def _one(match: re.Match[str]) -> str:
        url = match.group(0)
        return redact(url) if _SECRET_HINT_RE.search(url) else url

    return _URL_RE.sub(_one, text)


def redact_secrets(_logger: WrappedLogger, _name: str, event_dict: EventDict) -> EventDict:
    """structlog processor: redact URL secrets in every string value of the event."""
    for key, value in event_dict.items():
        if isinstance(value, str):
            if "://" in value:
                value = event_dict[key] = redact_text(value)
            if "access_token=" in value.lower():
                event_dict[key] = _QUERY_TOKEN_RE.sub(r"\1***", value)
    return event_dict


SERVER_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access")


def configure_logging(level: str = "info", fmt: str = "json", stream: TextIO | None = None) -> None:
    """Route structlog and stdlib logging to ``stream`` (stderr) as one line per event."""
    out = stream or sys.stderr
    shared: list[Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.format_exc_info,
        redact_secrets,
    ]
    renderer: Processor = (
        structlog.processors.JSONRenderer()
        if fmt == "json"
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    handler = logging.StreamHandler(out)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=[_stdlib_event, *shared],
            processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
        )
    )
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    for name in SERVER_LOGGERS:
        # A server started with uvicorn's own log config gives these loggers private handlers
        # and levels and stops them propagating; every line must come through our one
        # handler at our level instead.
        server_logger = logging.getLogger(name)
        for old in list(server_logger.handlers):
            server_logger.removeHandler(old)
        server_logger.propagate = True
        server_logger.disabled = False
        server_logger.setLevel(logging.NOTSET)
    for name, quiet_level in QUIET_LOGGERS.items():
        logging.getLogger(name).setLevel(max(quiet_level, root.level))
    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *shared,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=False,
    )


def _stdlib_event(
    _logger: WrappedLogger, _name: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """Name stdlib records like ours: the message becomes ``event``."""
    record = event_dict.get("_record")
    if isinstance(record, logging.LogRecord) and record.exc_info and "exc_info" not in event_dict:
        event_dict["exc_info"] = record.exc_info
    return event_dict
