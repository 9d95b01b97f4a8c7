"""Applying the configuration file (every minute and at start): a changed file that is valid becomes
the configuration in force; a bad one is refused, remembered by its ETag (so it is not validated again
every minute), and the last good configuration stays in force."""

from __future__ import annotations

from datetime import datetime

from domain.config import parse_configuration
from domain.errors import InvalidInputError
from domain.ports import ConfigFile, ConfigStore

UNCHANGED = "unchanged"
APPLIED = "applied"


def sync_configuration(source: ConfigFile, store: ConfigStore, now: datetime) -> str:
    """Apply the configuration file if it changed. Returns "unchanged", "applied" or "refused: ..."."""
    current = store.current()
    status = store.status() or {}
    known = str(status.get("sourceEtag", "")) or (current[1] if current else None)
    fetched = source.fetch(known)
    if fetched is None:
        return UNCHANGED
    data, etag = fetched
    try:
        config = parse_configuration(data)
    except InvalidInputError as exc:
        store.record(etag, f"recusada: {exc.message}", now)
        return f"refused: {exc.message}"
    store.save(config.model_dump_json(by_alias=True), etag, now)
    return APPLIED
