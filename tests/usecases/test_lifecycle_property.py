"""Every status change goes through the lifecycle tables.

Hypothesis drives random sequences of what citizens, clerks and the timers do, on the fakes and under a
moving clock (joins, admissions, calls, every clerk action, leaving, polls that come back, erasure,
meetings that fail, the per-minute upkeep across openings and closings; appointments booked, cancelled,
rescheduled, admitted or missed). A watch on the stores checks every write that sets a status:

- a ticket's status changes only by a write carrying its event, and `TRANSITIONS[(before, action)]` is
  the status written (a ticket is created from the virtual `pending`; an erasure's tombstone, created
  without an event, is a transition of the table too);
- an appointment is created booked and changes only by a pair of `APPOINTMENT_TRANSITIONS`;
- after every step, each stored status is the one the watch last saw written (nothing changes a status
  behind the transaction: no merge, no erasure).

Errors the domain raises (a refused action, a closed unit) are part of the game; any other exception
fails the test.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import Any

import hypothesis.strategies as st
from hypothesis import HealthCheck, event, settings
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from domain import tickets
from domain.appointments import APPOINTMENT_TRANSITIONS, AppointmentStatus, status_of
from domain.auth import Principal
from domain.errors import DomainError
from domain.ports import APPOINTMENT_QUEUE, MEETING_QUEUE, RowWrite
from domain.queue import QueueState
from domain.tickets import TRANSITIONS, Action, Status, TicketEvent, TicketWrite
from domain.usecases import (
    appointment_day,
    appointment_views,
    booking,
    citizen_view,
    clerk_actions,
    meetings,
    retention,
)
from domain.usecases.joining import JoinAccepted
from domain.usecases.upkeep import run_upkeep
from tests.fakes.context import Fakes, fake_context
from tests.integration.test_scheduling_azurite import MONDAY, config, person
from tests.support.flows import admit_waiting, join

TEFE = "tjam-tefe-vu"  # appointments; 08-14 in Manaus, serve_waiting
MANAUS_1 = "trf1-sjam-01vf"  # 09-18, serve_waiting
MANAUS_2 = "trf1-sjam-02vf"  # 09-18, close_queue
UNITS = (TEFE, MANAUS_1, MANAUS_2)
CLERKS = {
    TEFE: "elisa.prado@tjam.jus.br",
    MANAUS_1: "carla.mendes@trf1.jus.br",
    MANAUS_2: "carla.mendes@trf1.jus.br",
}
CLERK_MOVES = (Action.START, Action.FINISH, Action.NO_SHOW, Action.REQUEUE, Action.TRANSFER)
SECOND, MINUTE = timedelta(seconds=1), timedelta(minutes=1)
STEPS = (SECOND, SECOND, 40 * SECOND, 40 * SECOND, 2 * MINUTE, 2 * MINUTE, 20 * MINUTE, 240 * MINUTE)
APPOINTMENT_PAIRS = {(before, after) for (before, _), after in APPOINTMENT_TRANSITIONS.items()}


class Watch:
    """Checks every status a write sets against the tables (module docstring); remembers what it saw."""

    def __init__(self, fakes: Fakes, note: Callable[[str], None] = lambda _: None) -> None:
        self.note = note  # hypothesis.event in the random walk: its statistics list what happened
        self.tickets: dict[str, Status] = {}
        self.appointments: dict[tuple[str, str], AppointmentStatus] = {}
        self.seen: set[tuple[Any, Any]] = (
            set()
        )  # (status before, action) of tickets; (before, after) of appointments
        store, records = fakes.store, fakes.appointments
        commit_state, merge_ticket, commit_rows = store.commit, store.merge_ticket, records.commit

        def commit(state: QueueState, etag: str | None, writes: Sequence[TicketWrite] = ()) -> None:
            seen = [self.ticket_write(w, store.get_ticket(w.ticket_id)) for w in writes]
            commit_state(state, etag, writes)
            self.tickets.update((w.ticket_id, s) for w, s in zip(writes, seen, strict=True) if s is not None)

        def merge(ticket_id: str, fields: Mapping[str, Any]) -> None:
            assert "status" not in fields, f"a merge outside the transaction sets the status of {ticket_id}"
            merge_ticket(ticket_id, fields)

        def commit_records(unit_id: str, writes: Sequence[RowWrite]) -> None:
            seen = [self.appointment_write(unit_id, w, records.get(unit_id, w.key)) for w in writes]
            commit_rows(unit_id, writes)
            self.appointments.update(((unit_id, w.key), s) for w, s in zip(writes, seen, strict=True) if s)

        store.commit = commit  # type: ignore[method-assign]
        store.merge_ticket = merge  # type: ignore[method-assign]
        records.commit = commit_records  # type: ignore[method-assign]

    def ticket_write(self, write: TicketWrite, stored: Mapping[str, Any] | None) -> Status | None:
        ticket_event = write.event if isinstance(write.event, TicketEvent) else None
        if "status" not in write.fields:
            assert ticket_event is None, f"{write.ticket_id}: an event of a transition without its status"
            return None
        new = Status(write.fields["status"])
        if write.create and stored is not None:
            return None  # a replay: the commit refuses it (DuplicateTicketError)
        before = Status.PENDING if write.create else Status(stored["status"]) if stored else None
        assert before is not None, f"{write.ticket_id}: a status set on a ticket that does not exist"
        if ticket_event is None:
            # only a tombstone (left or erased while pending: pending → left) is written without an event
            assert write.create and (before, Action.LEAVE) in TRANSITIONS, (
                f"{write.ticket_id}: {before} → {new}"
            )
            assert TRANSITIONS[(before, Action.LEAVE)] == new, f"{write.ticket_id}: {before} → {new}"
            self.note(f"ticket {before} → {new} (tombstone)")
            self.seen.add((before, Action.LEAVE))
            return new
        action = ticket_event.action
        assert TRANSITIONS.get((before, action)) == new == ticket_event.status, (
            f"{write.ticket_id}: {before} --{action}--> {new} (event says {ticket_event.status})"
        )
        self.note(f"ticket {before} --{action}--> {new}")
        self.seen.add((before, action))
        return new

    def appointment_write(self, unit_id: str, write: RowWrite, row: Any) -> AppointmentStatus | None:
        if not write.key.startswith("a.") or "status" not in write.fields:
            return None
        new = AppointmentStatus(write.fields["status"])
        if write.mode == "create":
            assert new == AppointmentStatus.BOOKED, f"{write.key}: created {new}"
            return new
        before = status_of(row.fields) if row is not None else None
        assert before is not None, f"{write.key}: a status set on an appointment that does not exist"
        assert new == before or (before, new) in APPOINTMENT_PAIRS, f"{write.key}: {before} → {new}"
        if new != before:
            self.note(f"appointment {before} → {new}")
            self.seen.add((before, new))
        return new


class Lifecycles(RuleBasedStateMachine):
    """What everyone does, in random order (module docstring)."""

    @initialize()
    def start(self) -> None:
        # Ticket ids from a seeded generator: hypothesis replays a failing sequence exactly.
        self.random_ids = tickets.secrets
        tickets.secrets = SimpleNamespace(choice=random.Random(0).choice)  # type: ignore[assignment]
        self.ctx, self.fakes = fake_context(config(capacity=3, minNoticeMinutes=0), always_open=False)
        self.watch = Watch(self.fakes, event)
        self.now: datetime = MONDAY + timedelta(hours=2, minutes=30)  # 09:30 in Manaus: every unit open
        self.tickets: list[tuple[str, str]] = []  # (ticket id, token), appointments' ids included
        self.appointments: list[tuple[str, str]] = []

    def attempt(self, what: Callable[[], Any]) -> None:
        try:
            what()
        except DomainError as refused:
            event(f"refused: {type(refused).__name__}")

    def pick(self, data: st.DataObject, among: list[tuple[str, str]], *statuses: Status) -> tuple[str, str]:
        """One of `among`, most often one in the given statuses (when there is one)."""
        likely = [t for t in among if self.watch.tickets.get(t[0]) in statuses]
        return data.draw(st.sampled_from(likely if likely and data.draw(st.integers(0, 3)) else among))

    # --- citizens ------------------------------------------------------------------------------

    @rule(
        unit=st.sampled_from(UNITS),
        people=st.lists(st.integers(1, 30), min_size=1, max_size=3),
        admitted=st.booleans(),
    )
    def join(self, unit: str, people: list[int], admitted: bool) -> None:
        for n in people:  # the same person twice: refused at the door, or at admission
            self.attempt(lambda n=n: self.join_one(unit, f"Pessoa Número {n}"))
        if admitted:  # the admission function runs within a second or two, usually
            self.admit()

    def join_one(self, unit: str, name: str) -> None:
        accepted = join(self.ctx, unit, self.now, name=name)
        self.tickets.append((accepted.ticket_id, accepted.token))

    @rule(data=st.data(), n=st.integers(1, 30))
    def book(self, data: st.DataObject, n: int) -> None:
        offer = appointment_views.available_slots(self.ctx, TEFE, self.now, days=2)
        free = [slot for day in offer.days or [] for slot in day.slots]
        if not free:
            return
        slot = data.draw(st.sampled_from(free[:6]))

        def go() -> None:
            made = booking.book(self.ctx, TEFE, person(n), slot.starts_at, self.now)
            self.appointments.append((made.appointment_id, made.token))
            self.tickets.append((made.appointment_id, made.token))

        self.attempt(go)

    @precondition(lambda self: self.tickets)
    @rule(data=st.data())
    def leave(self, data: st.DataObject) -> None:
        ticket_id, token = self.pick(data, self.tickets, Status.WAITING, Status.ABSENT, Status.CALLED)
        self.attempt(lambda: citizen_view.leave(self.ctx, ticket_id, token, self.now))

    @precondition(lambda self: self.tickets)
    @rule(data=st.data())
    def poll(self, data: st.DataObject) -> None:
        ticket_id, token = self.pick(data, self.tickets, Status.ABSENT)
        self.attempt(lambda: citizen_view.ticket_view(self.ctx, ticket_id, token, self.now))

    @precondition(lambda self: self.tickets)
    @rule(data=st.data())
    def erase(self, data: st.DataObject) -> None:
        ticket_id, token = self.pick(data, self.tickets, Status.WAITING, Status.CALLED, Status.DONE)
        self.attempt(lambda: retention.erase_own_data(self.ctx, ticket_id, token, self.now))

    @precondition(lambda self: self.appointments)
    @rule(data=st.data())
    def cancel(self, data: st.DataObject) -> None:
        appointment_id, token = self.pick(data, self.appointments)
        self.attempt(lambda: booking.cancel(self.ctx, appointment_id, token, self.now))

    @precondition(lambda self: self.appointments)
    @rule(data=st.data())
    def reschedule(self, data: st.DataObject) -> None:
        appointment_id, token = self.pick(data, self.appointments)
        offer = appointment_views.available_slots(self.ctx, TEFE, self.now, days=2)
        free = [slot for day in offer.days or [] for slot in day.slots]
        if not free:
            return
        slot = data.draw(st.sampled_from(free[:6]))

        def go() -> None:
            made = booking.reschedule(self.ctx, appointment_id, token, slot.starts_at, self.now)
            self.appointments.append((made.appointment_id, made.token))
            self.tickets.append((made.appointment_id, made.token))

        self.attempt(go)

    # --- clerks --------------------------------------------------------------------------------

    @rule(unit=st.sampled_from(UNITS))
    def call_next(self, unit: str) -> None:
        clerk = self.ctx.principal(CLERKS[unit])
        self.attempt(lambda: clerk_actions.call_next(self.ctx, unit, clerk, self.now))

    @precondition(lambda self: self.tickets)
    @rule(data=st.data())
    def call_ticket(self, data: st.DataObject) -> None:
        ticket_id, _ = self.pick(data, self.tickets, Status.WAITING, Status.ABSENT)
        unit = ticket_id.split(".")[0]
        clerk = self.ctx.principal(CLERKS[unit])
        self.attempt(lambda: clerk_actions.call_ticket(self.ctx, unit, ticket_id, clerk, self.now, "teste"))

    @precondition(lambda self: self.tickets)
    @rule(data=st.data(), action=st.sampled_from(CLERK_MOVES), to=st.sampled_from(UNITS))
    def clerk_move(self, data: st.DataObject, action: Action, to: str) -> None:
        ticket_id, _ = self.pick(data, self.tickets, Status.CALLED, Status.IN_SERVICE, Status.NO_SHOW)
        unit = ticket_id.split(".")[0]
        clerk = self.ctx.principal(CLERKS[unit])
        asked = clerk_actions.ClerkMove(action, "motivo do teste", to)
        self.attempt(lambda: clerk_actions.clerk_action(self.ctx, unit, ticket_id, asked, clerk, self.now))

    @precondition(lambda self: self.tickets)
    @rule(data=st.data())
    def retry_meeting(self, data: st.DataObject) -> None:
        ticket_id, _ = self.pick(data, self.tickets)
        unit = ticket_id.split(".")[0]
        clerk = self.ctx.principal(CLERKS[unit])
        self.attempt(lambda: clerk_actions.retry_meeting(self.ctx, unit, ticket_id, clerk, self.now))

    # --- the functions behind the queues and timers ----------------------------------------------

    @rule()
    def admit(self) -> None:
        self.attempt(lambda: admit_waiting(self.ctx, self.now))

    @rule(failures=st.integers(0, 2), last_try=st.booleans())
    def meetings(self, failures: int, last_try: bool) -> None:
        self.fakes.meetings.transient_failures = failures
        for request in self.fakes.bus.take(MEETING_QUEUE):
            self.attempt(
                lambda r=request: meetings.attach_meeting(self.ctx, r["ticketId"], self.now, last_try)
            )
        for request in self.fakes.bus.take(APPOINTMENT_QUEUE):
            appointment_id = request["appointmentId"]
            self.attempt(lambda a=appointment_id: appointment_day.prepare_meeting(self.ctx, a, last_try))
        self.fakes.meetings.transient_failures = 0

    @rule(step=st.sampled_from(STEPS))
    def minute_timers(self, step: timedelta) -> None:
        self.now += step
        self.attempt(lambda: run_upkeep(self.ctx, self.now))
        self.attempt(lambda: appointment_day.run_appointments(self.ctx, self.now))

    def teardown(self) -> None:
        if hasattr(self, "random_ids"):
            tickets.secrets = self.random_ids

    # --- what must always hold ---------------------------------------------------------------------

    @invariant()
    def stored_statuses_are_the_ones_written(self) -> None:
        if not hasattr(self, "watch"):
            return
        for ticket in self.fakes.store.all_tickets():
            assert Status(ticket["status"]) == self.watch.tickets.get(ticket["ticketId"]), ticket["ticketId"]
        for unit, rows in self.fakes.appointments.rows.items():
            for key, (fields, _) in rows.items():
                if key.startswith("a."):
                    assert status_of(fields) == self.watch.appointments.get((unit, key)), key


Lifecycles.TestCase.settings = settings(
    max_examples=60,
    stateful_step_count=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
test_every_status_change_is_in_the_lifecycle_tables = Lifecycles.TestCase


# ------------------------------------------------------------------------------------------------
# Every row of both tables is reached by some use case (the random walk above only says that nothing
# outside them happens).


class Tour:
    """A fresh context with its watch, a clock at 09:30 in Manaus, and shortcuts."""

    def __init__(self, watch_all: set[tuple[Any, Any]]) -> None:
        self.ctx, self.fakes = fake_context(config(capacity=3, minNoticeMinutes=0), always_open=False)
        self.watch = Watch(self.fakes)
        self.watch.seen = watch_all
        self.at = MONDAY + timedelta(hours=2, minutes=30)
        self.n = 0

    def later(self, seconds: float) -> datetime:
        self.at += timedelta(seconds=seconds)
        return self.at

    def arrive(self, unit: str = MANAUS_1, *, admitted: bool = True, name: str = "") -> JoinAccepted:
        self.n += 1
        accepted = join(self.ctx, unit, self.at, name=name or f"Pessoa Número {self.n}")
        if admitted:
            admit_waiting(self.ctx, self.at)
        return accepted

    def clerk(self, unit: str = MANAUS_1) -> Principal:
        return self.ctx.principal(CLERKS[unit])

    def call(self, ticket: JoinAccepted, unit: str = MANAUS_1) -> None:
        clerk_actions.call_ticket(self.ctx, unit, ticket.ticket_id, self.clerk(unit), self.at, "teste")

    def move(self, ticket: JoinAccepted, action: Action, unit: str = MANAUS_1, to: str = "") -> None:
        asked = clerk_actions.ClerkMove(action, "motivo do teste", to)
        clerk_actions.clerk_action(self.ctx, unit, ticket.ticket_id, asked, self.clerk(unit), self.at)

    def upkeep(self, seconds: float) -> None:
        run_upkeep(self.ctx, self.later(seconds))

    def leave(self, ticket: JoinAccepted) -> None:
        citizen_view.leave(self.ctx, ticket.ticket_id, ticket.token, self.at)

    def book(self, starts_at: datetime) -> booking.Booking:
        self.n += 1
        return booking.book(self.ctx, TEFE, person(self.n), starts_at, self.at)


def test_every_transition_of_the_tables_is_reached_by_a_use_case() -> None:
    seen: set[tuple[Any, Any]] = set()
    absent_s = demo_limits().absent_after_s + 1

    t = Tour(seen)  # admit, call, start, finish; finish straight from called
    for finished_at_once in (False, True):
        ticket = t.arrive()
        t.call(ticket)
        if not finished_at_once:
            t.move(ticket, Action.START)
        t.move(ticket, Action.FINISH)

    t = Tour(seen)  # the same person twice before admission; erased before admission
    t.arrive(admitted=False, name="Pessoa Repetida")
    t.arrive(admitted=False, name="Pessoa Repetida")
    erased = t.arrive(admitted=False)
    retention.erase_own_data(t.ctx, erased.ticket_id, erased.token, t.at)
    admit_waiting(t.ctx, t.at)

    t = Tour(seen)  # waiting: leave, transfer
    t.leave(t.arrive())
    t.move(t.arrive(), Action.TRANSFER, to=MANAUS_2)

    t = Tour(seen)  # absent: back by a poll, called anyway, leaves, expires
    back, called, leaving, expiring = (t.arrive() for _ in range(4))
    t.upkeep(absent_s)
    citizen_view.ticket_view(t.ctx, back.ticket_id, back.token, t.at)
    t.call(called)
    t.leave(leaving)
    t.upkeep(demo_limits().grace_s + 1)
    assert t.watch.tickets[expiring.ticket_id] == Status.EXPIRED

    t = Tour(seen)  # called: no-show then requeued, requeued, leaves, transferred
    no_show, requeued, leaving, transferred = (t.arrive() for _ in range(4))
    for ticket in (no_show, requeued, leaving, transferred):
        t.call(ticket)
    t.move(no_show, Action.NO_SHOW)
    t.move(no_show, Action.REQUEUE)
    t.move(requeued, Action.REQUEUE)
    t.leave(leaving)
    t.move(transferred, Action.TRANSFER, to=MANAUS_2)

    t = Tour(seen)  # in service: requeued, transferred
    for action in (Action.REQUEUE, Action.TRANSFER):
        ticket = t.arrive()
        t.call(ticket)
        t.move(ticket, Action.START)
        t.move(ticket, action, to=MANAUS_2)

    t = Tour(seen)  # a close_queue unit closes at 18:00 with someone waiting and someone absent
    t.at = MONDAY + timedelta(hours=10, minutes=50)  # 17:50: absent at 17:55, before the 18:00 closing
    t.arrive(MANAUS_2)
    t.upkeep(absent_s)
    t.arrive(MANAUS_2)
    t.upkeep(6 * 60)
    assert {Status.CLOSED} == {s for tid, s in t.watch.tickets.items() if tid.startswith(MANAUS_2)}

    t = Tour(seen)  # appointments: admitted at their time, cancelled, rescheduled, missed
    slot = MONDAY + timedelta(hours=4)  # 11:00
    made = t.book(slot)
    booking.cancel(t.ctx, made.appointment_id, made.token, t.at)
    made = t.book(slot)
    booking.reschedule(t.ctx, made.appointment_id, made.token, slot + timedelta(minutes=30), t.at)
    t.book(slot + timedelta(hours=2, minutes=30))  # 13:30
    appointment_day.run_appointments(t.ctx, slot + timedelta(minutes=30))
    appointment_day.run_appointments(t.ctx, MONDAY + timedelta(days=1, hours=1))  # Tuesday 08:00

    ticket_rows = set(TRANSITIONS)
    appointment_rows = APPOINTMENT_PAIRS
    assert {k for k in seen if isinstance(k[1], Action)} == ticket_rows
    assert {k for k in seen if isinstance(k[1], AppointmentStatus)} == appointment_rows


def demo_limits() -> Any:
    return config().unit(MANAUS_1).limits
