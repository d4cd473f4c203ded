"""The human-readable part of a backup: channels, targets and settings as YAML.

``channels.yaml`` is exactly what ``streamfleet channel import`` reads back;
``targets.yaml`` lists the notification targets (with their secrets: the backup
holds every secret); ``settings.yaml`` the settings of the process that made
the backup, without the backup key and with the database password redacted.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import structlog
import yaml

from streamfleet.config import Settings
from streamfleet.db.alert_models import NotificationTargetRow
from streamfleet.db.models import ChannelRow
from streamfleet.db.repositories.channels import channel_of_row
from streamfleet.db.repositories.targets import target_record
from streamfleet.domain.channel_import import render_yaml
from streamfleet.domain.url_policy import redact

EXPORT_VERSION = 1
SECRET_SETTINGS = frozenset({"backup_key", "s3_secret_access_key"})

log = structlog.get_logger()


def channels_yaml(rows: Iterable[Mapping[str, Any]]) -> str:
    """The channels as ``channel export`` writes them; a row the domain cannot read is left
    out with a warning (the table file still holds it: the YAML is a convenience)."""
    channels = []
    for row in rows:
        try:
            channels.append(channel_of_row(ChannelRow(**row)))
        except ValueError as exc:
            log.warning("backup.channel_not_exported", channel=row.get("slug"), reason=str(exc))
    return render_yaml(channels)


def targets_yaml(rows: Iterable[Mapping[str, Any]]) -> str:
    targets = []
    for row in rows:
        target = target_record(NotificationTargetRow(**row))
        targets.append(
            {
                "name": target.name,
                "kind": target.kind,
                "url": target.url,
                "secret": target.secret,
                "filters": target.filters,
                "enabled": target.enabled,
            }
        )
    return _dump({"version": EXPORT_VERSION, "targets": targets})


def settings_yaml(settings: Settings) -> str:
    values = settings.model_dump(mode="json", exclude=set(SECRET_SETTINGS))
    values["database_url"] = redact(settings.resolved_database_url)
    return _dump({"version": EXPORT_VERSION, "settings": values})


def _dump(document: dict[str, Any]) -> str:
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True, default_flow_style=False)
