"""In-memory `RetentionStore` over the in-memory queue store and unit records, with the adapter's
rules (domain/retention.py says which fields are personal): a purged partition's tickets, surveys and
events are blanked, its heartbeats deleted, the persons' hashes taken out of its state, and it is
marked purged last; records are purged up to a watermark per table."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from domain.retention import scrub_fields, scrub_reason
from domain.tickets import TicketId
from domain.times import iso_utc
from tests.fakes.memory_records import MemoryUnitRecords
from tests.fakes.memory_store import MemoryQueueStore, new_etag


def event_changes(row: Mapping[str, Any]) -> dict[str, Any]:
    changes = scrub_fields(row)
    reason = str(row.get("reason", ""))
    scrubbed = scrub_reason(str(row.get("action", "")), str(row.get("by", "")), reason)
    if scrubbed != reason:
        changes["reason"] = scrubbed
    return changes


class MemoryRetentionStore:
    def __init__(self, queue: MemoryQueueStore, records: Mapping[str, MemoryUnitRecords]) -> None:
        self.queue = queue
        self.records = records  # by table name (domain.retention.RECORD_TABLES)
        self.purged: dict[tuple[str, str], str] = {}  # (unit, day) → purgedAt
        self.watermarks: dict[str, str] = {}  # table → purged before this day
        self._lock = threading.Lock()

    def expired_partitions(self, cutoff: str) -> list[tuple[str, str]]:
        found = [
            key
            for key, part in self.queue.partitions.items()
            if part.state is not None and key[1] < cutoff and key not in self.purged
        ]
        return sorted(found, key=lambda ud: (ud[1], ud[0]))

    def purge_partition(self, unit_id: str, day: str, now: datetime) -> tuple[int, int]:
        part = self.queue.partition(unit_id, day)
        changed = 0
        with self._lock:
            for entities, changes_of in (
                (part.tickets, scrub_fields),
                (part.surveys, scrub_fields),
                (part.contacts, scrub_fields),
                (part.events, event_changes),
            ):
                for entity in entities.values():
                    changes = changes_of(entity)
                    if changes:
                        entity.update(changes)
                        changed += 1
            deleted = len(part.heartbeats)
            part.heartbeats.clear()
            if part.state is not None:
                part.state.line = [dataclasses.replace(e, person="") for e in part.state.line]
                for called in part.state.called.values():
                    called.entry = dataclasses.replace(called.entry, person="")
                part.etag = new_etag()
            self.purged[(unit_id, day)] = iso_utc(now)
        return changed, deleted

    def forget_markers(self, scope: str, cutoff: str) -> int:
        forgotten = 0
        with self._lock:
            for (unit_id, day), part in self.queue.partitions.items():
                if unit_id == scope and day < cutoff:
                    forgotten += len(part.markers)
                    part.markers.clear()
        return forgotten

    def purge_records(self, table: str, prefixes: tuple[str, ...], cutoff: str, now: datetime) -> int:
        since = self.watermarks.get(table, "")
        if since >= cutoff:
            return 0
        records = self.records[table]
        changed = 0
        with self._lock:
            for unit in records.rows.values():
                for key, (fields, _) in list(unit.items()):
                    if any(f"{p}{since}" <= key < f"{p}{cutoff}" for p in prefixes):
                        changes = scrub_fields(fields)
                        if changes:
                            unit[key] = ({**fields, **changes}, new_etag())
                            changed += 1
            self.watermarks[table] = cutoff
        return changed

    def erase_ticket(self, ticket_id: str, now: datetime) -> None:
        tid = TicketId.parse(ticket_id)
        part = self.queue.partition(tid.unit_id, f"{tid.day:%Y%m%d}")
        with self._lock:
            ticket = part.tickets.get(tid.short)
            if ticket is not None:
                ticket.update({**scrub_fields(ticket), "dataErasedAt": iso_utc(now)})
            for row in (part.surveys.get(tid.short), part.contacts.get(tid.short)):
                if row is not None:
                    row.update(scrub_fields(row))
            for row in part.events.values():
                if row.get("ticketId") == ticket_id:
                    row.update(event_changes(row))
