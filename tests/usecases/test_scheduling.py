"""Scheduling on the fakes (moved from the Azurite tier, assertions kept; concurrent bookings stay on
Azurite): slots, the meeting created ahead of time, the reminder, the scheduled citizen at the front of
the line, follow-ups, cancel and reschedule, and appointments whose day went by. Answers are read as
the API serves them."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from domain.errors import ConflictError, InvalidTransitionError, SlotUnavailableError
from domain.ports import APPOINTMENT_QUEUE, JOIN_QUEUE, NOTIFY_QUEUE
from domain.queue import SCHEDULED_REASON
from domain.tickets import Action
from domain.usecases import (
    admission,
    appointment_day,
    appointment_views,
    booking,
    clerk_actions,
    joining,
    meetings,
)
from domain.usecases.context import Context
from functions.answers import dump, present
from functions.answers import scheduling as answers
from tests.fakes.context import Fakes, fake_context
from tests.fakes.memory_records import MemoryUnitRecords
from tests.integration.test_scheduling_azurite import CLERK, MANAUS, MONDAY, SLOT, UNIT, config, person
from tests.support.flows import LINKS, ticket_json


@pytest.fixture
def context_and_fakes() -> tuple[Context, Fakes]:
    return fake_context(config(), always_open=False)


@pytest.fixture
def svc(context_and_fakes: tuple[Context, Fakes]) -> Context:
    return context_and_fakes[0]


@pytest.fixture
def fakes(context_and_fakes: tuple[Context, Fakes]) -> Fakes:
    return context_and_fakes[1]


@pytest.fixture
def records(fakes: Fakes) -> MemoryUnitRecords:
    return fakes.appointments


def rows(records: MemoryUnitRecords, prefix: str) -> list[Any]:
    return records.query(UNIT, f"{prefix}.", f"{prefix}.~")


def slots_json(ctx: Context, unit: str, now: datetime) -> dict[str, Any]:
    return dump(answers.slot_offer(appointment_views.available_slots(ctx, unit, now)))


def appointment_json(ctx: Context, appointment_id: str, token: str, now: datetime) -> dict[str, Any]:
    return dump(
        answers.appointment_view(appointment_views.appointment_view(ctx, appointment_id, token, now), LINKS)
    )


def follow_up_json(ctx: Context, ticket_id: str, token: str) -> dict[str, Any]:
    return dump(answers.follow_up(appointment_views.follow_up_view(ctx, ticket_id, token), LINKS))


def day_json(ctx: Context, unit: str, clerk: Any, day: Any, now: datetime) -> dict[str, Any]:
    return dump(
        present(answers.DayAppointments, appointment_views.clerk_appointments(ctx, unit, clerk, day, now))
    )


def test_slots_respect_hours_notice_and_holidays(svc: Context, records: MemoryUnitRecords) -> None:
    offered = slots_json(svc, UNIT, MONDAY.replace(hour=9, minute=10))
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
            booking.book(svc, UNIT, person(1), when, MONDAY.replace(hour=9, minute=10))
    assert rows(records, "a") == []


def test_the_scheduled_citizen_goes_straight_to_the_front_with_the_meeting_made_ahead(
    svc: Context, fakes: Fakes
) -> None:
    made = booking.book(svc, UNIT, person(1, priority=("gestante",)), SLOT, MONDAY)
    [request] = fakes.bus.take(APPOINTMENT_QUEUE)
    assert appointment_day.prepare_meeting(svc, request["appointmentId"], last_try=False) == "ready"
    assert appointment_day.prepare_meeting(svc, request["appointmentId"], last_try=False) == "ready"  # replay
    ahead = fakes.meetings.created[made.appointment_id]

    # 09:35: the reminder (card to the clerks; the citizen's page shows it)
    before = SLOT - timedelta(minutes=25)
    assert appointment_day.run_appointments(svc, before) == {"reminded": 1}
    assert appointment_day.run_appointments(svc, before + timedelta(minutes=1)) == {}
    [card] = fakes.bus.take(NOTIFY_QUEUE)
    assert card["kind"] == "appointment_reminder" and card["starts_at_text"] == "10h00 (horário de Manaus)"
    assert "Pessoa" not in json.dumps(card)  # no citizen data in the queue
    view = appointment_json(svc, made.appointment_id, made.token, before)
    assert view["reminder"].startswith("Seu atendimento agendado começa às 10h00")
    assert view["meeting"]["joinUrl"] == ahead.join_url

    # Walk-ins, one of them aged 80+, are waiting when the time comes.
    walk_ins = [
        joining.accept_join(svc, UNIT, person(10 + i, priority=grounds), SLOT - timedelta(minutes=30 - i))
        for i, grounds in enumerate([(), ("idoso_80",), ()])
    ]
    batch = fakes.bus.take(JOIN_QUEUE)
    admission.admit(svc, batch, SLOT - timedelta(minutes=20))
    assert appointment_day.run_appointments(svc, SLOT) == {"admitted": 1}
    assert appointment_day.run_appointments(svc, SLOT + timedelta(minutes=1)) == {}  # once

    ticket = ticket_json(svc, (made.appointment_id, made.token), SLOT)  # the same id and token
    assert ticket["status"] == "waiting" and ticket["position"] == 1
    assert ticket["priority"] == "Atendimento agendado"
    clerk = svc.principal(CLERK)
    called = clerk_actions.call_next(svc, UNIT, clerk, SLOT + timedelta(minutes=1))
    assert called.ticket_id == made.appointment_id
    assert called.out_of_order_reason == SCHEDULED_REASON
    assert meetings.attach_meeting(svc, called.ticket_id, SLOT, last_try=False) == "ready"
    stored = svc.store.get_ticket(called.ticket_id) or {}
    assert stored["joinUrl"] == ahead.join_url  # the meeting made ahead of time
    assert stored["callReason"] == "atendimento agendado" and stored["appointmentId"] == made.appointment_id
    # then the legal priorities, as before
    assert (
        clerk_actions.call_next(svc, UNIT, clerk, SLOT + timedelta(minutes=2)).ticket_id
        == walk_ins[1].ticket_id
    )
    view = appointment_json(svc, made.appointment_id, made.token, SLOT)
    assert view["status"] == "admitted" and view["ticket"]["ticketId"] == made.appointment_id


def test_opening_the_page_at_the_time_admits_at_once(svc: Context, records: MemoryUnitRecords) -> None:
    made = booking.book(svc, UNIT, person(2), SLOT, MONDAY)
    view = appointment_json(svc, made.appointment_id, made.token, SLOT + timedelta(seconds=5))
    assert view["status"] == "admitted"
    assert ticket_json(svc, (made.appointment_id, made.token), SLOT)["position"] == 1
    assert appointment_day.run_appointments(svc, SLOT + timedelta(minutes=1)) == {}


def test_cancel_and_reschedule_with_the_token(svc: Context, records: MemoryUnitRecords) -> None:
    first = booking.book(svc, UNIT, person(3), SLOT, MONDAY)
    with pytest.raises(ConflictError):  # one appointment per person and day
        booking.book(svc, UNIT, person(3), SLOT + timedelta(hours=1), MONDAY)
    later = SLOT + timedelta(days=1)
    moved = booking.reschedule(svc, first.appointment_id, first.token, later, MONDAY)
    old = appointment_json(svc, first.appointment_id, first.token, MONDAY)
    assert old["status"] == "rescheduled" and old["rescheduledTo"]["appointmentId"] == moved.appointment_id
    assert old["rescheduledTo"]["token"] == moved.token
    new = appointment_json(svc, moved.appointment_id, moved.token, MONDAY)
    assert new["status"] == "booked" and new["startsAt"] == "2026-12-15T10:00:00-04:00" and new["canCancel"]
    with pytest.raises(InvalidTransitionError):
        booking.cancel(svc, first.appointment_id, first.token, MONDAY)  # already moved
    booking.cancel(svc, moved.appointment_id, moved.token, MONDAY)
    holders = {r.key: r.fields["holders"] for r in rows(records, "b")}
    assert set(holders.values()) == {""}  # both places given back
    assert appointment_json(svc, moved.appointment_id, moved.token, MONDAY)["canCancel"] is False


def test_a_clerk_books_the_follow_up_during_the_attendance(svc: Context, fakes: Fakes) -> None:
    opened = MONDAY.replace(hour=9)
    joined = joining.accept_join(svc, UNIT, person(4), opened)
    admission.admit(svc, fakes.bus.take(JOIN_QUEUE), opened)
    clerk = svc.principal(CLERK)
    clerk_actions.call_next(svc, UNIT, clerk, opened)
    with pytest.raises(SlotUnavailableError):
        booking.offer_follow_up(svc, UNIT, joined.ticket_id, clerk, opened - timedelta(hours=1), opened)
    soon = opened.replace(hour=9, minute=30)  # clerks may book without the citizens' notice period
    made = booking.offer_follow_up(svc, UNIT, joined.ticket_id, clerk, soon, opened)
    with pytest.raises(ConflictError):
        booking.offer_follow_up(svc, UNIT, joined.ticket_id, clerk, SLOT, opened)
    clerk_actions.clerk_action(
        svc, UNIT, joined.ticket_id, clerk_actions.ClerkMove(Action.FINISH), clerk, opened
    )
    offered = follow_up_json(svc, joined.ticket_id, joined.token)
    assert offered["appointmentId"] == made.appointment_id and offered["token"] == made.token
    view = appointment_json(svc, made.appointment_id, made.token, opened)
    assert view["followUp"] and view["bookedBy"] == "servidor" and view["status"] == "booked"
    events = svc.store.list_events(UNIT, "20261214")
    follow = [e for e in events if e["action"] == "follow_up"]
    assert len(follow) == 1 and follow[0]["by"] == CLERK and follow[0]["status"] in ("called", "in_service")
    day = day_json(svc, UNIT, clerk, None, opened)
    assert [a["name"] for a in day["appointments"]] == ["Pessoa Agendada 4"]
    assert day["appointments"][0]["followUpOf"] == joined.ticket_id


def test_an_appointment_whose_day_went_by_is_missed(svc: Context, records: MemoryUnitRecords) -> None:
    made = booking.book(svc, UNIT, person(5), SLOT, MONDAY)
    assert appointment_day.run_appointments(svc, SLOT.replace(hour=23) + timedelta(hours=2)) == {"missed": 1}
    view = appointment_json(svc, made.appointment_id, made.token, SLOT + timedelta(days=1))
    assert view["status"] == "missed" and view["alternatives"] is not None


def test_self_booking_when_unavailable() -> None:
    svc, _ = fake_context(config(selfBooking="when_unavailable"), always_open=False)
    with pytest.raises(InvalidTransitionError, match="entre na fila"):
        booking.book(svc, UNIT, person(6), SLOT + timedelta(days=1), MONDAY.replace(hour=9))
    made = booking.book(svc, UNIT, person(6), SLOT + timedelta(days=1), MONDAY.replace(hour=15))
    assert made.starts_at == SLOT + timedelta(days=1)
    never, _ = fake_context(config(selfBooking="never"), always_open=False)
    with pytest.raises(InvalidTransitionError, match="servidor"):
        booking.book(never, UNIT, person(7), SLOT + timedelta(days=2), MONDAY.replace(hour=15))


def test_utc_named_slots(svc: Context, records: MemoryUnitRecords) -> None:
    booking.book(svc, UNIT, person(8), SLOT, MONDAY)
    [slot] = rows(records, "b")
    assert slot.key == f"b.{SLOT.astimezone(UTC):%Y%m%d%H%M}"
