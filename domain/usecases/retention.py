"""LGPD: the daily purge of personal data past the retention period, and the holder's own erasure
(`DELETE /api/tickets/{ticket}/data`). What counts as personal data: domain/retention.py."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from domain.errors import InvalidTransitionError
from domain.retention import RECORD_TABLES, cutoff_day
from domain.tickets import Status, TicketId
from domain.usecases.citizen_view import leave
from domain.usecases.context import Context
from domain.usecases.ticket_moves import tombstone

IN_LINE = frozenset({Status.WAITING, Status.ABSENT, Status.CALLED})


@dataclass
class PurgeReport:
    cutoff: str
    partitions: int = 0
    entities: int = 0
    deleted: int = 0
    records: int = 0
    by_table: dict[str, int] = field(default_factory=dict)


def purge_expired(ctx: Context, now: datetime, retention_days: int) -> PurgeReport:
    """The daily purge: every partition and record past the retention period. Idempotent; a run that
    stops half-way is finished by the next (a partition is marked purged only once it is)."""
    store = ctx.retention
    report = PurgeReport(cutoff_day(now, retention_days))
    for unit_id, day in store.expired_partitions(report.cutoff):
        changed, deleted = store.purge_partition(unit_id, day, now)
        report.partitions += 1
        report.entities += changed
        report.deleted += deleted
    for table, prefixes in RECORD_TABLES.items():
        count = store.purge_records(table, prefixes, report.cutoff, now)
        report.by_table[table] = count
        report.records += count
    return report


def erase_own_data(ctx: Context, ticket_id: str, token: str, now: datetime) -> None:
    """Leave the queue if the ticket is still in it, then purge the ticket's personal data. Idempotent.

    A ticket not admitted yet (its join request is still in the queue) gets a tombstone: the admission
    then finds the ticket existing and skips it, so the data never reaches the table. A citizen being
    served right now is asked to finish first (the clerk is reading the data)."""
    tid = TicketId.parse(ticket_id)
    ctx.keys.verify(ticket_id, token)
    stored = ctx.store.get_ticket(ticket_id)
    if stored is None and tombstone(ctx, tid, now, erased=True):
        return
    stored = stored or ctx.store.get_ticket(ticket_id)
    status = Status(stored["status"]) if stored else Status.PENDING
    if status == Status.IN_SERVICE:
        raise InvalidTransitionError(
            "Você está em atendimento agora. Os dados podem ser apagados quando o atendimento terminar."
        )
    if status in IN_LINE:
        try:
            leave(ctx, ticket_id, token, now)
        except InvalidTransitionError:
            pass  # it changed meanwhile (called, finished): what matters is erasing below
    ctx.retention.erase_ticket(ticket_id, now)
