"""Joining a unit's queue: validate, check the unit is open and has room, sign a token, and send the
request to the `join-requests` queue (admission places it, domain/usecases/admission.py)."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from domain.arrivals import Arrival
from domain.config import UnitConfig
from domain.contacts import PUSH_HOSTS, NoticeRequest, parse_notices
from domain.errors import AlreadyInQueueError, QueueFullError, UnitClosedError
from domain.ordering import classify
from domain.people import ACCESSIBILITY_NOTE_MAX, Person, PersonInput, Problems, check_person, person_key
from domain.ports import JOIN_QUEUE
from domain.tickets import TicketId
from domain.times import ms
from domain.usecases.citizen_notices import offered_channels
from domain.usecases.context import Context
from domain.usecases.unit_day import service_day
from domain.validation import clean_text

MAX_COMPANIONS = 3
# Accessibility asked for at joining: a Libras interpreter (Res. CNJ 401/2021; the unit's court's
# interpreter is invited when the citizen is called) or another need, described in a few words.
ACCESSIBILITY = ("libras", "outra")


@dataclass(frozen=True)
class JoinInput(PersonInput):
    category: str = ""
    priority: tuple[str, ...] = ()
    companions: int = 0
    accessibility: tuple[str, ...] = ()
    accessibility_note: str = ""
    notices: tuple[NoticeRequest, ...] = ()  # how to be told off the page (issue 13)


@dataclass(frozen=True)
class JoinRequest:
    """A join request as it will be stored: the person, the service category, the priority grounds."""

    person: Person
    category: str
    grounds: tuple[str, ...]
    companions: int
    accessibility: tuple[str, ...] = ()
    accessibility_note: str = ""
    contacts: Mapping[str, str] = field(default_factory=dict)  # channel → contact (personal data)


@dataclass(frozen=True)
class JoinAccepted:
    ticket_id: str
    token: str
    unit_id: str


def validate_join(
    unit: UnitConfig, data: JoinInput, offered: Collection[str] = (), push_hosts: Collection[str] = PUSH_HOSTS
) -> JoinRequest:
    """The join request as it will be stored, or InvalidInputError naming every bad field. `offered`:
    the notice channels the unit offers in this deployment."""
    problems = Problems()
    person = check_person(unit, data, problems)
    categories = {c.id for c in unit.service_categories}
    if categories and data.category not in categories:
        problems.add("category", "escolha o tipo de atendimento")
    problems.check(lambda: classify(data.priority), "priority", None)
    if not 0 <= data.companions <= MAX_COMPANIONS:
        problems.add("companions", f"no máximo {MAX_COMPANIONS} acompanhantes")
    if set(data.accessibility) - set(ACCESSIBILITY):
        problems.add("accessibility", "escolha intérprete de Libras ou outra necessidade")
    note = problems.check(
        lambda: clean_text(
            data.accessibility_note,
            field="accessibilityNote",
            label="a necessidade de acessibilidade",
            max_len=ACCESSIBILITY_NOTE_MAX,
            required=False,
        ),
        "accessibilityNote",
        "",
    )
    no_contacts: dict[str, str] = {}
    contacts = problems.check(
        lambda: parse_notices(data.notices, offered, push_hosts), "notices", no_contacts
    )
    problems.raise_if_any()
    return JoinRequest(
        person,
        data.category if categories else "",
        tuple(sorted(set(data.priority))),
        data.companions,
        tuple(a for a in ACCESSIBILITY if a in data.accessibility),
        note if "outra" in data.accessibility else "",
        contacts,
    )


def check_open(ctx: Context, unit: UnitConfig, now: datetime) -> None:
    """UnitClosedError (with the next opening and the alternatives) unless the unit is open now."""
    if not unit.active:
        raise UnitClosedError("Esta unidade não está atendendo pelo Balcão Virtual.")
    if ctx.always_open:
        return
    calendar = ctx.calendars(unit)
    if not calendar.is_open(now):
        opening = calendar.next_opening(now)
        when = (
            opening.astimezone(ZoneInfo(unit.timezone)).strftime("%d/%m/%Y às %Hh%M")
            if opening
            else "sem data prevista"
        )
        raise UnitClosedError(
            f"A unidade está fechada agora. Próxima abertura: {when} (horário local da unidade).",
            next_opening=opening,
            alternatives=list(unit.alternatives),
        )


def accept_join(ctx: Context, unit_id: str, data: JoinInput, now: datetime) -> JoinAccepted:
    """Validate, check the unit is open and has room, sign a token, and enqueue the request."""
    unit = ctx.unit(unit_id)
    request = validate_join(unit, data, offered_channels(ctx, unit), ctx.push_hosts)
    check_open(ctx, unit, now)
    day = service_day(unit, now)
    key = person_key(ctx.keys, unit.id, request.person)
    state = ctx.store.peek(unit.id, day)
    if state.closed:
        raise UnitClosedError(
            "A fila de hoje desta unidade já foi encerrada.", alternatives=list(unit.alternatives)
        )
    if key in state.persons():
        raise AlreadyInQueueError()
    if state.waiting_count() >= unit.limits.max_waiting:
        raise QueueFullError()
    ticket_id = str(TicketId.new(unit.id, datetime.strptime(day, "%Y%m%d").date()))
    arrival = Arrival(
        ticket_id,
        ms(now),
        key,
        request.person,
        request.category,
        request.grounds,
        request.companions,
        accessibility=request.accessibility,
        accessibility_note=request.accessibility_note,
        channels=tuple(c for c in ctx.config().notices_for(unit).channels if c in request.contacts),
    )
    if request.contacts:  # kept with the ticket, never in the queue message (domain/contacts.py)
        ctx.store.put_contacts(ticket_id, request.contacts)
    ctx.bus.send(JOIN_QUEUE, arrival.to_message())
    return JoinAccepted(ticket_id=ticket_id, token=ctx.keys.sign(ticket_id), unit_id=unit.id)
