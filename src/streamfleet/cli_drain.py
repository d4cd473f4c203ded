"""``streamfleet worker drain ID`` / ``streamfleet worker drain --self``: drain a fleet worker.

The drain is asked for in the database (the worker learns it at its next heartbeat,
``fleet/drain.py`` moves its channels away one at a time) and the command waits until
the worker holds no channel, printing each change, or ``--timeout`` passes (exit 1).
``--self`` names the worker this environment runs (``STREAMFLEET_WORKER_NAME``): the
Kubernetes ``preStop`` hook. Needs the server database, not Redis.
"""

from __future__ import annotations

import asyncio
import time
from typing import Annotated, Final

import typer
from sqlalchemy.engine import make_url

from streamfleet.cli_support import fail, run, settings
from streamfleet.cluster.db_clock import SERVER_DIALECTS, SQLITE_REFUSED
from streamfleet.config import Settings
from streamfleet.db.cluster_models import MAX_WORKER_ID_LENGTH

DRAIN_POLL_S: Final = 0.5
"""How often the command looks how many channels the drained worker still holds."""
DEFAULT_DRAIN_TIMEOUT_S: Final = 270.0
"""Within the worker pod's 300 s grace period, leaving 30 s for its own stop."""


def drain_command(
    worker_id: Annotated[str | None, typer.Argument(help="The worker's id (its name)")] = None,
    self_: Annotated[
        bool, typer.Option("--self", help="The worker named by STREAMFLEET_WORKER_NAME")
    ] = False,
    timeout_s: Annotated[
        float, typer.Option("--timeout", min=0, help="Seconds to wait for the drain to finish")
    ] = DEFAULT_DRAIN_TIMEOUT_S,
    wait: Annotated[bool, typer.Option(help="Wait until the worker holds no channel")] = True,
) -> None:
    """Drain a worker: it takes no new channels and moves its own, one at a time, to the
    least-loaded other workers; waits until it holds none."""
    loaded = settings()
    if (worker_id is None) == (not self_):
        fail("name the worker to drain, or give --self (not both)", code=2)
    name = loaded.worker_name if self_ else worker_id
    assert name is not None
    if len(name) > MAX_WORKER_ID_LENGTH:
        fail(f"worker: at most {MAX_WORKER_ID_LENGTH} characters", code=2)
    if make_url(loaded.resolved_database_url).get_backend_name() not in SERVER_DIALECTS:
        fail(SQLITE_REFUSED, code=2)
    raise typer.Exit(run(_drain(loaded, name, timeout_s, wait)))


async def _drain(loaded: Settings, worker_id: str, timeout_s: float, wait: bool) -> int:
    from streamfleet.db.repositories.channels import ChannelRepository
    from streamfleet.db.session import Database
    from streamfleet.fleet.roster import Roster

    database = Database(loaded.resolved_database_url)
    ports = (loaded.srt_port_min, loaded.srt_port_max)
    try:
        roster = Roster(database, ChannelRepository(database.sessions, srt_port_range=ports))
        if not await roster.drain(worker_id):
            typer.echo(f"error: no worker {worker_id!r} is registered", err=True)
            return 1
        typer.echo(f"{worker_id}: draining")
        deadline = time.monotonic() + timeout_s
        shown = ""
        while wait:
            standings = {s.info.spec.id: s for s in await roster.workers()}
            standing = standings.get(worker_id)
            if standing is None or not standing.channels:
                typer.echo(f"{worker_id}: drained")
                return 0
            left = len(standing.channels)
            line = f"{worker_id}: {left} channel(s) left ({standing.drain.value})"
            if line != shown:
                typer.echo(line)
                shown = line
            if time.monotonic() >= deadline:
                typer.echo(f"error: {worker_id} still holds {left} channel(s)", err=True)
                return 1
            await asyncio.sleep(DRAIN_POLL_S)
        return 0
    finally:
        await database.dispose()
