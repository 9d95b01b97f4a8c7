"""LGPD: the daily purge of personal data past the retention period, and the holder's own erasure
(`DELETE /api/tickets/{ticket}/data`). What counts as personal data: domain/retention.py."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from domain.appointments import AppointmentAction, AppointmentStatus, appointment_key, give_back, transition
from domain.appointments import status_of as appointment_status
from domain.conversation.ports import conversation_key
from domain.errors import InvalidTransitionError
from domain.messages import message_key
from domain.ports import JOIN_QUEUE, RowWrite, UnitRecords
from domain.retention import RECORD_TABLES, cutoff_day, scrub_fields
from domain.tickets import Status, TicketId
from domain.times import iso_utc, ms
from domain.usecases.citizen_view import leave
from domain.usecases.context import Context
from domain.usecases.ticket_moves import tombstone
from domain.usecases.unit_day import commit_records
from domain.usecases.whatsapp_conversation import ONCE_PARTITION as WHATSAPP_MARKERS

IN_LINE = frozenset({Status.WAITING, Status.ABSENT, Status.CALLED})
RECORD_LINKS = ("followUpOf", "rescheduledTo", "rescheduledFrom")  # an appointment's links to other ids
POISON_JOIN_QUEUE = f"{JOIN_QUEUE}-poison"  # where the host moves a join request that keeps failing


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
    if ctx.conversations is not None:  # conversations idle past the period (issue 18): forgotten whole
        idle = ctx.conversations.idle_since(ms(now - timedelta(days=retention_days)))
        for key in idle:
            ctx.conversations.forget(key)
        report.by_table["conversations"] = len(idle)
    # the markers of the WhatsApp messages applied (no personal data; Event Grid retries for a day at most)
    report.by_table["whatsapp"] = store.forget_markers(WHATSAPP_MARKERS, report.cutoff)
    return report


def erase_own_data(ctx: Context, ticket_id: str, token: str, now: datetime) -> None:
    """The holder erases what the id they hold leads to (LGPD art. 18 VI). Idempotent; returns
    only when everything is erased (the HTTP answer is 204 only then).

    The id may be a ticket, an appointment or an asynchronous message (all are ticket-shaped, signed
    alike), and the erasure follows what links them: a transfer to the ticket in the other unit (and
    back), a follow-up appointment and the ticket it follows, a rescheduled appointment and its new one.
    A ticket still in line leaves it first; one not admitted yet gets a tombstone (never admitted); an
    appointment still booked is cancelled (its place goes back on offer); join requests kept in the
    poison queue for this ticket are deleted. A citizen being served right now is asked to finish first
    (the clerk is reading the data)."""
    ctx.keys.verify(ticket_id, token)
    TicketId.parse(ticket_id)
    pending = [ticket_id]
    seen: set[str] = set()
    while pending:
        held = pending.pop()
        if held in seen or not held:
            continue
        seen.add(held)
        pending += erase_one(ctx, TicketId.parse(held), now)


def erase_one(ctx: Context, tid: TicketId, now: datetime) -> list[str]:
    """Erase the ticket, appointment and message of one id; the ids they link to."""
    held = str(tid)
    linked: list[str] = []
    forget_conversation(ctx, held)
    appointment = ctx.appointments.get(tid.unit_id, appointment_key(held)[1])
    message = ctx.messages.get(tid.unit_id, message_key(held)[1])
    for records, row in ((ctx.appointments, appointment), (ctx.messages, message)):
        if row is not None:
            linked += [
                str(row.fields.get(k) or "") for k in ("followUpOf", "rescheduledTo", "rescheduledFrom")
            ]
            erase_record(ctx, records, tid, row.key, now)
    stored = ctx.store.get_ticket(held)
    if stored is None and (appointment is not None or message is not None):
        return linked  # a record only (an appointment that never entered the line, a message)
    if stored is None and tombstone(ctx, tid, now, erased=True):
        ctx.bus.discard(POISON_JOIN_QUEUE, "ticketId", held)
        return linked
    stored = stored or ctx.store.get_ticket(held)
    status = Status(stored["status"]) if stored else Status.PENDING
    if status == Status.IN_SERVICE:
        raise InvalidTransitionError(
            "Você está em atendimento agora. Os dados podem ser apagados quando o atendimento terminar."
        )
    if status in IN_LINE:
        try:
            leave(ctx, held, ctx.keys.sign(held), now)
        except InvalidTransitionError:
            pass  # it changed meanwhile (called, finished): what matters is erasing below
    ctx.retention.erase_ticket(held, now)
    ctx.bus.discard(POISON_JOIN_QUEUE, "ticketId", held)
    if stored:
        linked += [str(stored.get(k) or "") for k in ("transferredTo", "transferredFrom", "followUpId")]
    return linked


def forget_conversation(ctx: Context, ticket_id: str) -> None:
    """The WhatsApp conversation that made the ticket (issue 18) goes with it: found through the ticket's
    WhatsApp contact, before the contact is blanked."""
    phone = ctx.store.get_contacts(ticket_id).get("whatsapp", "")
    if phone and ctx.conversations is not None:
        ctx.conversations.forget(conversation_key(ctx.keys, "whatsapp", phone))


def erase_record(ctx: Context, records: UnitRecords, tid: TicketId, key: str, now: datetime) -> None:
    """Blank an appointment's or a message's personal fields; a booked appointment is cancelled first
    (its place in the slot goes back on offer), in the same transaction."""

    def build() -> list[RowWrite]:
        row = records.get(tid.unit_id, key)
        if row is None:
            return []
        changes: dict[str, Any] = {**scrub_fields(row.fields), "dataErasedAt": iso_utc(now)}
        writes: list[RowWrite] = []
        if key.startswith("a.") and appointment_status(row.fields) == AppointmentStatus.BOOKED:
            cancelled = transition(row, AppointmentAction.CANCEL, now)
            changes.update(cancelled.fields)
            release = give_back(records, tid.unit_id, str(row.fields.get("slot", "")), tid.short)
            writes += [release] if release else []
        return [RowWrite(row.key, changes, "merge", row.etag), *writes]

    commit_records(ctx, records, tid.unit_id, build)
