"""Table Storage adapter for the records a unit keeps across days (`domain.ports.UnitRecords`).

One table per kind of record, one partition per unit (`PartitionKey` = unit id), so that everything a
use case must change together is in one partition and goes in one entity-group transaction:

- table `appointments`: `a.{YYYYMMDD}.{short}` appointments, `b.{YYYYMMDDHHMM}` the holders of a slot
  (domain/scheduling.py). Booking writes the slot and the appointment in one transaction guarded by
  the slot's ETag: two citizens never get the last place of a slot.
- table `messages`: `m.{YYYYMMDD}.{short}` asynchronous messages, `c.{YYYY}` protocol counters,
  `k.{YYYYMMDD}` daily counts (domain/async_channel.py).

A unit's appointments and messages are few (a counter serves tens a day), far below the 2,000
operations per second of one partition. Azure errors are translated here: a stale ETag (412) or a row
that already exists (409) becomes ConcurrentUpdateError.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from azure.core import MatchConditions
from azure.core.exceptions import ResourceNotFoundError
from azure.data.tables import TableClient, TableServiceClient, TableTransactionError, UpdateMode

from adapters.storage import TableClients
from domain.errors import ConcurrentUpdateError
from domain.ports import Row, RowWrite
from domain.records import check_writes

APPOINTMENTS_TABLE = "appointments"
MESSAGES_TABLE = "messages"


class TableUnitRecords:
    """UnitRecords over one Azure Table (or Azurite)."""

    def __init__(self, service: TableServiceClient, table: str) -> None:
        self._tables = TableClients(service)
        self._table_name = table

    @property
    def table(self) -> TableClient:
        return self._tables(self._table_name)

    def get(self, unit_id: str, key: str) -> Row | None:
        try:
            entity = self.table.get_entity(unit_id, key)
        except ResourceNotFoundError:
            return None
        return _row(entity)

    def query(
        self, unit_id: str, first: str, last: str, where: Mapping[str, str | bool] | None = None
    ) -> list[Row]:
        text = "PartitionKey eq @pk and RowKey ge @first and RowKey le @last"
        params: dict[str, Any] = {"pk": unit_id, "first": first, "last": last}
        for i, (name, value) in enumerate(sorted((where or {}).items())):
            if not name.isidentifier():
                raise ValueError(f"bad field name {name!r}")
            text += f" and {name} eq @w{i}"
            params[f"w{i}"] = value
        rows = [_row(e) for e in self.table.query_entities(text, parameters=params)]
        return sorted(rows, key=lambda r: r.key)

    def commit(self, unit_id: str, writes: Sequence[RowWrite]) -> None:
        if not writes:
            return
        check_writes(writes)
        ops: list[tuple[Any, ...]] = []
        for write in writes:
            entity = {"PartitionKey": unit_id, "RowKey": write.key, **write.fields}
            if write.mode == "create":
                ops.append(("create", entity))
                continue
            options: dict[str, Any] = {
                "mode": UpdateMode.REPLACE if write.mode == "replace" else UpdateMode.MERGE
            }
            if write.etag is not None:
                options.update(etag=write.etag, match_condition=MatchConditions.IfNotModified)
                ops.append(("update", entity, options))
            else:
                ops.append(("upsert", entity, options))
        try:
            self.table.submit_transaction(ops)  # type: ignore[arg-type]
        except TableTransactionError as exc:
            code = str(getattr(exc, "error_code", "") or "")
            if exc.status_code in (404, 409, 412) or "UpdateConditionNotSatisfied" in code:
                raise ConcurrentUpdateError() from exc
            raise


def _row(entity: Any) -> Row:
    fields = {k: v for k, v in entity.items() if k not in ("PartitionKey", "RowKey")}
    return Row(key=str(entity["RowKey"]), fields=fields, etag=str(entity.metadata["etag"]))
