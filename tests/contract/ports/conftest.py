"""One contract suite per storage port, run against the in-memory fake (tests/fakes/) and the Azure
adapter over Azurite: what the use cases rely on (ETags, all-or-nothing commits, key order, the
errors they catch) holds for both, so the unit tier's verdicts hold for the real thing.

`make test-fast` runs the fakes' side (`-m "not azurite"`); `make test` runs both.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest

from adapters.config_source import BlobConfigSource, TableConfigStore
from adapters.metrics_store import TableMetricsStore
from adapters.queues import StorageQueueBus
from adapters.records_table import TableUnitRecords
from adapters.retention_store import TableRetentionStore
from adapters.storage import blob_service, queue_service, table_service
from adapters.tables import TableQueueStore
from domain.ports import BatchBus, ConfigStore, MetricsStore, QueueStore, RetentionStore, UnitRecords
from tests.fakes.memory_bus import MemoryBus
from tests.fakes.memory_config import MemoryConfigFile, MemoryConfigStore
from tests.fakes.memory_metrics import MemoryMetricsStore
from tests.fakes.memory_records import MemoryUnitRecords
from tests.fakes.memory_retention import MemoryRetentionStore
from tests.fakes.memory_store import MemoryQueueStore

KINDS = ["memory", pytest.param("azurite", marks=pytest.mark.azurite)]
VISIBILITY_S = 1  # how long a drained message stays invisible in the bus tests


@dataclass
class Ports:
    """Every storage port of one kind, over the same storage (the metrics and retention stores read
    and change what the queue store and the records wrote)."""

    kind: str
    store: QueueStore
    appointments: UnitRecords
    metrics: MetricsStore
    retention: RetentionStore
    record_table: str  # the appointments' table, by the name the retention store knows it
    config: ConfigStore
    config_file: MemoryConfigFile | BlobConfigSource
    bus: BatchBus
    queue: str  # a queue of the test's own
    visibility_passes: Callable[[], None]  # a drained message not completed becomes visible again
    another_worker: Callable[[], QueueStore]  # the queue store as another worker (instance) sees it


def memory_ports() -> Ports:
    store, appointments, bus = MemoryQueueStore(), MemoryUnitRecords(), MemoryBus()
    return Ports(
        "memory",
        store,
        appointments,
        MemoryMetricsStore(store),
        MemoryRetentionStore(store, {"appointments": appointments}),
        "appointments",
        MemoryConfigStore(),
        MemoryConfigFile(),
        bus,
        "contract",
        lambda: bus.release("contract"),
        lambda: store,  # one store is every worker's
    )


def azurite_ports(env: dict[str, str], unique: str) -> Ports:
    tables = table_service(env)
    tickets, records = f"{unique}t", f"{unique}a"
    return Ports(
        "azurite",
        TableQueueStore(tables, table=tickets),
        TableUnitRecords(tables, records),
        TableMetricsStore(tables, table=f"{unique}m", tickets_table=tickets),
        TableRetentionStore(tables, table=tickets),
        records,
        TableConfigStore(tables, table=f"{unique}c"),
        BlobConfigSource(blob_service(env), f"{unique}/balcao.json"),
        StorageQueueBus(queue_service(env)),
        unique,
        lambda: time.sleep(VISIBILITY_S + 0.5),
        lambda: TableQueueStore(tables, table=tickets),
    )


@pytest.fixture(params=KINDS)
def ports(request: pytest.FixtureRequest) -> Iterator[Ports]:
    if request.param == "memory":
        yield memory_ports()
        return
    env: dict[str, str] = request.getfixturevalue("storage_env")
    yield azurite_ports(env, request.getfixturevalue("unique"))
