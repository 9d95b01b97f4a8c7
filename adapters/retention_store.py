"""Table Storage side of the LGPD purge (domain/retention.py): find what is past the retention period and
blank its personal fields, in entity-group transactions of one partition.

Unit-day partitions of the tickets table are found through their `state` entity (one per partition,
few: units × days), so the daily run reads an index of partitions, never every ticket; a purged
partition's state gets `purgedAt`, written last, so an interrupted run is finished by the next one.
Records partitioned by unit (appointments, messages) are found by their row keys, which start with the
day; `r.{table}` entities in the tickets table's `retention` partition remember the day each table was
purged up to.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from azure.core.exceptions import ResourceNotFoundError
from azure.data.tables import TableClient, TableServiceClient, UpdateMode

from adapters.storage import TableClients
from adapters.tables import TICKETS_TABLE, state_from_entity, state_to_entity
from domain.retention import scrub_fields, scrub_reason
from domain.tickets import TicketId

WATERMARKS = "retention"
_BATCH = 100


def _iso(now: datetime) -> str:
    return now.astimezone(UTC).isoformat().replace("+00:00", "Z")


class TableRetentionStore:
    """RetentionStore over Azure Table Storage (or Azurite)."""

    def __init__(self, service: TableServiceClient, table: str = TICKETS_TABLE) -> None:
        self._tables = TableClients(service)
        self._table_name = table

    def table(self, name: str | None = None) -> TableClient:
        return self._tables(name or self._table_name)

    # --- unit-day partitions --------------------------------------------------------------------

    def expired_partitions(self, cutoff: str) -> list[tuple[str, str]]:
        found = []
        for entity in self.table().query_entities("RowKey eq 'state'", select=["PartitionKey", "purgedAt"]):
            unit_id, _, day = str(entity["PartitionKey"]).rpartition(".")
            if unit_id and len(day) == 8 and day.isdigit() and day < cutoff and not entity.get("purgedAt"):
                found.append((unit_id, day))
        return sorted(found, key=lambda ud: (ud[1], ud[0]))

    def purge_partition(self, unit_id: str, day: str, now: datetime) -> tuple[int, int]:
        pk = f"{unit_id}.{day}"
        ops: list[tuple[Any, ...]] = []
        state: dict[str, Any] | None = None
        deleted = 0
        for entity in self.table().query_entities("PartitionKey eq @pk", parameters={"pk": pk}):
            rk = str(entity["RowKey"])
            if rk == "state":
                state = dict(entity)
                continue
            if rk.startswith("h."):
                ops.append(("delete", {"PartitionKey": pk, "RowKey": rk}))
                deleted += 1
                continue
            changes = _changes(entity)
            if changes:
                ops.append(
                    ("update", {"PartitionKey": pk, "RowKey": rk, **changes}, {"mode": UpdateMode.MERGE})
                )
        changed = len(ops) - deleted
        if state is not None:
            ops.append(("update", _scrubbed_state(unit_id, day, state, now), {"mode": UpdateMode.MERGE}))
        self._submit(self.table(), ops)  # the state (with purgedAt) goes in the last batch
        return changed, deleted

    # --- records of RECORD_TABLES ---------------------------------------------------------------

    def purge_records(self, table: str, prefixes: tuple[str, ...], cutoff: str, now: datetime) -> int:
        marks = self.table()
        try:
            since = str(marks.get_entity(WATERMARKS, f"r.{table}").get("purgedBefore", ""))
        except ResourceNotFoundError:
            since = ""
        if since >= cutoff:
            return 0
        client = self.table(table)
        changed = 0
        by_partition: dict[str, list[tuple[Any, ...]]] = {}
        for prefix in prefixes:
            query = "RowKey ge @first and RowKey lt @last"
            params = {"first": f"{prefix}{since}", "last": f"{prefix}{cutoff}"}
            for entity in client.query_entities(query, parameters=params):
                changes = scrub_fields(entity)
                if changes:
                    pk, rk = str(entity["PartitionKey"]), str(entity["RowKey"])
                    by_partition.setdefault(pk, []).append(
                        ("update", {"PartitionKey": pk, "RowKey": rk, **changes}, {"mode": UpdateMode.MERGE})
                    )
                    changed += 1
        for ops in by_partition.values():
            self._submit(client, ops)
        marks.upsert_entity(
            {"PartitionKey": WATERMARKS, "RowKey": f"r.{table}", "purgedBefore": cutoff, "at": _iso(now)},
            mode=UpdateMode.REPLACE,
        )
        return changed

    # --- one ticket ------------------------------------------------------------------------------

    def erase_ticket(self, ticket_id: str, now: datetime) -> None:
        tid = TicketId.parse(ticket_id)
        pk = f"{tid.unit_id}.{tid.day:%Y%m%d}"
        table = self.table()
        ops: list[tuple[Any, ...]] = []
        for rk in (f"t.{tid.short}", f"s.{tid.short}", f"c.{tid.short}"):
            try:
                entity = table.get_entity(pk, rk)
            except ResourceNotFoundError:
                continue
            changes = scrub_fields(entity)
            if rk.startswith("t."):
                changes["dataErasedAt"] = _iso(now)
            if changes:
                ops.append(
                    ("update", {"PartitionKey": pk, "RowKey": rk, **changes}, {"mode": UpdateMode.MERGE})
                )
        events = table.query_entities(
            "PartitionKey eq @pk and RowKey gt 'e.' and RowKey lt 'e/' and ticketId eq @id",
            parameters={"pk": pk, "id": ticket_id},
        )
        for entity in events:
            changes = _changes(entity)
            if changes:
                ops.append(
                    (
                        "update",
                        {"PartitionKey": pk, "RowKey": entity["RowKey"], **changes},
                        {"mode": UpdateMode.MERGE},
                    )
                )
        self._submit(table, ops)

    # --- once-markers not kept with a unit ---------------------------------------------------------

    def forget_markers(self, scope: str, cutoff: str) -> int:
        """Delete the once-markers (QueueStore.claim_once) kept under `scope` instead of a unit (the
        WhatsApp messages applied: `whatsapp.{day}`) of days before `cutoff`; how many. The partitions
        sort together: one range query, then deletes in entity-group transactions of one partition."""
        table = self.table()
        rows = table.query_entities(
            "PartitionKey ge @lo and PartitionKey lt @hi and RowKey ge 'n.' and RowKey lt 'n/'",
            parameters={"lo": f"{scope}.", "hi": f"{scope}.{cutoff}"},
            select=["PartitionKey", "RowKey"],
        )
        by_partition: dict[str, list[tuple[Any, ...]]] = {}
        for row in rows:
            pk = str(row["PartitionKey"])
            by_partition.setdefault(pk, []).append(("delete", {"PartitionKey": pk, "RowKey": row["RowKey"]}))
        for ops in by_partition.values():
            self._submit(table, ops)
        return sum(len(ops) for ops in by_partition.values())

    # --- helpers ---------------------------------------------------------------------------------

    @staticmethod
    def _submit(table: TableClient, ops: Iterable[tuple[Any, ...]]) -> None:
        batch: list[tuple[Any, ...]] = []
        for op in ops:
            batch.append(op)
            if len(batch) == _BATCH:
                table.submit_transaction(batch)  # type: ignore[arg-type]
                batch = []
        if batch:
            table.submit_transaction(batch)  # type: ignore[arg-type]


def _changes(entity: Mapping[str, Any]) -> dict[str, Any]:
    """Personal fields of a ticket, survey or event entity, blanked."""
    changes = scrub_fields(entity)
    if str(entity.get("RowKey", "")).startswith("e."):
        reason = str(entity.get("reason", ""))
        scrubbed = scrub_reason(str(entity.get("action", "")), str(entity.get("by", "")), reason)
        if scrubbed != reason:
            changes["reason"] = scrubbed
    return changes


def _scrubbed_state(unit_id: str, day: str, entity: Mapping[str, Any], now: datetime) -> dict[str, Any]:
    """The state entity with the persons' keyed hashes removed from the line and the called, and
    `purgedAt` set."""
    state = state_from_entity(unit_id, day, entity)
    state.line = [replace(entry, person="") for entry in state.line]
    for called in state.called.values():
        called.entry = replace(called.entry, person="")
    out = state_to_entity(state)
    out["purgedAt"] = _iso(now)
    return out
