"""In-memory `UnitRecords`: rows of one unit kept together, keyed by text, each with an ETag.

`commit` is all or nothing: a `create` that finds its row, or a `replace`/`merge` with an ETag that is
not the row's (or on a row that is gone) raises `ConcurrentUpdateError` and writes nothing; a `merge`
or `replace` without an ETag upserts. At most 100 writes. tests/contract/ports runs the same suite
against this and `adapters.records_table.TableUnitRecords`.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Mapping, Sequence
from typing import Any

from domain.errors import ConcurrentUpdateError
from domain.ports import Row, RowWrite
from domain.records import check_writes
from tests.fakes.memory_store import new_etag


class MemoryUnitRecords:
    def __init__(self) -> None:
        self.rows: dict[str, dict[str, tuple[dict[str, Any], str]]] = {}  # unit → key → (fields, etag)
        self.commits = 0
        self.conflicts = 0
        self._lock = threading.Lock()

    def get(self, unit_id: str, key: str) -> Row | None:
        with self._lock:
            found = self.rows.get(unit_id, {}).get(key)
            return Row(key, copy.deepcopy(found[0]), found[1]) if found else None

    def query(
        self, unit_id: str, first: str, last: str, where: Mapping[str, str | bool] | None = None
    ) -> list[Row]:
        with self._lock:
            unit = self.rows.get(unit_id, {})
            return [
                Row(key, copy.deepcopy(fields), etag)
                for key, (fields, etag) in sorted(unit.items())
                if first <= key <= last and all(fields.get(k) == v for k, v in (where or {}).items())
            ]

    def commit(self, unit_id: str, writes: Sequence[RowWrite]) -> None:
        if not writes:
            return
        check_writes(writes)
        with self._lock:
            unit = copy.deepcopy(self.rows.get(unit_id, {}))
            for write in writes:
                found = unit.get(write.key)
                if write.mode == "create":
                    if found is not None:
                        return self._conflict()
                    unit[write.key] = (dict(write.fields), new_etag())
                    continue
                if write.etag is not None and (found is None or found[1] != write.etag):
                    return self._conflict()
                base = found[0] if found is not None and write.mode == "merge" else {}
                unit[write.key] = ({**base, **write.fields}, new_etag())
            self.rows[unit_id] = unit
            self.commits += 1
            return None

    def _conflict(self) -> None:
        self.conflicts += 1
        raise ConcurrentUpdateError()
