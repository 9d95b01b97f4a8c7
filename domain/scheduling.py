"""Scheduling (Res. 372/2021 art. 4): appointments cut from the unit's calendar, booked by a clerk during
an attendance (a follow-up) or by a citizen when the unit allows it.

Slots
    Each effective opening of a day (weekly hours minus holidays and closures, `Calendar.intervals_on`)
    is cut into `slotMinutes` slots from its start; a slot that would end after the opening is not
    offered. `capacity` appointments fit in one slot (clerks attending in parallel). Citizens see the
    slots from `minNoticeMinutes` ahead, clerks from now, up to `daysAhead` days ahead. A slot is named
    by its start in UTC (`YYYYMMDDHHMM`), so a daylight-saving change could never give two slots the
    same name.

Booking (no double booking)
    The holders of a slot are one record (`b.{slot}`) in the unit's partition, and an appointment is
    another (`a.{YYYYMMDD}.{short}`); booking writes both in one transaction guarded by the slot's
    ETag (or by its creation, for the first booking), and starts again when someone else booked first.
    Cancelling gives the place back the same way; rescheduling moves it in one transaction (old slot,
    new slot, old appointment, new appointment).

Who may book
    A clerk, during an attendance (or right after finishing it), books a follow-up with the citizen's
    details copied from the ticket. A citizen books with the same details as for joining the queue
    when the unit's `selfBooking` policy allows it now: `always`, or `when_unavailable` (the unit is
    closed now or its queue is full). Whoever booked, the citizen holds the token and may cancel or
    reschedule until the appointment starts. One booked appointment per person per unit and day.

The appointment day
    The appointment id is a ticket id of the appointment's service day (`{unit}.{YYYYMMDD}.{short}`),
    and its token is that ticket's token. The meeting is created ahead of time through the same
    `MeetingProvider` port with that id (queue `appointment-requests`), so when the citizen is called
    `attach_meeting` gets the very same meeting back (providers are idempotent on the id). The clerks'
    Teams channel gets a reminder `reminderMinutes` before; the citizen's page shows it too. At the
    appointment time (the minute timer, or the citizen's own page, whichever comes first) the
    appointment is claimed and the citizen enters that day's line in the `SCHEDULED` class: straight to
    the front (domain/ordering.py), and the call records "atendimento agendado" as its reason. From then
    on the ticket follows the queue's rules: absent, expired or no-show as anyone else.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from domain.attendance import AttendanceAction, AttendanceEvent
from domain.auth import Principal
from domain.calendar import zone_label
from domain.config import SchedulingConfig, UnitConfig
from domain.errors import (
    ConcurrentUpdateError,
    ConflictError,
    InvalidInputError,
    InvalidTransitionError,
    NotFoundError,
    ProviderError,
    SlotUnavailableError,
    TicketNotFoundError,
    TransientProviderError,
)
from domain.ordering import Entry, PriorityClass
from domain.ports import (
    Calendar,
    DuplicateTicketError,
    MeetingRequest,
    Row,
    RowWrite,
    TicketWrite,
    UnitRecords,
)
from domain.queue import QueueState, ms
from domain.records import record_key, require_record
from domain.services import (
    NOTIFY_QUEUE,
    ROLES,
    SCHEDULED_REASON,
    JoinInput,
    NoChange,
    Services,
    _mutate,
    _now_iso,
    _oab_text,
    _ticket_fields,
    display_number,
    service_day,
    validate_join,
)
from domain.tickets import Action, Status, TicketEvent, TicketId
from domain.validation import person_fingerprint

APPOINTMENT_QUEUE = "appointment-requests"
MAX_ATTEMPTS = 30
_DAY = timedelta(days=1)


class AppointmentStatus(StrEnum):
    BOOKED = "booked"
    ADMITTED = "admitted"  # the time came: the citizen is in the day's line (then the ticket rules)
    CANCELLED = "cancelled"
    RESCHEDULED = "rescheduled"
    MISSED = "missed"  # the day ended (or the unit closed) before the citizen could enter the line


STATUS_TEXT = {
    AppointmentStatus.BOOKED: "Agendado",
    AppointmentStatus.ADMITTED: "Na fila (horário agendado)",
    AppointmentStatus.CANCELLED: "Cancelado",
    AppointmentStatus.RESCHEDULED: "Remarcado",
    AppointmentStatus.MISSED: "Não realizado",
}


# ------------------------------------------------------------------------------------------------
# Slots (pure)


@dataclass(frozen=True)
class Slot:
    start: datetime  # aware, in the unit's zone
    end: datetime

    @property
    def key(self) -> str:
        return f"{self.start.astimezone(UTC):%Y%m%d%H%M}"

    @property
    def day(self) -> date:
        return self.start.date()


def slot_grid(
    calendar: Calendar, slot_minutes: int, first_day: date, last_day: date, earliest: datetime
) -> list[Slot]:
    """The slots of the local days first_day..last_day that start at or after `earliest`."""
    length = timedelta(minutes=slot_minutes)
    out: dict[str, Slot] = {}
    day = first_day
    while day <= last_day:
        for interval in calendar.intervals_on(day):
            zone = interval.start.tzinfo
            t, end = interval.start.astimezone(UTC), interval.end.astimezone(UTC)
            while t + length <= end:
                if t >= earliest:
                    slot = Slot(t.astimezone(zone), (t + length).astimezone(zone))
                    out.setdefault(slot.key, slot)
                t += length
        day += _DAY
    return sorted(out.values(), key=lambda s: s.key)


def slot_window(unit: UnitConfig, now: datetime) -> tuple[date, date]:
    """The local days on which appointments may be booked: today to `daysAhead` days ahead."""
    today = now.astimezone(ZoneInfo(unit.timezone)).date()
    return today, today + timedelta(days=unit.scheduling.days_ahead)


def _settings(unit: UnitConfig) -> SchedulingConfig:
    if not unit.scheduling.enabled:
        raise NotFoundError("Esta unidade não oferece agendamento pelo Balcão Virtual.")
    return unit.scheduling


def find_slot(
    svc: Services, unit: UnitConfig, starts_at: datetime, now: datetime, *, for_clerk: bool
) -> Slot:
    """The unit's slot starting at `starts_at`, or SlotUnavailableError (outside the hours, on a closed
    day, too soon, too far ahead, or not on the slot grid)."""
    settings = _settings(unit)
    if starts_at.tzinfo is None:
        raise InvalidInputError(
            "Informe o horário com o fuso (ISO 8601).", fields={"startsAt": "data e hora com fuso"}
        )
    local = starts_at.astimezone(ZoneInfo(unit.timezone))
    first, last = slot_window(unit, now)
    earliest = now if for_clerk else now + timedelta(minutes=settings.min_notice_minutes)
    if first <= local.date() <= last:
        grid = slot_grid(svc.calendar_for(unit), settings.slot_minutes, local.date(), local.date(), earliest)
        for slot in grid:
            if slot.start == local:
                return slot
    raise SlotUnavailableError(
        "Este horário não está na agenda da unidade. Escolha um dos horários oferecidos."
    )


# ------------------------------------------------------------------------------------------------
# Records


def _iso(t: datetime) -> str:
    return _now_iso(t)


def _when(value: Any) -> datetime:
    return datetime.fromisoformat(str(value))


def _appointment_key(appointment_id: str) -> tuple[TicketId, str]:
    return record_key("a", appointment_id)


def _get(records: UnitRecords, appointment_id: str) -> Row:
    return require_record(records, "a", appointment_id, "Agendamento não encontrado.")


def _holders(row: Row | None) -> list[str]:
    return [h for h in str(row.fields.get("holders", "") if row else "").split(",") if h]


def _take_place(records: UnitRecords, unit: UnitConfig, slot: Slot, short: str) -> RowWrite:
    row = records.get(unit.id, f"b.{slot.key}")
    holders = _holders(row)
    if len(holders) >= unit.scheduling.capacity:
        raise SlotUnavailableError("Este horário acabou de ser reservado. Escolha outro.")
    fields = {"holders": ",".join([*holders, short]), "count": len(holders) + 1, "startsAt": _iso(slot.start)}
    if row is None:
        return RowWrite(f"b.{slot.key}", fields, mode="create")
    return RowWrite(row.key, fields, mode="replace", etag=row.etag)


def _give_back(records: UnitRecords, unit_id: str, slot_key: str, short: str) -> RowWrite | None:
    row = records.get(unit_id, f"b.{slot_key}")
    if row is None or short not in _holders(row):
        return None
    holders = [h for h in _holders(row) if h != short]
    fields = {**row.fields, "holders": ",".join(holders), "count": len(holders)}
    return RowWrite(row.key, fields, mode="replace", etag=row.etag)


def _commit_retrying(records: UnitRecords, unit_id: str, build: Callable[[], list[RowWrite]]) -> None:
    """Read, check and write again until no one else wrote in between (ETags), as `_mutate` does."""
    for attempt in range(MAX_ATTEMPTS):
        writes = build()
        try:
            records.commit(unit_id, writes)
            return
        except ConcurrentUpdateError:
            time.sleep(random.uniform(0, min(0.2, 0.005 * 2 ** min(attempt, 6))))
    raise ConcurrentUpdateError()


def _new_id(unit: UnitConfig, slot: Slot) -> TicketId:
    return TicketId.new(unit.id, slot.day)


def _person_fields(
    unit: UnitConfig, clean: Mapping[str, Any], data: JoinInput, person: str
) -> dict[str, Any]:
    oab = clean.get("oab", ("", ""))
    return {
        "name": clean["name"],
        "role": data.role,
        "oabNumber": oab[0],
        "oabState": oab[1],
        "processNumber": clean.get("processNumber", ""),
        "reason": clean["reason"],
        "category": clean["category"],
        "grounds": json.dumps(clean["grounds"]),
        "companions": clean["companions"],
        "person": person,
    }


_PERSON_KEYS = (
    "name",
    "role",
    "oabNumber",
    "oabState",
    "processNumber",
    "reason",
    "category",
    "grounds",
    "companions",
    "person",
)


def _appointment_fields(
    unit: UnitConfig, tid: TicketId, slot: Slot, person: Mapping[str, Any], now: datetime, **extra: Any
) -> dict[str, Any]:
    return {
        "appointmentId": str(tid),
        "unitId": unit.id,
        "slot": slot.key,
        "startsAt": _iso(slot.start),
        "endsAt": _iso(slot.end),
        "status": AppointmentStatus.BOOKED.value,
        "bookedAt": _iso(now),
        "reminded": False,
        "inLine": False,
        "meetingStatus": "pending",
        **{k: person.get(k, "") for k in _PERSON_KEYS},
        **extra,
    }


@dataclass(frozen=True)
class Booking:
    appointment_id: str
    token: str
    status_url: str
    starts_at: datetime
    ends_at: datetime

    def to_json(self) -> dict[str, Any]:
        return {
            "appointmentId": self.appointment_id,
            "token": self.token,
            "statusUrl": self.status_url,
            "startsAt": self.starts_at.isoformat(),
            "endsAt": self.ends_at.isoformat(),
            "status": AppointmentStatus.BOOKED.value,
        }


def _booking(svc: Services, tid: TicketId, slot: Slot) -> Booking:
    appointment_id = str(tid)
    return Booking(
        appointment_id,
        svc.keys.sign(appointment_id),
        f"{svc.public_base_url}/api/tickets/{appointment_id}/appointment",
        slot.start,
        slot.end,
    )


# ------------------------------------------------------------------------------------------------
# Slots on offer


def self_booking(svc: Services, unit: UnitConfig, now: datetime) -> tuple[bool, str]:
    """Whether a citizen may book on their own now, and why (pt-BR)."""
    policy = unit.scheduling.self_booking
    if not unit.active:
        return False, "Esta unidade não está atendendo pelo Balcão Virtual."
    if policy == "never":
        return False, "Nesta unidade, o retorno é agendado pelo(a) servidor(a) durante o atendimento."
    if policy == "always":
        return True, "Escolha um dos horários disponíveis."
    open_now = svc.always_open or svc.calendar_for(unit).is_open(now)
    state = svc.store.peek(unit.id, service_day(unit, now), max_age_s=5.0)
    if not open_now or state.closed:
        return True, "A unidade está fechada agora: você pode agendar um horário."
    if state.waiting_count() >= unit.limits.max_waiting:
        return True, "A fila está cheia agora: você pode agendar um horário."
    return False, "A unidade está atendendo agora: entre na fila para ser atendido(a) hoje."


def available_slots(
    svc: Services,
    records: UnitRecords,
    unit_id: str,
    now: datetime,
    *,
    clerk: Principal | None = None,
    first: date | None = None,
    days: int = 0,
) -> dict[str, Any]:
    """The free slots of the booking window (from `first`, for `days` days), grouped by local day."""
    unit = svc.unit(unit_id)
    if clerk is not None:
        clerk.require_clerk(unit.id)
    head: dict[str, Any] = {"unit": {"id": unit.id, "name": unit.name}, "timezone": unit.timezone}
    if not unit.scheduling.enabled or not unit.active:
        return {**head, "enabled": False, "days": []}
    settings = unit.scheduling
    calendar = svc.calendar_for(unit)
    today, last = slot_window(unit, now)
    start_day = max(today, first or today)
    end_day = min(last, start_day + timedelta(days=days - 1)) if days > 0 else last
    earliest = now if clerk is not None else now + timedelta(minutes=settings.min_notice_minutes)
    grid = slot_grid(calendar, settings.slot_minutes, start_day, end_day, earliest)
    taken: dict[str, int] = {}
    if grid:
        for row in records.query(unit.id, f"b.{grid[0].key}", f"b.{grid[-1].key}"):
            taken[row.key[2:]] = len(_holders(row))
    by_day: dict[date, list[dict[str, Any]]] = {}
    for slot in grid:
        free = settings.capacity - taken.get(slot.key, 0)
        if free > 0:
            by_day.setdefault(slot.day, []).append(
                {
                    "startsAt": slot.start.isoformat(),
                    "endsAt": slot.end.isoformat(),
                    "time": _hhmm(slot.start),
                    "free": free,
                }
            )
    allowed, why = self_booking(svc, unit, now)
    return {
        **head,
        "enabled": True,
        "slotMinutes": settings.slot_minutes,
        "capacity": settings.capacity,
        "hoursText": calendar.hours_text(),
        "selfBooking": {"policy": settings.self_booking, "allowed": allowed, "message": why},
        "days": [
            {"date": d.isoformat(), "label": _day_label(d), "slots": slots}
            for d, slots in sorted(by_day.items())
        ],
    }


_WEEKDAYS = (
    "segunda-feira",
    "terça-feira",
    "quarta-feira",
    "quinta-feira",
    "sexta-feira",
    "sábado",
    "domingo",
)


def _day_label(d: date) -> str:
    return f"{_WEEKDAYS[d.weekday()]}, {d:%d/%m/%Y}"


def _hhmm(t: datetime) -> str:
    return f"{t:%H}h{t:%M}"


# ------------------------------------------------------------------------------------------------
# Booking, cancelling, rescheduling


def book(
    svc: Services, records: UnitRecords, unit_id: str, data: JoinInput, starts_at: datetime, now: datetime
) -> Booking:
    """A citizen books a slot (when the unit's policy allows it now). Returns the appointment's token."""
    unit = svc.unit(unit_id)
    _settings(unit)
    clean = validate_join(unit, data)
    allowed, why = self_booking(svc, unit, now)
    if not allowed:
        raise InvalidTransitionError(why)
    slot = find_slot(svc, unit, starts_at, now, for_clerk=False)
    oab = clean.get("oab", ("", ""))
    person = svc.keys.fingerprint(f"{unit.id}|{person_fingerprint(clean['name'], data.role, ''.join(oab))}")
    day = f"{slot.day:%Y%m%d}"
    booked = records.query(
        unit.id, f"a.{day}.", f"a.{day}.~", where={"status": AppointmentStatus.BOOKED.value}
    )
    if any(r.fields.get("person") == person for r in booked):
        raise ConflictError("Você já tem um horário agendado nesta unidade para este dia.")
    tid = _new_id(unit, slot)
    fields = _appointment_fields(
        unit, tid, slot, _person_fields(unit, clean, data, person), now, source="citizen", bookedBy="citizen"
    )
    _commit_retrying(
        records,
        unit.id,
        lambda: [
            _take_place(records, unit, slot, tid.short),
            RowWrite(f"a.{day}.{tid.short}", fields, "create"),
        ],
    )
    svc.bus.send(APPOINTMENT_QUEUE, {"appointmentId": str(tid)})
    return _booking(svc, tid, slot)


FOLLOW_UP_STATUSES = frozenset({Status.CALLED.value, Status.IN_SERVICE.value, Status.DONE.value})


def offer_follow_up(
    svc: Services,
    records: UnitRecords,
    unit_id: str,
    ticket_id: str,
    clerk: Principal,
    starts_at: datetime,
    now: datetime,
) -> Booking:
    """The clerk books a follow-up for the citizen being attended (or just attended): the citizen's
    details come from the ticket, and the citizen's page shows the appointment (`follow_up_view`)."""
    unit = svc.unit(unit_id)
    clerk.require_clerk(unit.id)
    _settings(unit)
    tid = TicketId.parse(ticket_id)
    if tid.unit_id != unit.id:
        raise TicketNotFoundError()
    stored = svc.store.get_ticket(ticket_id)
    if stored is None:
        raise TicketNotFoundError()
    if stored.get("status") not in FOLLOW_UP_STATUSES:
        raise InvalidTransitionError("O retorno é agendado durante o atendimento (ou logo após finalizá-lo).")
    previous = stored.get("followUpId")
    if previous:
        row = records.get(unit.id, _appointment_key(previous)[1])
        if row is not None and row.fields.get("status") == AppointmentStatus.BOOKED.value:
            raise ConflictError(
                "Este atendimento já tem um retorno agendado; o(a) cidadão(ã) pode remarcá-lo."
            )
    slot = find_slot(svc, unit, starts_at, now, for_clerk=True)
    new = _new_id(unit, slot)
    person = {k: stored.get(k, "") for k in _PERSON_KEYS}
    person["grounds"] = stored.get("grounds") or "[]"
    fields = _appointment_fields(
        unit, new, slot, person, now, source="clerk", bookedBy=clerk.email, followUpOf=ticket_id
    )
    day = f"{slot.day:%Y%m%d}"
    _commit_retrying(
        records,
        unit.id,
        lambda: [
            _take_place(records, unit, slot, new.short),
            RowWrite(f"a.{day}.{new.short}", fields, "create"),
        ],
    )

    def change(state: QueueState) -> tuple[None, list[TicketWrite]]:
        current = svc.store.get_ticket(ticket_id) or stored
        event = AttendanceEvent(
            ticket_id,
            AttendanceAction.FOLLOW_UP,
            Status(current["status"]),
            now,
            clerk.email,
            "retorno agendado",
            data={"appointmentId": str(new), "startsAt": _iso(slot.start)},
        )
        return None, [
            TicketWrite(ticket_id, {"followUpId": str(new), "followUpAt": _iso(slot.start)}, event=event)
        ]

    _mutate(svc, unit.id, f"{tid.day:%Y%m%d}", change)
    svc.bus.send(APPOINTMENT_QUEUE, {"appointmentId": str(new)})
    return _booking(svc, new, slot)


def cancel(svc: Services, records: UnitRecords, appointment_id: str, token: str, now: datetime) -> None:
    """The citizen cancels (with the token) until the appointment starts; the place goes back on offer."""
    tid, key = _appointment_key(appointment_id)
    svc.keys.verify(appointment_id, token)
    svc.unit(tid.unit_id)

    def build() -> list[RowWrite]:
        row = _get(records, appointment_id)
        _require_changeable(row, now, "cancelar")
        writes = [
            RowWrite(
                key,
                {"status": AppointmentStatus.CANCELLED.value, "cancelledAt": _iso(now)},
                "merge",
                row.etag,
            )
        ]
        release = _give_back(records, tid.unit_id, str(row.fields["slot"]), tid.short)
        return [*writes, release] if release else writes

    _commit_retrying(records, tid.unit_id, build)


def reschedule(
    svc: Services, records: UnitRecords, appointment_id: str, token: str, starts_at: datetime, now: datetime
) -> Booking:
    """The citizen moves the appointment to another free slot (a new appointment id and token; the old
    one points to it). Allowed whoever booked it, as long as the unit still schedules."""
    old, old_key = _appointment_key(appointment_id)
    svc.keys.verify(appointment_id, token)
    unit = svc.unit(old.unit_id)
    slot = find_slot(svc, unit, starts_at, now, for_clerk=False)
    new = _new_id(unit, slot)
    new_key = f"a.{slot.day:%Y%m%d}.{new.short}"

    def build() -> list[RowWrite]:
        row = _get(records, appointment_id)
        _require_changeable(row, now, "remarcar")
        if row.fields.get("slot") == slot.key:
            raise SlotUnavailableError("Escolha um horário diferente do atual.")
        person = {k: row.fields.get(k, "") for k in _PERSON_KEYS}
        extra = {k: row.fields[k] for k in ("source", "bookedBy", "followUpOf") if row.fields.get(k)}
        fields = _appointment_fields(unit, new, slot, person, now, rescheduledFrom=appointment_id, **extra)
        writes = [
            _take_place(records, unit, slot, new.short),
            RowWrite(new_key, fields, "create"),
            RowWrite(
                old_key,
                {
                    "status": AppointmentStatus.RESCHEDULED.value,
                    "rescheduledTo": str(new),
                    "rescheduledAt": _iso(now),
                },
                "merge",
                row.etag,
            ),
        ]
        release = _give_back(records, unit.id, str(row.fields["slot"]), old.short)
        return [*writes, release] if release else writes

    _commit_retrying(records, unit.id, build)
    svc.bus.send(APPOINTMENT_QUEUE, {"appointmentId": str(new)})
    return _booking(svc, new, slot)


def _require_changeable(row: Row, now: datetime, verb: str) -> None:
    status = AppointmentStatus(row.fields.get("status", AppointmentStatus.BOOKED.value))
    if status != AppointmentStatus.BOOKED:
        raise InvalidTransitionError(f"Não é possível {verb} um agendamento {STATUS_TEXT[status].lower()}.")
    if now >= _when(row.fields["startsAt"]):
        raise InvalidTransitionError(
            f"O horário agendado já começou; não é possível {verb}. Acompanhe pela página da senha."
        )


# ------------------------------------------------------------------------------------------------
# What the citizen sees


def appointment_view(
    svc: Services, records: UnitRecords, appointment_id: str, token: str, now: datetime
) -> dict[str, Any]:
    """The appointment on the citizen's page: when, the reminder, cancel/reschedule, and once the time
    has come the ticket to follow (the same id and token). Opening it at the time admits the citizen."""
    tid, _ = _appointment_key(appointment_id)
    svc.keys.verify(appointment_id, token)
    unit = svc.unit(tid.unit_id)
    row = _get(records, appointment_id)
    status = row.fields.get("status")
    if (status == AppointmentStatus.BOOKED.value and now >= _when(row.fields["startsAt"])) or (
        status == AppointmentStatus.ADMITTED.value and not row.fields.get("inLine")
    ):
        admit_appointment(svc, records, unit, row, now)
        row = _get(records, appointment_id)
    return _citizen_view(svc, unit, row, now)


def _citizen_view(svc: Services, unit: UnitConfig, row: Row, now: datetime) -> dict[str, Any]:
    f = row.fields
    zone = ZoneInfo(unit.timezone)
    calendar = svc.calendar_for(unit)
    starts, ends = _when(f["startsAt"]).astimezone(zone), _when(f["endsAt"]).astimezone(zone)
    status = AppointmentStatus(f.get("status", "booked"))
    appointment_id = str(f["appointmentId"])
    before = status == AppointmentStatus.BOOKED and now < starts
    reminder_from = starts - timedelta(minutes=unit.scheduling.reminder_minutes)
    near = now >= reminder_from and status in (AppointmentStatus.BOOKED, AppointmentStatus.ADMITTED)
    view: dict[str, Any] = {
        "appointmentId": appointment_id,
        "unit": {"id": unit.id, "name": unit.name},
        "status": status.value,
        "statusText": STATUS_TEXT[status],
        "startsAt": starts.isoformat(),
        "endsAt": ends.isoformat(),
        "when": calendar.format_instant(starts),
        "bookedBy": "servidor" if f.get("source") == "clerk" else "cidadao",
        "followUp": bool(f.get("followUpOf")),
        "reason": next((r.label for r in unit.reasons if r.id == f.get("reason")), ""),
        "canCancel": before,
        "canReschedule": before and unit.scheduling.enabled,
        "reminder": None,
        "meeting": {
            "status": f.get("meetingStatus", "pending"),
            "joinUrl": (f.get("joinUrl") or None) if near else None,
        },
    }
    if before and near:
        view["reminder"] = (
            f"Seu atendimento agendado começa às {_hhmm(starts)} (horário de {zone_label(zone)}). "
            "Mantenha esta página aberta: no horário, você entra na frente da fila."
        )
    if status == AppointmentStatus.ADMITTED:
        view["ticket"] = {
            "ticketId": appointment_id,
            "statusUrl": f"{svc.public_base_url}/api/tickets/{appointment_id}",
        }
    if status == AppointmentStatus.RESCHEDULED and f.get("rescheduledTo"):
        new_id = str(f["rescheduledTo"])
        view["rescheduledTo"] = {
            "appointmentId": new_id,
            "token": svc.keys.sign(new_id),
            "statusUrl": f"{svc.public_base_url}/api/tickets/{new_id}/appointment",
        }
    if status in (AppointmentStatus.CANCELLED, AppointmentStatus.MISSED):
        view["alternatives"] = list(unit.alternatives)
    if status == AppointmentStatus.MISSED:
        view["message"] = "O horário passou sem que o atendimento começasse. Agende de novo ou entre na fila."
    return view


def follow_up_view(svc: Services, records: UnitRecords, ticket_id: str, token: str) -> dict[str, Any]:
    """The follow-up a clerk booked during this ticket's attendance, with its own token."""
    tid = TicketId.parse(ticket_id)
    svc.keys.verify(ticket_id, token)
    unit = svc.unit(tid.unit_id)
    stored = svc.store.get_ticket(ticket_id) or {}
    follow_up = stored.get("followUpId")
    if not follow_up:
        raise NotFoundError("Nenhum retorno foi agendado neste atendimento.")
    row = _get(records, follow_up)
    zone = ZoneInfo(unit.timezone)
    starts = _when(row.fields["startsAt"]).astimezone(zone)
    return {
        "appointmentId": follow_up,
        "token": svc.keys.sign(follow_up),
        "statusUrl": f"{svc.public_base_url}/api/tickets/{follow_up}/appointment",
        "startsAt": starts.isoformat(),
        "when": svc.calendar_for(unit).format_instant(starts),
        "status": row.fields.get("status"),
    }


# ------------------------------------------------------------------------------------------------
# What the clerks see


def clerk_appointments(
    svc: Services, records: UnitRecords, unit_id: str, clerk: Principal, day: date | None, now: datetime
) -> dict[str, Any]:
    """The appointments of a local day (default today), in time order, with the citizen's details."""
    unit = svc.unit(unit_id)
    clerk.require_clerk(unit.id)
    zone = ZoneInfo(unit.timezone)
    when = day or now.astimezone(zone).date()
    rows = records.query(unit.id, f"a.{when:%Y%m%d}.", f"a.{when:%Y%m%d}.~")
    items = []
    for row in sorted(rows, key=lambda r: (str(r.fields.get("startsAt")), r.key)):
        f = row.fields
        starts = _when(f["startsAt"]).astimezone(zone)
        status = AppointmentStatus(f.get("status", "booked"))
        items.append(
            {
                "appointmentId": f["appointmentId"],
                "startsAt": starts.isoformat(),
                "endsAt": _when(f["endsAt"]).astimezone(zone).isoformat(),
                "time": _hhmm(starts),
                "status": status.value,
                "statusText": STATUS_TEXT[status],
                "bookedBy": f.get("bookedBy", ""),
                "followUpOf": f.get("followUpOf") or None,
                "name": f.get("name", ""),
                "role": ROLES.get(str(f.get("role", "")), ""),
                "oab": _oab_text(f),
                "processNumber": f.get("processNumber", ""),
                "reason": next(
                    (r.label for r in unit.reasons if r.id == f.get("reason")), f.get("reason", "")
                ),
                "reminded": bool(f.get("reminded")),
                "meeting": {
                    "status": f.get("meetingStatus", "pending"),
                    "joinUrl": f.get("clerkJoinUrl") or f.get("joinUrl") or None,
                },
            }
        )
    return {"unit": {"id": unit.id, "name": unit.name}, "day": when.isoformat(), "appointments": items}


# ------------------------------------------------------------------------------------------------
# The meeting ahead of time (appointment-requests queue)


def prepare_meeting(svc: Services, records: UnitRecords, appointment_id: str, last_try: bool) -> str:
    """Create the appointment's meeting ahead of time (idempotent: providers key it on the id).

    A transient failure is retried by the queue; a lasting one is recorded ("failed") and the meeting
    is created again when the citizen is called, as for anyone in line."""
    tid, key = _appointment_key(appointment_id)
    unit = svc.unit(tid.unit_id)
    row = records.get(unit.id, key)
    if row is None or row.fields.get("status") not in (AppointmentStatus.BOOKED, AppointmentStatus.ADMITTED):
        return "gone"
    if row.fields.get("meetingStatus") == "ready":
        return "ready"
    starts = _when(row.fields["startsAt"])
    provider = svc.meetings.get(unit.meeting.provider)
    try:
        if provider is None:
            raise ProviderError(f"Provedor de reunião não configurado: {unit.meeting.provider}")
        meeting = provider.create(
            MeetingRequest(
                ticket_id=appointment_id,
                unit_id=unit.id,
                unit_name=unit.name,
                display_number=f"agendada {_hhmm(starts.astimezone(ZoneInfo(unit.timezone)))}",
                provider=unit.meeting.provider,
                organizer=unit.meeting.organizer,
                starts_at=starts,
            )
        )
    except TransientProviderError:
        if not last_try:
            raise
        records.commit(unit.id, [RowWrite(key, {"meetingStatus": "failed"})])
        return "failed"
    except ProviderError as exc:
        records.commit(unit.id, [RowWrite(key, {"meetingStatus": "failed", "meetingError": exc.message})])
        return "failed"
    records.commit(
        unit.id,
        [
            RowWrite(
                key,
                {
                    "meetingStatus": "ready",
                    "joinUrl": meeting.join_url,
                    "clerkJoinUrl": meeting.clerk_join_url or "",
                    "meetingId": meeting.meeting_id,
                    "meetingProvider": meeting.provider,
                },
            )
        ],
    )
    return "ready"


# ------------------------------------------------------------------------------------------------
# The appointment time: reminder, then straight to the front of the line (minute timer)


def run_appointments(svc: Services, records: UnitRecords, now: datetime) -> dict[str, int]:
    """For every unit that schedules: remind the clerks of the appointments about to start, admit those
    whose time has come, and close those of days gone by. Returns counts by outcome."""
    counts: dict[str, int] = {}
    for unit in svc.config().units:
        if not (unit.active and unit.scheduling.enabled):
            continue
        zone = ZoneInfo(unit.timezone)
        today = now.astimezone(zone).date()
        horizon = (now + timedelta(minutes=unit.scheduling.reminder_minutes)).astimezone(zone).date()
        pending = records.query(unit.id, f"a.{today - _DAY:%Y%m%d}.", f"a.{horizon:%Y%m%d}.~")
        for row in pending:
            outcome = _due(svc, records, unit, row, now)
            if outcome:
                counts[outcome] = counts.get(outcome, 0) + 1
    return counts


def _due(svc: Services, records: UnitRecords, unit: UnitConfig, row: Row, now: datetime) -> str:
    status = row.fields.get("status")
    starts = _when(row.fields["startsAt"])
    if status == AppointmentStatus.BOOKED.value and now >= starts:
        return admit_appointment(svc, records, unit, row, now)
    if status == AppointmentStatus.ADMITTED.value and not row.fields.get("inLine"):
        return admit_appointment(svc, records, unit, row, now)
    reminder_from = starts - timedelta(minutes=unit.scheduling.reminder_minutes)
    if status == AppointmentStatus.BOOKED.value and now >= reminder_from and not row.fields.get("reminded"):
        return "reminded" if _remind(svc, records, unit, row, now) else ""
    return ""


def _remind(svc: Services, records: UnitRecords, unit: UnitConfig, row: Row, now: datetime) -> bool:
    f = row.fields
    zone = ZoneInfo(unit.timezone)
    starts = _when(f["startsAt"]).astimezone(zone)
    # The card first, then the mark: a crash in between sends the card again, and its dedup key
    # keeps the channel from showing it twice.
    svc.bus.send(
        NOTIFY_QUEUE,
        {
            "kind": "appointment_reminder",
            "unitId": unit.id,
            "dedupKey": f"remind.{row.key}",
            "starts_at_text": f"{_hhmm(starts)} (horário de {zone_label(zone)})",
            "appointment_kind": "Retorno agendado pelo(a) servidor(a)"
            if f.get("source") == "clerk"
            else "Agendado pelo(a) cidadão(ã)",
            "reason": next((r.label for r in unit.reasons if r.id == f.get("reason")), ""),
            "join_url": f.get("joinUrl", ""),
            "clerk_join_url": f.get("clerkJoinUrl", ""),
        },
    )
    try:
        records.commit(
            unit.id, [RowWrite(row.key, {"reminded": True, "remindedAt": _iso(now)}, "merge", row.etag)]
        )
    except ConcurrentUpdateError:
        return False  # changed meanwhile (cancelled, admitted): the next pass decides again
    return True


def admit_appointment(svc: Services, records: UnitRecords, unit: UnitConfig, row: Row, now: datetime) -> str:
    """Claim the appointment (ETag), then put the citizen at the front of the day's line. Idempotent:
    a second run finds the claim, and the ticket's creation recognises a replay."""
    f = row.fields
    appointment_id = str(f["appointmentId"])
    tid, key = _appointment_key(appointment_id)
    day = f"{tid.day:%Y%m%d}"
    if f.get("status") == AppointmentStatus.BOOKED.value:
        state = svc.store.peek(unit.id, day, max_age_s=0.0)
        late = service_day(unit, now) != day or state.closed == "closed"
        status = AppointmentStatus.MISSED if late else AppointmentStatus.ADMITTED
        try:
            records.commit(
                unit.id,
                [RowWrite(key, {"status": status.value, f"{status.value}At": _iso(now)}, "merge", row.etag)],
            )
        except ConcurrentUpdateError:
            fresh = records.get(unit.id, key)
            if fresh is None or fresh.fields.get("status") != AppointmentStatus.ADMITTED.value:
                return ""  # cancelled or rescheduled at the last moment
            f = fresh.fields
        if status == AppointmentStatus.MISSED:
            return "missed"
    elif f.get("status") != AppointmentStatus.ADMITTED.value or f.get("inLine"):
        return ""
    _enter_line(svc, unit, appointment_id, f, now)
    records.commit(unit.id, [RowWrite(key, {"inLine": True})])
    return "admitted"


def _enter_line(
    svc: Services, unit: UnitConfig, appointment_id: str, f: Mapping[str, Any], now: datetime
) -> None:
    tid = TicketId.parse(appointment_id)
    starts_ms = ms(_when(f["startsAt"]))
    request = {
        **{k: f.get(k, "") for k in _PERSON_KEYS},
        "ticketId": appointment_id,
        "arrivedMs": starts_ms,
        "grounds": json.loads(str(f.get("grounds") or "[]")),
        "companions": int(f.get("companions") or 0),
    }

    def change(state: QueueState) -> tuple[None, list[TicketWrite]]:
        if state.find(tid.short) is not None or tid.short in state.called:
            raise NoChange()
        entry = state.admit(
            Entry(
                short=tid.short,
                klass=PriorityClass.SCHEDULED,
                arrived_ms=starts_ms,
                seq=0,
                category=str(f.get("category", "")),
                companions=int(f.get("companions") or 0),
                person=str(f.get("person", "")),
            )
        )
        fields = _ticket_fields(request)
        fields.update(
            status=Status.WAITING.value,
            seq=entry.seq,
            display=display_number(unit, entry),
            priorityClass=int(entry.klass),
            admittedAt=_iso(now),
            appointmentId=appointment_id,
            scheduledFor=str(f["startsAt"]),
        )
        event = TicketEvent(
            appointment_id,
            Action.ADMIT,
            Status.WAITING,
            now,
            "system",
            SCHEDULED_REASON,
            data={
                "klass": int(entry.klass),
                "role": fields["role"],
                "reason": fields["reason"],
                "position": state.positions(unit.ordering.policy()).get(tid.short, 0),
            },
        )
        return None, [TicketWrite(appointment_id, fields, create=True, event=event)]

    try:
        _mutate(svc, unit.id, f"{tid.day:%Y%m%d}", change)
    except DuplicateTicketError:
        pass  # entered on an earlier run
