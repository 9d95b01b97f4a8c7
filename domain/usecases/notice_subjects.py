"""What a citizen notice is about (issue 13): a ticket in line, or a record the citizen follows by its
own link (an appointment: the reminder; an asynchronous message: the reply).

A ticket keeps its contacts in the companion row beside it (domain/contacts.py). A record keeps them in
its own `contacts` field (personal data: purged and erased with the record, domain/retention.py); an
appointment hands them to its ticket when it enters the line (domain/usecases/appointment_day.py).

The link is the citizen's own page with the token in the URL fragment only: the waiting page for a
ticket, the appointment's or the message's page for a record. The number is what the citizen knows the
thing by (the ticket's display number, the appointment's day and time, the message's protocol): never a
name, an OAB number or a process number (issue 16).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from domain.appointments import AppointmentStatus, appointment_key, when
from domain.config import UnitConfig
from domain.messages import message_key
from domain.ports import RowWrite
from domain.slots import hhmm
from domain.tickets import TicketId
from domain.usecases.context import Context

# kind → the record it is about (appointment | message); other kinds are about a ticket in line
RECORD_KINDS: Mapping[str, str] = {"reminder": "appointment", "reply": "message"}


@dataclass(frozen=True)
class Subject:
    contacts: dict[str, str]
    number: str
    link: str
    places: int = 0  # put back in line: how many places behind
    record_key: str = ""  # the record's row key ("" for a ticket)


def contacts_fields(contacts: Mapping[str, str]) -> dict[str, Any]:
    """How a record keeps the contacts its citizen gave ({} when none)."""
    return {"contacts": json.dumps(dict(contacts))} if contacts else {}


def record_contacts(fields: Mapping[str, Any]) -> dict[str, str]:
    found = json.loads(str(fields.get("contacts") or "{}"))
    return {str(k): str(v) for k, v in found.items() if v}


def subject_of(ctx: Context, unit: UnitConfig, tid: TicketId, kind: str) -> Subject | None:
    """The notice's subject, or None when there is nothing (left) to tell."""
    ticket_id = str(tid)
    token = ctx.keys.sign(ticket_id)
    page = RECORD_KINDS.get(kind)
    if page is None:
        ticket = ctx.store.get_ticket(ticket_id)
        if ticket is None:
            return None
        own = ctx.citizen_page(tid.unit_id, ticket_id, token)
        return Subject(
            ctx.store.get_contacts(ticket_id),
            str(ticket.get("display") or ""),
            str(ticket.get("joinUrl") or own) if kind == "called" else own,
            int(ticket.get("putBackPlaces") or 0),
        )
    records, key = (
        (ctx.appointments, appointment_key(ticket_id)[1])
        if page == "appointment"
        else (ctx.messages, message_key(ticket_id)[1])
    )
    row = records.get(unit.id, key)
    if row is None:
        return None
    f = row.fields
    if page == "appointment":
        if f.get("status") != AppointmentStatus.BOOKED.value:
            return None  # cancelled, rescheduled or already in line: no reminder
        starts = when(f["startsAt"]).astimezone(ZoneInfo(unit.timezone))
        number = f"{starts:%d/%m} às {hhmm(starts)}"  # 02/12 às 14h30
    else:
        number = str(f.get("protocol") or "")
    return Subject(record_contacts(f), number, ctx.record_page(page, ticket_id, token), record_key=key)


def record_on_row(
    ctx: Context, unit: UnitConfig, subject: Subject, log: list[dict[str, Any]], gone: list[str]
) -> None:
    """What happened, kept on the record (`notices`, the latest 20) as a ticket keeps it; a contact
    that answered "gone" is forgotten."""
    records = ctx.appointments if subject.record_key.startswith("a.") else ctx.messages
    row = records.get(unit.id, subject.record_key)
    if row is None:
        return
    kept_log = json.loads(str(row.fields.get("notices") or "[]")) + log
    fields: dict[str, Any] = {"notices": json.dumps(kept_log[-20:])}
    if gone:
        kept = {k: v for k, v in record_contacts(row.fields).items() if k not in gone}
        fields["contacts"] = json.dumps(kept)
    records.commit(unit.id, [RowWrite(row.key, fields, "merge")])
