"""The clerk console's view of a unit's line: who waits in call order with what they declared, who is
absent, who is called (with the meeting and the time from which "Ausente" needs no confirmation:
domain/usecases/no_show.py), today's no-shows (latest first: "Devolver à fila" puts one back), which
clerks are online, and the server's time (the console counts time since a call from it, not from the
clerk's computer clock)."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from domain.auth import Principal
from domain.contacts import LABELS
from domain.ordering import CLASS_LABELS, Entry
from domain.people import oab_text
from domain.queue import display_number
from domain.tickets import Status, TicketId
from domain.times import from_ms, ms
from domain.usecases.citizen_view import UnitRef, note_seen
from domain.usecases.context import Context
from domain.usecases.delivery_reports import LABELS as DELIVERY_LABELS
from domain.usecases.ticket_moves import entry_of
from domain.usecases.unit_day import service_day


@dataclass(frozen=True)
class Citizen:
    """One ticket in the console, with the citizen's details."""

    ticket_id: str
    display_number: str
    name: str
    role: str
    oab: str
    process_number: str
    reason: str
    category: str
    priority: str
    priority_class: int
    grounds: list[str]
    companions: int
    arrived_at: datetime
    waiting_minutes: int
    absent: bool
    accessibility: list[str]  # "libras", "outra": asked for at joining, seen before calling
    accessibility_note: str
    notice_channels: list[str]  # how the citizen is told off the page (issue 13)
    here_confirmed: bool  # said "Estou aqui" near the front
    noticed: str  # the last notice that went out: "avisado por WhatsApp às 10:42" ("" if none)


@dataclass(frozen=True)
class ClerkMeeting:
    status: str
    join_url: str | None
    clerk_join_url: str | None


@dataclass(frozen=True)
class CalledCitizen(Citizen):
    called_by: str
    called_at: datetime
    status: Status
    meeting: ClerkMeeting
    no_show_at: datetime  # from then on "Ausente" needs no confirmation


@dataclass(frozen=True)
class NoShowCitizen(Citizen):
    no_show_at: datetime | None


@dataclass(frozen=True)
class Me:
    email: str
    status: str  # online | paused | offline


@dataclass(frozen=True)
class ClerkQueue:
    unit: UnitRef
    waiting: list[Citizen]
    absent: list[Citizen]
    called: list[CalledCitizen]
    no_shows: list[NoShowCitizen]  # today's, latest first
    clerks: dict[str, str]  # e-mail → online | paused | offline
    me: Me
    now: datetime


def clerk_queue(ctx: Context, unit_id: str, clerk: Principal, now: datetime) -> ClerkQueue:
    unit = ctx.unit(unit_id)
    clerk.require_clerk(unit.id)
    day = service_day(unit, now)
    note_seen(ctx, unit.id, day, f"clerk:{clerk.email}", now)
    state = ctx.store.peek(unit.id, day)
    tickets = {TicketId.parse(t["ticketId"]).short: t for t in ctx.store.list_tickets(unit.id, day)}
    order = state.order(unit.ordering.policy())
    absent = [e for e in state.line if e.absent_since_ms]

    def describe(entry: Entry, display: str) -> dict[str, Any]:
        t: Mapping[str, Any] = tickets.get(entry.short, {})
        return dict(
            ticket_id=f"{unit.id}.{day}.{entry.short}",
            display_number=display,
            name=t.get("name", ""),
            role=t.get("role", ""),
            oab=oab_text(t),
            process_number=t.get("processNumber", ""),
            reason=t.get("reason", ""),
            category=entry.category,
            priority=CLASS_LABELS[entry.klass],
            priority_class=int(entry.klass),
            grounds=json.loads(t.get("grounds") or "[]"),
            companions=entry.companions,
            arrived_at=from_ms(entry.arrived_ms),
            waiting_minutes=max(0, (ms(now) - entry.arrived_ms) // 60000),
            absent=bool(entry.absent_since_ms),
            accessibility=json.loads(t.get("accessibility") or "[]"),
            accessibility_note=t.get("accessibilityNote", ""),
            notice_channels=list(state.reach_of(entry.short).channels),
            here_confirmed=bool(state.reach_of(entry.short).here_ms),
            noticed=noticed_text(t, unit.timezone),
        )

    called = [
        CalledCitizen(
            **describe(c.entry, c.display),
            called_by=c.clerk,
            called_at=from_ms(c.called_ms),
            status=Status.IN_SERVICE if c.started_ms else Status.CALLED,
            meeting=ClerkMeeting(
                c.meeting,
                c.join_url or None,
                tickets.get(c.entry.short, {}).get("clerkJoinUrl") or c.join_url or None,
            ),
            no_show_at=from_ms(c.called_ms + unit.limits.no_show_s * 1000),
        )
        for c in state.called.values()
    ]
    no_shows = sorted(
        (t for t in tickets.values() if t.get("status") == Status.NO_SHOW.value and "seq" in t),
        key=lambda t: str(t.get("no_showAt", "")),
        reverse=True,
    )
    me = state.clerks.get(clerk.email)
    return ClerkQueue(
        unit=UnitRef.of(unit),
        waiting=[Citizen(**describe(e, display_number(e))) for e in order],
        absent=[Citizen(**describe(e, display_number(e))) for e in absent],
        called=called,
        no_shows=[_no_show(describe, t) for t in no_shows],
        clerks={email: c.status for email, c in state.clerks.items()},
        me=Me(clerk.email, me.status if me is not None else "offline"),
        now=now,
    )


def _no_show(describe: Callable[[Entry, str], dict[str, Any]], stored: dict[str, Any]) -> NoShowCitizen:
    entry = entry_of(stored)
    at = str(stored.get("no_showAt") or "")
    return NoShowCitizen(
        **describe(entry, display_number(entry)), no_show_at=datetime.fromisoformat(at) if at else None
    )


def noticed_text(ticket: Mapping[str, Any], timezone: str) -> str:
    """ "avisado por WhatsApp às 10:42": the last notice sent (domain/usecases/citizen_notices.py), at the
    unit's local time, with what its delivery report said (", lido"); one whose delivery failed
    (domain/usecases/delivery_reports.py) does not count."""
    sent = [
        r
        for r in json.loads(str(ticket.get("notices") or "[]"))
        if r.get("outcome") == "sent" and r.get("status") != "failed"
    ]
    if not sent:
        return ""
    last = sent[-1]
    at = datetime.fromisoformat(str(last["at"])).astimezone(ZoneInfo(timezone))
    said = f", {DELIVERY_LABELS[last['status']]}" if last.get("status") in ("delivered", "read") else ""
    return f"avisado por {LABELS.get(str(last['channel']), str(last['channel']))} às {at:%H:%M}{said}"
