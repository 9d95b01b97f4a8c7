"""Table Storage adapter for `domain.favorites.FavoriteStore`: table `favorites`, one partition per
staff member, one row per favourite unit (`RowKey` = unit id).

The partition key is a SHA-256 of the lower-cased e-mail (hex): a key may not hold `/`, `\\`, `#` or
`?`, which an e-mail address may, and the table then keeps no address in the clear. Listing a
person's favourites is one partition query; adding is an upsert, removing a delete that ignores a
missing row, so both are idempotent.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from azure.core.exceptions import ResourceNotFoundError
from azure.data.tables import TableClient, TableServiceClient, UpdateMode

from adapters.storage import ensure_table

FAVORITES_TABLE = "favorites"


def person_key(email: str) -> str:
    return hashlib.sha256(email.strip().lower().encode("utf-8")).hexdigest()


class TableFavoriteStore:
    def __init__(self, service: TableServiceClient, table: str = FAVORITES_TABLE) -> None:
        self._service = service
        self._table_name = table
        self._table: TableClient | None = None

    @property
    def table(self) -> TableClient:
        if self._table is None:
            self._table = ensure_table(self._service, self._table_name)
        return self._table

    def units(self, email: str) -> list[str]:
        rows = self.table.query_entities(
            "PartitionKey eq @pk", parameters={"pk": person_key(email)}, select=["RowKey"]
        )
        return sorted(str(row["RowKey"]) for row in rows)

    def add(self, email: str, unit_id: str, at: datetime) -> None:
        entity = {"PartitionKey": person_key(email), "RowKey": unit_id, "at": at.isoformat()}
        self.table.upsert_entity(entity, mode=UpdateMode.REPLACE)

    def remove(self, email: str, unit_id: str) -> None:
        try:
            self.table.delete_entity(person_key(email), unit_id)
        except ResourceNotFoundError:
            pass
