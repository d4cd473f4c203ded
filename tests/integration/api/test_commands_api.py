"""``GET /api/v1/commands/{id}`` (in-process, SQLite): a stored command as the API shows it,
bad ids refused at the edge naming the field, unknown ids 404."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from streamfleet.db.repositories.commands import CommandRepository
from streamfleet.domain.commands import Command, CommandAction, CommandState, Outcome
from tests.support.server import ApiClient

PROBLEM = "application/problem+json"


async def stored(api: ApiClient, command: Command) -> Command:
    return await CommandRepository(api.app.state.database.sessions).add(command)


def a_command(action: CommandAction, *, age: timedelta = timedelta(0)) -> Command:
    return Command(
        id=str(uuid.uuid4()),
        action=action,
        channel_id=7,
        target="worker-1",
        state=CommandState.PENDING,
        created_at=datetime.now(UTC) - age,
    )


async def test_a_finished_log_tail_shows_its_redacted_lines(api: ApiClient) -> None:
    command = await stored(api, a_command(CommandAction.LOG_TAIL))
    repository = CommandRepository(api.app.state.database.sessions)
    lines = ["Input #0, mpegts, from 'srt://h:1?passphrase=hunter2hunter2':"]
    assert await repository.finish(command, Outcome.done({"lines": lines}), datetime.now(UTC))

    answer = await api.get(f"/api/v1/commands/{command.id}")

    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["id"], body["action"], body["state"]) == (command.id, "log_tail", "done")
    assert body["channel_id"] == 7
    assert body["finished_at"] is not None
    assert "hunter2" not in answer.text


async def test_a_command_pending_past_its_ttl_reads_expired(api: ApiClient) -> None:
    command = await stored(api, a_command(CommandAction.LOG_TAIL, age=timedelta(minutes=5)))
    body = (await api.get(f"/api/v1/commands/{command.id}")).json()
    assert body["state"] == "expired"


async def test_an_unknown_command_is_a_404_problem(api: ApiClient) -> None:
    answer = await api.get(f"/api/v1/commands/{uuid.uuid4()}")
    assert answer.status_code == 404
    assert answer.headers["content-type"] == PROBLEM


async def test_a_malformed_command_id_is_a_422_naming_the_field(api: ApiClient) -> None:
    for bad in ("nope", "x" * 36, str(uuid.uuid4()).upper(), "1" * 500):
        answer = await api.get(f"/api/v1/commands/{bad}")
        assert answer.status_code == 422, (bad, answer.text)
        assert answer.headers["content-type"] == PROBLEM
        assert [e["field"] for e in answer.json()["errors"]] == ["command_id"]
