"""The stores of appointments and asynchronous messages (`adapters.records_table`), built once per table
service client of the composition root (functions/dependencies.py), as the metrics store is."""

from __future__ import annotations

import threading
from typing import Any

from adapters.records_table import APPOINTMENTS_TABLE, MESSAGES_TABLE, TableUnitRecords
from functions import dependencies as deps

_lock = threading.Lock()
_built: dict[str, tuple[Any, TableUnitRecords]] = {}


def _records(table: str) -> TableUnitRecords:
    service = deps.table_service()
    with _lock:
        found = _built.get(table)
        if found is None or found[0] is not service:  # a new client after `deps.reset()` (tests)
            found = (service, TableUnitRecords(service, table))
            _built[table] = found
        return found[1]


def appointments() -> TableUnitRecords:
    return _records(APPOINTMENTS_TABLE)


def messages() -> TableUnitRecords:
    return _records(MESSAGES_TABLE)
