"""schemathesis over the whole OpenAPI document: no 5xx, and every answer is what it declares.

The app runs in-process without an engine, so no channel ever starts and no source
URL it invents is opened; notification targets it creates are pointed at a loopback
port nobody listens on before the request is sent (``_loopback_targets``). Requests
go through the ``api`` client (an admin's bearer token), driven from a worker thread
because hypothesis runs synchronous tests; the operations that could end that token
(``OWN_CREDENTIALS``) run last, each case as a fresh admin.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Final

import httpx
import hypothesis
import hypothesis.errors
import schemathesis
from hypothesis import HealthCheck, Phase
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from streamfleet.domain.roles import Role
from tests.support.server import ApiClient

CHECKS: Final = [
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
    content_type_conformance,
]
EXAMPLES_PER_MODE: Final = 16
"""Cases per operation and generation mode (positive, negative): ~30 per operation."""
CALL_TIMEOUT_S: Final = 30.0
ENGINE_UNAVAILABLE: Final = "no stream engine runs in this process"
SKIPPED: Final = {
    "events_stream": "an endless text/event-stream (test_live_event_stream.py covers it)",
}
"""Operations not run here, with the reason (every other operation of the document runs)."""
OWN_CREDENTIALS: Final = frozenset({"auth_logout", "tokens_revoke", "users_update"})
"""Operations that may end the caller's own credentials (log out, revoke token 1, disable
or demote user 1): each of their cases runs as a fresh admin of its own, after the rest."""
LOOPBACK_TARGET_URLS: Final = {
    "webhook": "http://127.0.0.1:9/streamfleet-hook",
    "apprise": "json://127.0.0.1:9/streamfleet-hook",
}
"""Where created notification targets point: the discard port, refused at once."""


@dataclass
class Run:
    cases: Counter[str] = field(default_factory=Counter)
    failures: dict[str, set[str]] = field(default_factory=dict)

    def report(self) -> str:
        lines = [f"{len(self.cases)} operations, {sum(self.cases.values())} cases"]
        for label, titles in sorted(self.failures.items()):
            lines.extend(f"{label}: {title}" for title in sorted(titles))
        return "\n".join(lines)


async def test_every_operation_answers_what_the_document_declares(api: ApiClient) -> None:
    document = (await api.get("/api/openapi.json")).json()
    schema = schemathesis.openapi.from_dict(document)
    loop = asyncio.get_running_loop()
    run = Run()
    operations = [result.ok() for result in schema.get_all_operations()]
    ids = {id(op): op.definition.raw.get("operationId") for op in operations}
    ordered = sorted(operations, key=lambda op: ids[id(op)] in OWN_CREDENTIALS)
    for operation in ordered:
        if ids[id(operation)] in SKIPPED:
            continue
        if ids[id(operation)] in OWN_CREDENTIALS:
            assert (await api.get("/api/v1/auth/me")).status_code == 200  # still the admin
        await asyncio.to_thread(
            _exercise, operation, api, loop, run, ids[id(operation)] in OWN_CREDENTIALS
        )
    assert not run.failures, run.report()
    assert len(run.cases) >= len(document["paths"]) - len(SKIPPED)
    print(run.report())  # the figures, with -s


def _exercise(
    operation: schemathesis.APIOperation,
    api: ApiClient,
    loop: asyncio.AbstractEventLoop,
    run: Run,
    fresh_admin: bool,
) -> None:
    for mode in (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE):
        _exercise_mode(operation, mode, api, loop, run, fresh_admin)


def _exercise_mode(
    operation: schemathesis.APIOperation,
    mode: schemathesis.GenerationMode,
    api: ApiClient,
    loop: asyncio.AbstractEventLoop,
    run: Run,
    fresh_admin: bool,
) -> None:
    label = operation.label

    @hypothesis.given(case=operation.as_strategy(generation_mode=mode))
    @hypothesis.settings(
        max_examples=EXAMPLES_PER_MODE,
        derandomize=True,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def one_case(case: schemathesis.Case) -> None:
        run.cases[label] += 1
        client = api
        if fresh_admin:
            client = asyncio.run_coroutine_threadsafe(api.as_role(Role.ADMIN), loop).result(
                CALL_TIMEOUT_S
            )
        kwargs = _request_kwargs(case, client)
        try:
            response = asyncio.run_coroutine_threadsafe(client.request(**kwargs), loop).result(
                CALL_TIMEOUT_S
            )
        except Exception as exc:  # the app raised through the transport, or hung
            failed = f"no answer: {type(exc).__name__}: {exc} to {kwargs['url']}"
            run.failures.setdefault(label, set()).add(failed[:300])
            return
        checks = CHECKS if not _no_engine(response) else CHECKS[1:]
        try:
            case.validate_response(response, checks=checks, headers=dict(client.headers))
        except FailureGroup as group:
            titles = run.failures.setdefault(label, set())
            for failure in group.exceptions:
                titles.add(f"{failure.title}: {response.status_code} to {response.url.path}")

    try:
        one_case()
    except hypothesis.errors.Unsatisfiable:  # nothing to break: no parameter and no body
        assert mode is schemathesis.GenerationMode.NEGATIVE, label


def _no_engine(response: httpx.Response) -> bool:
    """The 503 of an engine operation in an app without one: the answer expected here."""
    if response.status_code != 503:
        return False
    return bool(response.json().get("detail") == ENGINE_UNAVAILABLE)


def _request_kwargs(case: schemathesis.Case, api: ApiClient) -> dict[str, Any]:
    """The case as ``httpx`` arguments, with the client's own headers under its generated ones."""
    kwargs = case.as_transport_kwargs(base_url=str(api.base_url), headers=dict(api.headers))
    request: dict[str, Any] = {
        "method": kwargs["method"],
        "url": kwargs["url"],
        "params": kwargs.get("params"),
        "headers": kwargs.get("headers"),
    }
    if kwargs.get("cookies"):
        request["cookies"] = httpx.Cookies(kwargs["cookies"])
    if "json" in kwargs:
        request["json"] = _loopback_targets(case, kwargs["json"])
    elif kwargs.get("data") is not None:
        data = kwargs["data"]
        request["content"] = data if isinstance(data, bytes | str) else str(data)
    return request


def _loopback_targets(case: schemathesis.Case, body: Any) -> Any:
    """A target body's URL, replaced by a loopback one of its kind (sending a test reaches it)."""
    if not case.path.startswith("/api/v1/targets") or not isinstance(body, dict):
        return body
    if isinstance(body.get("url"), str):
        kind = body.get("kind") if body.get("kind") in LOOPBACK_TARGET_URLS else "webhook"
        return {**body, "url": LOOPBACK_TARGET_URLS[kind]}
    return body
