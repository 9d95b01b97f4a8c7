"""Keys of the per-unit records (appointments `a.`, asynchronous messages `m.`), their lookup, and what
any commit of them refuses (`check_writes`).

A record id has the shape of a ticket id (`{unit}.{day}.{short}`), so the citizen's token works the
same way; its row key is `{prefix}.{day}.{short}` in the unit's partition.
"""

from __future__ import annotations

from collections.abc import Sequence

from domain.errors import NotFoundError
from domain.ports import Row, RowWrite, UnitRecords
from domain.tickets import TicketId

MAX_WRITES = 100  # a Table Storage transaction's limit, kept by every implementation of UnitRecords


def record_key(prefix: str, record_id: str) -> tuple[TicketId, str]:
    tid = TicketId.parse(record_id)
    return tid, f"{prefix}.{tid.day:%Y%m%d}.{tid.short}"


def check_writes(writes: Sequence[RowWrite]) -> None:
    """What any `UnitRecords.commit` refuses before it writes: more than MAX_WRITES, or a row twice."""
    if len(writes) > MAX_WRITES:
        raise ValueError(f"a transaction holds at most {MAX_WRITES} operations, got {len(writes)}")
    if len({w.key for w in writes}) < len(writes):
        raise ValueError("a transaction changes each row once")


def require_record(records: UnitRecords, prefix: str, record_id: str, not_found: str) -> Row:
    """The record, or NotFoundError with the pt-BR `not_found` message."""
    tid, key = record_key(prefix, record_id)
    row = records.get(tid.unit_id, key)
    if row is None:
        raise NotFoundError(not_found)
    return row
