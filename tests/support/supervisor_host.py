"""A process that runs a ``Supervisor`` for tests that kill the server outright.

    python -m tests.support.supervisor_host '{"data_dir": "...", "spawn": "setpriv",
                                              "channels": [{"id": 1, "url": "udp://…"}]}'

Prints one JSON line ``{"pids": [...]}`` once every channel is online, then
runs until it is killed.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any

import structlog

from streamfleet.config import Settings
from streamfleet.domain.channel import Channel
from streamfleet.domain.status import Status
from streamfleet.engine.process import Spawner
from streamfleet.engine.supervisor import Supervisor
from streamfleet.events.bus import InProcessBus

ONLINE_TIMEOUT_S = 30.0


async def run(config: dict[str, Any]) -> None:
    settings = Settings(data_dir=Path(config["data_dir"]), demo=False, worker_name="host")
    spawner = Spawner(use_setpriv=config.get("spawn", "setpriv") == "setpriv")
    supervisor = Supervisor(settings, InProcessBus(), spawner=spawner)
    channels = [
        Channel(id=c["id"], slug=f"ch{c['id']}", name=f"ch{c['id']}", input_url=c["url"])
        for c in config["channels"]
    ]
    await supervisor.start(channels)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + ONLINE_TIMEOUT_S
    while loop.time() < deadline:
        states = [supervisor.state(c.id) for c in channels]
        if all(s is not None and s.status is Status.ONLINE and s.pid for s in states):
            pids = [s.pid for s in states if s is not None]
            print(json.dumps({"pids": pids, "spawn": spawner.method}), flush=True)
            break
        await asyncio.sleep(0.1)
    else:
        print(json.dumps({"error": "channels not online"}), flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    structlog.configure(logger_factory=structlog.PrintLoggerFactory(sys.stderr))
    asyncio.run(run(json.loads(sys.argv[1])))
