"""LGPD (Lei 13.709/2018): personal data is kept for the retention period only; a holder can erase theirs.

What counts as personal data is declared here, once, by the names of the stored fields:
`PERSONAL_FIELDS` (what a citizen typed or what identifies them: name, OAB, process number, comments,
contact, the keyed hash of the person, the text of a message) and the free-text reasons clerks type
(`scrub_reason`). A purged field keeps its name and becomes "" (so readers need no change); counts,
statuses, times and the metric rollups (table `metrics`, which hold no personal data) stay.

Where it lives (the adapter walks it): the tickets table, one partition per unit-day (tickets `t.*`,
surveys `s.*`, events `e.*`, the queue state's `person` hashes; presence heartbeats `h.*`, which name
clerks, are deleted), and the unit-partitioned records of `RECORD_TABLES` (appointments, asynchronous
messages), whose row keys start with a prefix and the day. **A new kind of stored personal data** adds
its field names to `PERSONAL_FIELDS` or its table to `RECORD_TABLES`.

Poison-queue copies of join requests (which carry a name) expire with the queue's time to live (7 days
by default, under the retention period); queue messages in flight live at most a day.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from domain.errors import InvalidTransitionError
from domain.ports import DuplicateTicketError, TicketWrite
from domain.queue import QueueState
from domain.services import NoChange, Services, _mutate, leave
from domain.tickets import Status, TicketId

DEFAULT_RETENTION_DAYS = 30
PURGED = ""  # what a purged text field holds
REMOVED_REASON = "[removido]"

PERSONAL_FIELDS = frozenset(
    {
        "name",
        "oabNumber",
        "oabState",
        "oab",
        "processNumber",
        "comment",
        "contact",
        "email",
        "phone",
        "person",
        "text",
        "reply",
        "replyText",
        "answer",
        "callReason",
        "requeueReason",
        "transferReason",
        "meetingError",
    }
)

# table → row-key prefixes of rows keyed `{prefix}{YYYYMMDD}...` in one partition per unit
RECORD_TABLES: Mapping[str, tuple[str, ...]] = {"appointments": ("a.",), "messages": ("m.",)}

# Reasons the system writes into the event log (kept); anything a person typed is removed.
_SYSTEM_ACTORS = frozenset({"system", "citizen"})


def scrub_fields(entity: Mapping[str, Any]) -> dict[str, Any]:
    """The changes that purge `entity`'s personal fields ({} when there is nothing to purge)."""
    return {k: PURGED for k, v in entity.items() if k in PERSONAL_FIELDS and v not in (PURGED, None)}


def scrub_reason(action: str, by: str, reason: str) -> str:
    """An event's reason without what a clerk typed. Calls out of order keep their kind ("servidor:"),
    reasons the system writes (legal priority, category, rejections) are kept as they are."""
    if not reason or reason == REMOVED_REASON:
        return reason
    if action == "call":
        return "servidor: " + REMOVED_REASON if reason.startswith("servidor:") else reason
    if by in _SYSTEM_ACTORS:
        return reason
    return REMOVED_REASON


def cutoff_day(now: datetime, retention_days: int) -> str:
    """Partitions and records of days before this one (YYYYMMDD, UTC) are past the retention period."""
    if retention_days < 1:
        raise ValueError("the retention period is at least one day")
    return (now.astimezone(UTC).date() - timedelta(days=retention_days)).strftime("%Y%m%d")


@dataclass
class PurgeReport:
    cutoff: str
    partitions: int = 0
    entities: int = 0
    deleted: int = 0
    records: int = 0
    by_table: dict[str, int] = field(default_factory=dict)


class RetentionStore(Protocol):
    """Where the personal data is stored (adapters/retention_store.py over Table Storage)."""

    def expired_partitions(self, cutoff: str) -> list[tuple[str, str]]:
        """(unit, day) of the unit-day partitions before `cutoff` not purged yet."""
        ...

    def purge_partition(self, unit_id: str, day: str, now: datetime) -> tuple[int, int]:
        """Purge one unit-day partition; (entities changed, entities deleted). Marks it purged last."""
        ...

    def purge_records(self, table: str, prefixes: tuple[str, ...], cutoff: str, now: datetime) -> int:
        """Purge the records of days before `cutoff`; how many rows changed."""
        ...

    def erase_ticket(self, ticket_id: str, now: datetime) -> None:
        """Purge one ticket: its entity, its survey's comment and the reasons typed in its events."""
        ...


def purge_expired(store: RetentionStore, now: datetime, retention_days: int) -> PurgeReport:
    """The daily purge: every partition and record past the retention period. Idempotent; a run that
    stops half-way is finished by the next (a partition is marked purged only once it is)."""
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


# --- the holder's own erasure (DELETE /api/tickets/{ticket}/data) ------------------------------------


def erase_own_data(svc: Services, store: RetentionStore, ticket_id: str, token: str, now: datetime) -> None:
    """Leave the queue if the ticket is still in it, then purge the ticket's personal data. Idempotent.

    A ticket not admitted yet (its join request is still in the queue) gets a tombstone: the admission
    then finds the ticket existing and skips it, so the data never reaches the table. A citizen being
    served right now is asked to finish first (the clerk is reading the data)."""
    tid = TicketId.parse(ticket_id)
    svc.keys.verify(ticket_id, token)
    stored = svc.store.get_ticket(ticket_id)
    if stored is None and _tombstone(svc, tid, now):
        return
    stored = stored or svc.store.get_ticket(ticket_id)
    status = Status(stored["status"]) if stored else Status.PENDING
    if status == Status.IN_SERVICE:
        raise InvalidTransitionError(
            "Você está em atendimento agora. Os dados podem ser apagados quando o atendimento terminar."
        )
    if status in _IN_LINE:
        try:
            leave(svc, ticket_id, token, now)
        except InvalidTransitionError:
            pass  # it changed meanwhile (called, finished): what matters is erasing below
    store.erase_ticket(ticket_id, now)


_IN_LINE = frozenset({Status.WAITING, Status.ABSENT, Status.CALLED})


def _tombstone(svc: Services, tid: TicketId, now: datetime) -> bool:
    """Create the ticket as left and erased, before its admission; False if it was admitted meanwhile."""
    ticket_id = str(tid)
    at = now.astimezone(UTC).isoformat().replace("+00:00", "Z")
    fields = {"status": Status.LEFT.value, "leftAt": at, "dataErasedAt": at, "display": ""}

    def change(state: QueueState) -> tuple[bool, list[TicketWrite]]:
        if state.find(tid.short) is not None or tid.short in state.called:
            raise NoChange(False)
        return True, [TicketWrite(ticket_id, fields, create=True)]

    try:
        return bool(_mutate(svc, tid.unit_id, f"{tid.day:%Y%m%d}", change))
    except DuplicateTicketError:
        return False
