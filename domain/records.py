"""Keys of the per-unit records (appointments `a.`, asynchronous messages `m.`) and their lookup.

A record id has the shape of a ticket id (`{unit}.{day}.{short}`), so the citizen's token works the
same way; its row key is `{prefix}.{day}.{short}` in the unit's partition.
"""

from __future__ import annotations

from domain.errors import NotFoundError
from domain.ports import Row, UnitRecords
from domain.tickets import TicketId


def record_key(prefix: str, record_id: str) -> tuple[TicketId, str]:
    tid = TicketId.parse(record_id)
    return tid, f"{prefix}.{tid.day:%Y%m%d}.{tid.short}"


def require_record(records: UnitRecords, prefix: str, record_id: str, not_found: str) -> Row:
    """The record, or NotFoundError with the pt-BR `not_found` message."""
    tid, key = record_key(prefix, record_id)
    row = records.get(tid.unit_id, key)
    if row is None:
        raise NotFoundError(not_found)
    return row
