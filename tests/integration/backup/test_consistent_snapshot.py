"""A backup shows one moment of the database even while another connection goes on writing."""

from __future__ import annotations

import asyncio
import threading
from datetime import UTC, datetime
from pathlib import Path

from streamfleet.backup.manifest import MANIFEST_FILE, parse_manifest
from streamfleet.backup.snapshot import write_backup
from streamfleet.backup.store import DirectoryStore
from streamfleet.db.models import ChannelEventRow
from streamfleet.db.session import Database
from tests.support.backup_rows import seed_every_table
from tests.support.server import settings_for_test

WRITTEN_DURING_BACKUP = 10


async def write_events(url: str) -> None:
    database = Database(url)
    try:
        async with database.sessions() as session, session.begin():
            session.add_all(
                ChannelEventRow(
                    channel_id=1, at=datetime.now(UTC), type="status", reason="", worker="", data={}
                )
                for _ in range(WRITTEN_DURING_BACKUP)
            )
    finally:
        await database.dispose()


async def test_rows_committed_while_the_backup_reads_are_not_in_it(
    database_url: str, tmp_path: Path
) -> None:
    await seed_every_table(database_url)
    store = DirectoryStore(tmp_path / "backup")
    wrote: list[bool] = []

    def on_progress(table: str, done: int, total: int) -> None:
        # After the first table is read, commit events from another connection (in another
        # thread, so this one waits for the commit) before the events table is read.
        if table == "channels" and done == total and not wrote:
            writer = threading.Thread(target=asyncio.run, args=(write_events(database_url),))
            writer.start()
            writer.join()
            wrote.append(True)

    await write_backup(settings_for_test(tmp_path, database_url), store, progress=on_progress)

    assert wrote == [True]
    rows = {t.name: t.rows for t in parse_manifest(store.read(MANIFEST_FILE)).tables}
    assert rows["channel_events"] == 25
