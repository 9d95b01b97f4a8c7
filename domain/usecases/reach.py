"""How a citizen is reached off the page (issue 13): the channels a unit offers, the citizen's choice
(at joining or later, `PUT /api/tickets/{id}/notices`), "Estou aqui" near the front, the near-front
notice, and a called citizen put back in line once before no-show.

The channel names live in the queue state (`Reach`, no personal data), so that polls and the upkeep
read them for free; the contacts live in the ticket's companion row (domain/contacts.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from domain.config import UnitConfig
from domain.contacts import NoticeRequest, parse_notices
from domain.errors import InvalidTransitionError
from domain.queue import QueueState, Reach
from domain.tickets import AttendanceAction, AttendanceEvent, Status, TicketId, TicketWrite
from domain.times import iso_utc, ms
from domain.usecases.citizen_notices import offered_channels
from domain.usecases.citizen_view import note_seen
from domain.usecases.context import Context
from domain.usecases.unit_day import NoChange, mutate, ticket_day

NOT_IN_LINE = "Sua senha não está mais na fila."


def check_notices(ctx: Context, unit: UnitConfig, items: Sequence[NoticeRequest]) -> dict[str, str]:
    """Channel → contact, validated (InvalidInputError naming each bad field)."""
    return parse_notices(items, offered_channels(ctx, unit), ctx.push_hosts)


@dataclass(frozen=True)
class ReachView:
    channels: tuple[str, ...]
    reachable: bool


def set_notices(
    ctx: Context, ticket_id: str, token: str, items: Sequence[NoticeRequest], now: datetime
) -> ReachView:
    """Replace the ticket's channels (an empty list: none). Validated before anything is stored; only a
    ticket in line or called can change them (one not admitted yet gets a 409: it is admitted within
    a second or two)."""
    tid = TicketId.parse(ticket_id)
    ctx.keys.verify(ticket_id, token)
    unit = ctx.unit(tid.unit_id)
    contacts = check_notices(ctx, unit, items)
    names: list[str] = [name for name in ctx.config().notices_for(unit).channels if name in contacts]

    def change(state: QueueState) -> tuple[None, list[TicketWrite]]:
        if state.find(tid.short) is None and tid.short not in state.called:
            raise InvalidTransitionError(NOT_IN_LINE)
        reach = state.reach.setdefault(tid.short, Reach())
        reach.channels, reach.lost = names, ""
        return None, []

    mutate(ctx, unit.id, ticket_day(tid), change)
    ctx.store.put_contacts(ticket_id, contacts)
    return ReachView(tuple(names), bool(names))


def confirm_here(ctx: Context, ticket_id: str, token: str, now: datetime) -> None:
    """ "Estou aqui": a sign of life, shown to the clerk and written once in the audit trail."""
    tid = TicketId.parse(ticket_id)
    ctx.keys.verify(ticket_id, token)
    unit = ctx.unit(tid.unit_id)
    day = ticket_day(tid)
    note_seen(ctx, unit.id, day, tid.short, now)

    def change(state: QueueState) -> tuple[None, list[TicketWrite]]:
        entry = state.find(tid.short)
        called = state.called.get(tid.short)
        if entry is None and called is None:
            raise InvalidTransitionError(NOT_IN_LINE)
        reach = state.reach.setdefault(tid.short, Reach())
        if reach.here_ms:
            raise NoChange()  # said already: a sign of life, nothing more to write
        reach.here_ms = ms(now)
        status = Status.CALLED if called is not None else Status.WAITING
        if entry is not None and entry.absent_since_ms:
            status = Status.ABSENT
        event = AttendanceEvent(ticket_id, AttendanceAction.HERE, status, now, "citizen", "estou aqui")
        return None, [TicketWrite(ticket_id, {"hereAt": iso_utc(now)}, event=event)]

    mutate(ctx, unit.id, day, change)
