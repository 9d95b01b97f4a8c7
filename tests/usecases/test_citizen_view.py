"""The citizen's page on the fakes, status by status, as `GET /api/tickets/{ticket}` answers it; the
token guards it; leaving; a poll is a sighting, and one that comes back from absence restores the
place."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from domain.errors import InvalidTransitionError, TicketNotFoundError, UnauthenticatedError
from domain.tickets import Action
from domain.usecases import citizen_view, meetings
from domain.usecases.joining import JoinAccepted
from domain.usecases.upkeep import run_upkeep
from tests.fakes.context import fake_context
from tests.usecases.conftest import DAY, OTHER, UNIT, World

CLOSES_AT_ONCE = "trf1-sjam-02vf"  # Manaus, 09-18, close_queue


def test_before_admission_the_ticket_is_pending(world: World) -> None:
    ticket = world.join()
    view = world.view(ticket)
    assert view["status"] == "pending" and view["ticketId"] == ticket.ticket_id
    assert view["unit"]["id"] == UNIT and "position" not in view


def test_waiting_shows_the_place_the_people_ahead_and_the_wait(world: World) -> None:
    first, second = world.arrive("Pessoa Primeira"), world.arrive("Pessoa Segunda")
    view = world.view(second)
    assert view["status"] == "waiting" and view["position"] == 2 and view["peopleAhead"] == 1
    assert view["peopleWaiting"] == 2 and view["displayNumber"] and view["priority"] == "Atendimento geral"
    assert view["estimatedWait"]["maxMinutes"] >= view["estimatedWait"]["minMinutes"] >= 0
    assert world.view(first)["position"] == 1


def test_called_shows_the_meeting_once_it_is_ready(world: World) -> None:
    ticket = world.arrive()
    world.call(ticket)
    view = world.view(ticket)
    assert view["status"] == "called" and view["meeting"] == {"status": "pending", "joinUrl": None}
    meetings.attach_meeting(world.ctx, ticket.ticket_id, world.now, last_try=False)
    view = world.view(ticket)
    assert view["meeting"]["status"] == "ready" and view["meeting"]["joinUrl"].startswith("https://reuniao")


def test_in_service_then_done_with_the_survey_offered(world: World) -> None:
    ticket = world.arrive()
    world.call(ticket)
    world.act(ticket, Action.START)
    assert world.view(ticket)["status"] == "in_service"
    world.act(ticket, Action.FINISH)
    view = world.view(ticket)
    assert view["status"] == "done" and view["surveyAnswered"] is False and "meeting" not in view


def test_a_transferred_ticket_points_to_its_new_ticket_and_token(world: World) -> None:
    ticket = world.arrive()
    world.act(ticket, Action.TRANSFER, target_unit=OTHER)
    view = world.view(ticket)
    assert view["status"] == "transferred"
    moved = view["transferredTo"]
    assert moved["ticketId"].startswith(f"{OTHER}.") and moved["statusUrl"].endswith(moved["ticketId"])
    world.admit()
    follow = world.view(JoinAccepted(moved["ticketId"], moved["token"], OTHER))
    assert follow["status"] == "waiting" and follow["unit"]["id"] == OTHER


def test_a_closed_line_tells_the_alternatives() -> None:
    world = World(*fake_context(always_open=False), now=datetime(2026, 11, 30, 21, 50, tzinfo=UTC))
    ticket = world.arrive(unit=CLOSES_AT_ONCE)  # 17:50 in Manaus; the unit closes its line at 18:00
    run_upkeep(world.ctx, world.tick(11 * 60))
    view = world.view(ticket)
    assert view["status"] == "closed" and view["alternatives"] is not None


@pytest.mark.parametrize("action", [Action.NO_SHOW, Action.FINISH])
def test_a_ticket_out_of_the_line_says_its_status(world: World, action: Action) -> None:
    ticket = world.arrive()
    world.call(ticket)
    world.act(ticket, action)
    assert world.view(ticket)["status"] == action.value.replace("finish", "done")


def test_leaving_from_the_line_and_then_again(world: World) -> None:
    ticket = world.arrive()
    citizen_view.leave(world.ctx, ticket.ticket_id, ticket.token, world.tick())
    assert world.view(ticket)["status"] == "left"
    citizen_view.leave(world.ctx, ticket.ticket_id, ticket.token, world.tick())  # idempotent (issue 16)
    assert world.view(ticket)["status"] == "left"


def test_leaving_too_late_is_refused(world: World) -> None:
    ticket = world.arrive()
    world.call(ticket)
    world.act(ticket, Action.FINISH)
    with pytest.raises(InvalidTransitionError):
        citizen_view.leave(world.ctx, ticket.ticket_id, ticket.token, world.tick())


def test_leaving_when_called_frees_the_clerk(world: World) -> None:
    ticket = world.arrive()
    world.call(ticket)
    citizen_view.leave(world.ctx, ticket.ticket_id, ticket.token, world.tick())
    state = world.ctx.store.load(UNIT, DAY)[0]
    assert state.called == {} and world.view(ticket)["status"] == "left"


def test_another_tickets_token_is_refused(world: World) -> None:
    mine, other = world.arrive("Pessoa Minha"), world.arrive("Pessoa Outra")
    with pytest.raises(UnauthenticatedError):
        world.view(JoinAccepted(mine.ticket_id, other.token, UNIT))
    with pytest.raises(UnauthenticatedError):
        citizen_view.leave(world.ctx, mine.ticket_id, other.token, world.now)


@pytest.mark.parametrize(
    "ticket_id", ["", "nada", f"{UNIT}.2026113.abcdefghij", f"{UNIT}.20261399.abcdefghij"]
)
def test_a_malformed_ticket_id_is_not_found(world: World, ticket_id: str) -> None:
    with pytest.raises(TicketNotFoundError):
        citizen_view.ticket_view(world.ctx, ticket_id, "k1.x", world.now)


def test_a_poll_is_a_sighting_written_once_per_flush(world: World) -> None:
    ticket = world.arrive()
    world.view(ticket)
    world.view(ticket)
    [beat] = world.ctx.store.read_heartbeats(UNIT, DAY)
    assert list(beat) == [ticket.ticket_id.rsplit(".", 1)[1]]


def test_a_poll_after_absence_restores_the_place(world: World) -> None:
    first, second = world.arrive("Pessoa Primeira"), world.arrive("Pessoa Segunda")
    world.view(second)
    run_upkeep(world.ctx, world.tick(world.ctx.unit(UNIT).limits.absent_after_s + 5))
    assert world.stored(first)["status"] == "absent"
    back = world.view(first)
    assert back["status"] == "waiting" and back["position"] == 1
    assert world.stored(first)["status"] == "waiting"


def test_the_page_reads_the_state_again_when_the_ticket_moved_after_the_cached_copy(world: World) -> None:
    ticket = world.join()
    assert world.view(ticket)["status"] == "pending"
    world.admit()
    assert world.view(ticket)["status"] == "waiting"
    assert world.ctx.store.read_heartbeats(UNIT, DAY)  # that poll was a sighting too


def test_an_expired_ticket_says_so(world: World) -> None:
    ticket = world.arrive()
    limits = world.ctx.unit(UNIT).limits
    run_upkeep(world.ctx, world.tick(limits.absent_after_s + 5))
    run_upkeep(world.ctx, world.now + timedelta(seconds=limits.grace_s + 5))
    assert world.stored(ticket)["status"] == "expired"


def test_the_answer_says_when_to_poll_next_slowly_far_from_the_front(world: World) -> None:
    tickets = [world.arrive(f"Pessoa Numero {n}") for n in range(6)]
    limits = world.ctx.unit(UNIT).limits  # the demo unit: defaults (3, 2 s, 30 s), 8-minute services
    cadence = [world.view(t)["pollAfterSeconds"] for t in tickets]
    assert cadence == [2, 2, 2, 30, 30, 30]  # positions 1-3 near the front, 4-6 at least 8 min away
    assert limits.near_front_position == 3
    world.call(tickets[0])
    assert world.view(tickets[0])["pollAfterSeconds"] == 2  # called: watch for the meeting link
    assert world.view(tickets[3])["pollAfterSeconds"] == 2  # now third in line


def test_a_refused_poll_with_a_valid_token_is_a_sign_of_life(world: World) -> None:
    there, gone = world.arrive("Pessoa Presente"), world.arrive("Pessoa Ausente")
    limits = world.ctx.unit(UNIT).limits
    halfway = world.tick(limits.absent_after_s - 60)
    citizen_view.refused_poll(world.ctx, there.ticket_id, there.token, halfway)
    with pytest.raises(UnauthenticatedError):  # a wrong token is no one's sign of life
        citizen_view.refused_poll(world.ctx, gone.ticket_id, there.token, halfway)
    run_upkeep(world.ctx, world.tick(limits.absent_after_s - 30))  # silent since the refused poll
    assert world.stored(there)["status"] == "waiting"
    assert world.stored(gone)["status"] == "absent"


def test_leaving_before_admission_keeps_the_ticket_out_of_the_line(world: World) -> None:
    ghost = world.join("Fantasma Que Saiu")
    behind = world.join("Pessoa Real")
    citizen_view.leave(world.ctx, ghost.ticket_id, ghost.token, world.tick())
    citizen_view.leave(world.ctx, ghost.ticket_id, ghost.token, world.tick())
    world.admit()
    assert world.view(ghost)["status"] == "left"
    assert world.view(behind)["position"] == 1
