"""Scheduling against a real Azurite: no double booking under concurrent bookings, the meeting created
ahead of time, the reminder, the scheduled citizen at the front of the line, follow-ups, cancel and
reschedule, and appointments whose day went by."""

from __future__ import annotations

import json
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from adapters.records_table import TableUnitRecords
from adapters.storage import queue_service, table_service
from domain import scheduling
from domain import services as uc
from domain.config import Configuration, parse_configuration
from domain.errors import ConflictError, InvalidTransitionError, SlotUnavailableError
from domain.tickets import Action
from tests.support.services import CONFIG_FILE, build_services

UNIT = "tjam-tefe-vu"  # Manaus time (UTC-4), 08:00-14:00 on weekdays
MANAUS = ZoneInfo("America/Manaus")
MONDAY = datetime(2026, 12, 14, 7, 0, tzinfo=MANAUS)  # a working Monday, before opening
SLOT = datetime(2026, 12, 14, 10, 0, tzinfo=MANAUS)
CLERK = "elisa.prado@tjam.jus.br"
QUEUES = (uc.JOIN_QUEUE, uc.MEETING_QUEUE, uc.NOTIFY_QUEUE, scheduling.APPOINTMENT_QUEUE)


def config(**scheduling_settings: Any) -> Configuration:
    raw = json.loads(CONFIG_FILE.read_bytes())
    unit = next(u for u in raw["units"] if u["id"] == UNIT)
    unit["scheduling"] = {
        "enabled": True,
        "slotMinutes": 30,
        "capacity": 2,
        "minNoticeMinutes": 60,
        "reminderMinutes": 30,
        "selfBooking": "always",
        **scheduling_settings,
    }
    return parse_configuration(json.dumps(raw))


@pytest.fixture
def env(storage_env: dict[str, str]) -> dict[str, str]:
    service = queue_service(storage_env)
    for name in QUEUES:
        try:
            service.get_queue_client(name).clear_messages()
        except Exception:  # noqa: S110 - the queue may not exist yet
            pass
    return storage_env


@pytest.fixture
def svc(env: dict[str, str], unique: str) -> uc.Services:
    return build_services(env, unique, config=config(), always_open=False)


@pytest.fixture
def records(env: dict[str, str], unique: str) -> TableUnitRecords:
    return TableUnitRecords(table_service(env), unique + "appt")


def person(i: int, **extra: Any) -> uc.JoinInput:
    data: dict[str, Any] = {
        "name": f"Pessoa Agendada {i}",
        "role": "parte",
        "reason": "orientacao",
        "consent": True,
    }
    data.update(extra)
    return uc.JoinInput(**data)


def drain(svc: uc.Services, queue: str) -> list[dict[str, Any]]:
    taken = svc.bus.drain(queue, 32)  # type: ignore[attr-defined]
    taken.complete()
    return [m.payload for m in taken.items]


def rows(records: TableUnitRecords, prefix: str) -> list[Any]:
    return records.query(UNIT, f"{prefix}.", f"{prefix}.~")


def test_concurrent_bookings_never_exceed_the_slot_capacity(
    env: dict[str, str], svc: uc.Services, unique: str
) -> None:
    # Every thread has its own client, as separate function instances would.
    stores = [TableUnitRecords(table_service(env), unique + "appt") for _ in range(12)]

    def attempt(i: int) -> str:
        try:
            scheduling.book(svc, stores[i], UNIT, person(i), SLOT, MONDAY)
            return "booked"
        except SlotUnavailableError:
            return "full"

    with ThreadPoolExecutor(12) as pool:
        outcome = Counter(pool.map(attempt, range(12)))
    assert outcome == {"booked": 2, "full": 10}
    appointments = rows(stores[0], "a")
    [slot] = rows(stores[0], "b")
    assert len(appointments) == 2
    assert sorted(slot.fields["holders"].split(",")) == sorted(r.key.rsplit(".", 1)[1] for r in appointments)
    offered = scheduling.available_slots(svc, stores[0], UNIT, MONDAY)
    monday = next(d for d in offered["days"] if d["date"] == "2026-12-14")
    assert "10h00" not in [s["time"] for s in monday["slots"]]  # full
    assert {s["time"] for s in monday["slots"]} >= {"09h00", "09h30", "10h30"}


def test_slots_respect_hours_notice_and_holidays(svc: uc.Services, records: TableUnitRecords) -> None:
    offered = scheduling.available_slots(svc, records, UNIT, MONDAY.replace(hour=9, minute=10))
    days = {d["date"]: [s["time"] for s in d["slots"]] for d in offered["days"]}
    assert days["2026-12-14"][0] == "10h30"  # 60 min notice: 10:10, next slot 10:30
    assert days["2026-12-14"][-1] == "13h30"  # the last one ends at 14:00
    assert "2026-12-19" not in days and "2026-12-20" not in days  # weekend
    assert "2026-12-25" not in days  # Christmas
    for when in (
        datetime(2026, 12, 14, 14, 0, tzinfo=MANAUS),  # closing time
        datetime(2026, 12, 14, 10, 15, tzinfo=MANAUS),  # not on the grid
        datetime(2026, 12, 25, 10, 0, tzinfo=MANAUS),  # holiday
        datetime(2026, 12, 14, 9, 30, tzinfo=MANAUS),  # too soon
        datetime(2027, 2, 1, 10, 0, tzinfo=MANAUS),  # too far ahead
    ):
        with pytest.raises(SlotUnavailableError):
            scheduling.book(svc, records, UNIT, person(1), when, MONDAY.replace(hour=9, minute=10))
    assert rows(records, "a") == []


def test_the_scheduled_citizen_goes_straight_to_the_front_with_the_meeting_made_ahead(
    svc: uc.Services, records: TableUnitRecords
) -> None:
    booking = scheduling.book(svc, records, UNIT, person(1, priority=("gestante",)), SLOT, MONDAY)
    [request] = drain(svc, scheduling.APPOINTMENT_QUEUE)
    assert scheduling.prepare_meeting(svc, records, request["appointmentId"], last_try=False) == "ready"
    assert (
        scheduling.prepare_meeting(svc, records, request["appointmentId"], last_try=False) == "ready"
    )  # replay
    ahead = svc.meetings["local"].created[booking.appointment_id]  # type: ignore[attr-defined]

    # 09:35: the reminder (card to the clerks; the citizen's page shows it)
    before = SLOT - timedelta(minutes=25)
    assert scheduling.run_appointments(svc, records, before) == {"reminded": 1}
    assert scheduling.run_appointments(svc, records, before + timedelta(minutes=1)) == {}
    [card] = drain(svc, uc.NOTIFY_QUEUE)
    assert card["kind"] == "appointment_reminder" and card["starts_at_text"] == "10h00 (horário de Manaus)"
    assert "Pessoa" not in json.dumps(card)  # no citizen data in the queue
    view = scheduling.appointment_view(svc, records, booking.appointment_id, booking.token, before)
    assert view["reminder"].startswith("Seu atendimento agendado começa às 10h00")
    assert view["meeting"]["joinUrl"] == ahead.join_url

    # Walk-ins, one of them aged 80+, are waiting when the time comes.
    walk_ins = [
        uc.accept_join(svc, UNIT, person(10 + i, priority=grounds), SLOT - timedelta(minutes=30 - i))
        for i, grounds in enumerate([(), ("idoso_80",), ()])
    ]
    batch = drain(svc, uc.JOIN_QUEUE)
    uc.admit(svc, batch, SLOT - timedelta(minutes=20))
    assert scheduling.run_appointments(svc, records, SLOT) == {"admitted": 1}
    assert scheduling.run_appointments(svc, records, SLOT + timedelta(minutes=1)) == {}  # once

    svc.store._cache.clear()  # type: ignore[attr-defined]
    ticket = uc.ticket_view(svc, booking.appointment_id, booking.token, SLOT)  # the same id and token
    assert ticket["status"] == "waiting" and ticket["position"] == 1
    assert ticket["priority"] == "Atendimento agendado"
    clerk = svc.principal(CLERK)
    called = uc.call_next(svc, UNIT, clerk, SLOT + timedelta(minutes=1))
    assert called.ticket_id == booking.appointment_id
    assert called.out_of_order_reason == uc.SCHEDULED_REASON
    assert uc.attach_meeting(svc, called.ticket_id, SLOT, last_try=False) == "ready"
    stored = svc.store.get_ticket(called.ticket_id) or {}
    assert stored["joinUrl"] == ahead.join_url  # the meeting made ahead of time
    assert (
        stored["callReason"] == "atendimento agendado" and stored["appointmentId"] == booking.appointment_id
    )
    # then the legal priorities, as before
    assert uc.call_next(svc, UNIT, clerk, SLOT + timedelta(minutes=2)).ticket_id == walk_ins[1].ticket_id
    view = scheduling.appointment_view(svc, records, booking.appointment_id, booking.token, SLOT)
    assert view["status"] == "admitted" and view["ticket"]["ticketId"] == booking.appointment_id


def test_opening_the_page_at_the_time_admits_at_once(svc: uc.Services, records: TableUnitRecords) -> None:
    booking = scheduling.book(svc, records, UNIT, person(2), SLOT, MONDAY)
    view = scheduling.appointment_view(
        svc, records, booking.appointment_id, booking.token, SLOT + timedelta(seconds=5)
    )
    assert view["status"] == "admitted"
    svc.store._cache.clear()  # type: ignore[attr-defined]
    assert uc.ticket_view(svc, booking.appointment_id, booking.token, SLOT)["position"] == 1
    assert scheduling.run_appointments(svc, records, SLOT + timedelta(minutes=1)) == {}


def test_cancel_and_reschedule_with_the_token(svc: uc.Services, records: TableUnitRecords) -> None:
    first = scheduling.book(svc, records, UNIT, person(3), SLOT, MONDAY)
    with pytest.raises(ConflictError):  # one appointment per person and day
        scheduling.book(svc, records, UNIT, person(3), SLOT + timedelta(hours=1), MONDAY)
    later = SLOT + timedelta(days=1)
    moved = scheduling.reschedule(svc, records, first.appointment_id, first.token, later, MONDAY)
    old = scheduling.appointment_view(svc, records, first.appointment_id, first.token, MONDAY)
    assert old["status"] == "rescheduled" and old["rescheduledTo"]["appointmentId"] == moved.appointment_id
    assert old["rescheduledTo"]["token"] == moved.token
    new = scheduling.appointment_view(svc, records, moved.appointment_id, moved.token, MONDAY)
    assert new["status"] == "booked" and new["startsAt"] == "2026-12-15T10:00:00-04:00" and new["canCancel"]
    with pytest.raises(InvalidTransitionError):
        scheduling.cancel(svc, records, first.appointment_id, first.token, MONDAY)  # already moved
    scheduling.cancel(svc, records, moved.appointment_id, moved.token, MONDAY)
    holders = {r.key: r.fields["holders"] for r in rows(records, "b")}
    assert set(holders.values()) == {""}  # both places given back
    assert (
        scheduling.appointment_view(svc, records, moved.appointment_id, moved.token, MONDAY)["canCancel"]
        is False
    )


def test_a_clerk_books_the_follow_up_during_the_attendance(
    svc: uc.Services, records: TableUnitRecords
) -> None:
    opened = MONDAY.replace(hour=9)
    joined = uc.accept_join(svc, UNIT, person(4), opened)
    uc.admit(svc, drain(svc, uc.JOIN_QUEUE), opened)
    clerk = svc.principal(CLERK)
    uc.call_next(svc, UNIT, clerk, opened)
    with pytest.raises(SlotUnavailableError):
        scheduling.offer_follow_up(
            svc, records, UNIT, joined.ticket_id, clerk, opened - timedelta(hours=1), opened
        )
    soon = opened.replace(hour=9, minute=30)  # clerks may book without the citizens' notice period
    booking = scheduling.offer_follow_up(svc, records, UNIT, joined.ticket_id, clerk, soon, opened)
    with pytest.raises(ConflictError):
        scheduling.offer_follow_up(svc, records, UNIT, joined.ticket_id, clerk, SLOT, opened)
    uc.clerk_action(svc, UNIT, joined.ticket_id, Action.FINISH, clerk, opened)
    offered = scheduling.follow_up_view(svc, records, joined.ticket_id, joined.token)
    assert offered["appointmentId"] == booking.appointment_id and offered["token"] == booking.token
    view = scheduling.appointment_view(svc, records, booking.appointment_id, booking.token, opened)
    assert view["followUp"] and view["bookedBy"] == "servidor" and view["status"] == "booked"
    events = svc.store.list_events(UNIT, "20261214")  # type: ignore[attr-defined]
    follow = [e for e in events if e["action"] == "follow_up"]
    assert len(follow) == 1 and follow[0]["by"] == CLERK and follow[0]["status"] in ("called", "in_service")
    day = scheduling.clerk_appointments(svc, records, UNIT, clerk, None, opened)
    assert [a["name"] for a in day["appointments"]] == ["Pessoa Agendada 4"]
    assert day["appointments"][0]["followUpOf"] == joined.ticket_id


def test_an_appointment_whose_day_went_by_is_missed(svc: uc.Services, records: TableUnitRecords) -> None:
    booking = scheduling.book(svc, records, UNIT, person(5), SLOT, MONDAY)
    assert scheduling.run_appointments(svc, records, SLOT.replace(hour=23) + timedelta(hours=2)) == {
        "missed": 1
    }
    view = scheduling.appointment_view(
        svc, records, booking.appointment_id, booking.token, SLOT + timedelta(days=1)
    )
    assert view["status"] == "missed" and view["alternatives"] is not None


def test_self_booking_when_unavailable(env: dict[str, str], unique: str, records: TableUnitRecords) -> None:
    svc = build_services(env, unique, config=config(selfBooking="when_unavailable"), always_open=False)
    with pytest.raises(InvalidTransitionError, match="entre na fila"):
        scheduling.book(svc, records, UNIT, person(6), SLOT + timedelta(days=1), MONDAY.replace(hour=9))
    booking = scheduling.book(
        svc, records, UNIT, person(6), SLOT + timedelta(days=1), MONDAY.replace(hour=15)
    )
    assert booking.starts_at == SLOT + timedelta(days=1)
    never = build_services(env, unique, config=config(selfBooking="never"), always_open=False)
    with pytest.raises(InvalidTransitionError, match="servidor"):
        scheduling.book(never, records, UNIT, person(7), SLOT + timedelta(days=2), MONDAY.replace(hour=15))


def test_utc_named_slots(svc: uc.Services, records: TableUnitRecords) -> None:
    scheduling.book(svc, records, UNIT, person(8), SLOT, MONDAY)
    [slot] = rows(records, "b")
    assert slot.key == f"b.{SLOT.astimezone(UTC):%Y%m%d%H%M}"
