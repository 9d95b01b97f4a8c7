"""Appointments (Res. 372/2021 art. 4): their lifecycle as a table of allowed transitions, and their
records in the unit's partition (`UnitRecords`).

    booked ──admit──▶ admitted   the time came: the citizen is in the day's line (then the ticket rules)
    booked ──miss───▶ missed     the day ended (or the unit closed) before the citizen could enter
    booked ──cancel─▶ cancelled  by the citizen, until the appointment starts
    booked ──reschedule─▶ rescheduled   a new appointment (a new id) takes its place

Records: `a.{YYYYMMDD}.{short}` an appointment, `b.{slot}` the holders of a slot (the short ids of the
appointments that took it, at most the unit's `capacity`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from enum import StrEnum
from typing import Any

from domain.errors import SlotUnavailableError
from domain.lifecycle import Lifecycle
from domain.ports import Row, RowWrite, UnitRecords
from domain.records import record_key, require_record
from domain.slots import Slot
from domain.tickets import TicketId
from domain.times import iso_utc


class AppointmentStatus(StrEnum):
    BOOKED = "booked"
    ADMITTED = "admitted"
    CANCELLED = "cancelled"
    RESCHEDULED = "rescheduled"
    MISSED = "missed"


class AppointmentAction(StrEnum):
    ADMIT = "admit"
    MISS = "miss"
    CANCEL = "cancel"
    RESCHEDULE = "reschedule"


STATUS_TEXT = {
    AppointmentStatus.BOOKED: "Agendado",
    AppointmentStatus.ADMITTED: "Na fila (horário agendado)",
    AppointmentStatus.CANCELLED: "Cancelado",
    AppointmentStatus.RESCHEDULED: "Remarcado",
    AppointmentStatus.MISSED: "Não realizado",
}

ACTION_VERBS = {
    AppointmentAction.ADMIT: "pôr na fila",
    AppointmentAction.MISS: "encerrar",
    AppointmentAction.CANCEL: "cancelar",
    AppointmentAction.RESCHEDULE: "remarcar",
}

# The lifecycle: every transition leaves a booked appointment (see the module docstring).
LIFECYCLE = Lifecycle(
    {
        (AppointmentStatus.BOOKED, AppointmentAction.ADMIT): AppointmentStatus.ADMITTED,
        (AppointmentStatus.BOOKED, AppointmentAction.MISS): AppointmentStatus.MISSED,
        (AppointmentStatus.BOOKED, AppointmentAction.CANCEL): AppointmentStatus.CANCELLED,
        (AppointmentStatus.BOOKED, AppointmentAction.RESCHEDULE): AppointmentStatus.RESCHEDULED,
    },
    {status: text.lower() for status, text in STATUS_TEXT.items()},
    ACTION_VERBS,
    "um agendamento",
)
APPOINTMENT_TRANSITIONS = LIFECYCLE.table


def next_appointment_status(current: AppointmentStatus, action: AppointmentAction) -> AppointmentStatus:
    return LIFECYCLE.next(current, action)


def status_of(fields: Mapping[str, Any]) -> AppointmentStatus:
    return AppointmentStatus(fields.get("status", AppointmentStatus.BOOKED.value))


def transition(row: Row, action: AppointmentAction, at: datetime, **fields: Any) -> RowWrite:
    """The write of one transition of a stored appointment, guarded by the ETag it was read with: the
    new status by the table (or InvalidTransitionError) and when it happened (`{status}At`)."""
    new = next_appointment_status(status_of(row.fields), action)
    return RowWrite(
        row.key, {"status": new.value, f"{new.value}At": iso_utc(at), **fields}, "merge", row.etag
    )


# ------------------------------------------------------------------------------------------------
# Records


PERSON_KEYS = (
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


def appointment_key(appointment_id: str) -> tuple[TicketId, str]:
    return record_key("a", appointment_id)


def get_appointment(records: UnitRecords, appointment_id: str) -> Row:
    return require_record(records, "a", appointment_id, "Agendamento não encontrado.")


def when(value: Any) -> datetime:
    return datetime.fromisoformat(str(value))


def holders(row: Row | None) -> list[str]:
    return [h for h in str(row.fields.get("holders", "") if row else "").split(",") if h]


def take_place(records: UnitRecords, unit_id: str, capacity: int, slot: Slot, short: str) -> RowWrite:
    """The slot's holders with `short` added (guarded by its ETag), or SlotUnavailableError when full."""
    row = records.get(unit_id, f"b.{slot.key}")
    taken = holders(row)
    if len(taken) >= capacity:
        raise SlotUnavailableError("Este horário acabou de ser reservado. Escolha outro.")
    fields = {"holders": ",".join([*taken, short]), "count": len(taken) + 1, "startsAt": iso_utc(slot.start)}
    if row is None:
        return RowWrite(f"b.{slot.key}", fields, mode="create")
    return RowWrite(row.key, fields, mode="replace", etag=row.etag)


def give_back(records: UnitRecords, unit_id: str, slot_key: str, short: str) -> RowWrite | None:
    """The slot's holders without `short` (None when it does not hold the slot)."""
    row = records.get(unit_id, f"b.{slot_key}")
    if row is None or short not in holders(row):
        return None
    kept = [h for h in holders(row) if h != short]
    fields = {**row.fields, "holders": ",".join(kept), "count": len(kept)}
    return RowWrite(row.key, fields, mode="replace", etag=row.etag)


def appointment_fields(
    unit_id: str, tid: TicketId, slot: Slot, person: Mapping[str, Any], now: datetime, **extra: Any
) -> dict[str, Any]:
    """A new appointment record, booked."""
    return {
        "appointmentId": str(tid),
        "unitId": unit_id,
        "slot": slot.key,
        "startsAt": iso_utc(slot.start),
        "endsAt": iso_utc(slot.end),
        "status": AppointmentStatus.BOOKED.value,
        "bookedAt": iso_utc(now),
        "reminded": False,
        "inLine": False,
        "meetingStatus": "pending",
        **{k: person.get(k, "") for k in PERSON_KEYS},
        **extra,
    }
