"""Import a channel file into the database: parse, check the rules, insert in one transaction.

The one import path the API (``POST /channels/import``) and the CLI
(``streamfleet channel import``) share.
"""

from __future__ import annotations

from streamfleet.db.repositories.channels import ChannelRepository, ImportOutcome, ImportProgress
from streamfleet.domain.channel_import import ImportFormat, parse_import, validate_entries


async def import_channels(
    channels: ChannelRepository,
    text: str,
    *,
    fmt: ImportFormat | None = None,
    partial: bool = False,
    dry_run: bool = False,
    progress: ImportProgress | None = None,
) -> ImportOutcome:
    """Import every channel of ``text`` (M3U or YAML), or nothing.

    Raises ``InvalidInput`` listing every bad entry with its line unless
    ``partial``, in which case the good entries are imported and the errors
    returned with them.
    """
    entries, parse_errors = parse_import(text, fmt)
    valid, rule_errors = validate_entries(entries)
    return await channels.import_entries(
        valid,
        errors=[*parse_errors, *rule_errors],
        partial=partial,
        dry_run=dry_run,
        progress=progress,
    )
