"""Table Storage adapter for `domain.conversation.ports.ConversationStore`: table `conversations`, one
partition per conversation (its key, a keyed hash of the number: the table keeps no number in its keys),
one row `state` holding the state as JSON (`record`, personal data) and `lastMs` (an Int64, for the daily
purge's query). Saves are guarded by the row's ETag; a stale one is a ConcurrentUpdateError.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from azure.core import MatchConditions
from azure.core.exceptions import HttpResponseError, ResourceExistsError, ResourceNotFoundError
from azure.data.tables import EdmType, EntityProperty, TableClient, TableServiceClient, UpdateMode

from adapters.storage import TableClients
from domain.errors import ConcurrentUpdateError

CONVERSATIONS_TABLE = "conversations"
_ROW = "state"


class TableConversationStore:
    def __init__(self, service: TableServiceClient, table: str = CONVERSATIONS_TABLE) -> None:
        self._tables, self._table_name = TableClients(service), table

    @property
    def table(self) -> TableClient:
        return self._tables(self._table_name)  # created on first use

    def load(self, key: str) -> tuple[dict[str, Any] | None, str | None]:
        try:
            entity = self.table.get_entity(key, _ROW)
        except ResourceNotFoundError:
            return None, None
        return json.loads(str(entity["record"])), str(entity.metadata["etag"])

    def save(self, key: str, record: Mapping[str, Any], etag: str | None) -> None:
        entity = {
            "PartitionKey": key,
            "RowKey": _ROW,
            "record": json.dumps(dict(record), ensure_ascii=False),
            "lastMs": EntityProperty(int(record.get("lastMs", 0)), EdmType.INT64),
        }
        try:
            if etag is None:
                self.table.create_entity(entity)
            else:
                self.table.update_entity(
                    entity, mode=UpdateMode.REPLACE, etag=etag, match_condition=MatchConditions.IfNotModified
                )
        except ResourceExistsError as exc:
            raise ConcurrentUpdateError() from exc
        except HttpResponseError as exc:
            if exc.status_code in (404, 412):
                raise ConcurrentUpdateError() from exc
            raise

    def forget(self, key: str) -> None:
        try:
            self.table.delete_entity(key, _ROW)
        except ResourceNotFoundError:
            pass

    def idle_since(self, before_ms: int) -> list[str]:
        """A query over the whole table (once a day, by the purge): conversations are few and short."""
        # written as an Int64 literal (`L`), the type of the property (an int parameter may go out as Int32)
        rows = self.table.query_entities(f"lastMs lt {int(before_ms)}L", select=["PartitionKey"])
        return sorted(str(row["PartitionKey"]) for row in rows)
