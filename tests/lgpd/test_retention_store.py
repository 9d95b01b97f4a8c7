"""The purge's storage side on Azurite: unit-partitioned records (appointments, messages) are blanked
by day up to the cutoff, once (a watermark remembers how far each table was purged)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from adapters.retention_store import TableRetentionStore
from adapters.storage import table_service

pytestmark = pytest.mark.azurite


def test_records_before_the_cutoff_are_blanked_once(storage_env: dict[str, str], unique: str) -> None:
    service = table_service(storage_env)
    store = TableRetentionStore(service, table=f"{unique}tickets")
    records = f"{unique}msgs"
    client = store.table(records)
    for day, short in (("20260101", "aaa"), ("20260201", "bbb"), ("20260301", "ccc")):
        client.create_entity(
            {
                "PartitionKey": "unit-x",
                "RowKey": f"m.{day}.{short}",
                "name": f"Pessoa {short}",
                "text": "meu CPF é 000.000.000-00",
                "status": "answered",
            }
        )
    client.create_entity({"PartitionKey": "unit-x", "RowKey": "c.2026", "value": 3})
    now = datetime(2026, 3, 2, 6, 30, tzinfo=UTC)
    assert store.purge_records(records, ("m.",), "20260215", now) == 2
    rows = {e["RowKey"]: dict(e) for e in client.list_entities()}
    assert rows["m.20260101.aaa"]["name"] == "" and rows["m.20260101.aaa"]["text"] == ""
    assert rows["m.20260201.bbb"]["status"] == "answered"  # what is not personal stays
    assert rows["m.20260301.ccc"]["name"] == "Pessoa ccc"  # within the retention period
    assert rows["c.2026"]["value"] == 3
    assert store.purge_records(records, ("m.",), "20260215", now) == 0  # already done
    assert store.purge_records(records, ("m.",), "20260302", now) == 1
