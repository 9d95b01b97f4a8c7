"""What a clerk does, on the fakes: every clerk action against every status a ticket can have is
allowed exactly when the lifecycle table has it; calls by the law's order, or out of it with a reason;
who may act on which unit; transfers; presence."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from domain.errors import (
    ForbiddenError,
    InvalidInputError,
    InvalidTransitionError,
    NothingToCallError,
    TicketNotFoundError,
    UnitNotFoundError,
)
from domain.people import CLERK_REASON_MAX
from domain.queue import SCHEDULED_REASON
from domain.tickets import TRANSITIONS, Action, Status
from domain.usecases import citizen_view, clerk_actions
from domain.usecases.clerk_actions import CLERK_ACTIONS
from domain.usecases.joining import JoinAccepted
from domain.usecases.upkeep import run_upkeep
from tests.usecases.conftest import ANA, BRUNO, DAY, ELISA, FAR, OTHER, UNIT, World


def absent(world: World, ticket: JoinAccepted) -> None:
    run_upkeep(world.ctx, world.tick(world.ctx.unit(UNIT).limits.absent_after_s + 5))


def called(world: World, ticket: JoinAccepted) -> None:
    world.call(ticket)


def in_service(world: World, ticket: JoinAccepted) -> None:
    world.call(ticket)
    world.act(ticket, Action.START)


def no_show(world: World, ticket: JoinAccepted) -> None:
    world.call(ticket)
    world.act(ticket, Action.NO_SHOW)


def done(world: World, ticket: JoinAccepted) -> None:
    world.call(ticket)
    world.act(ticket, Action.FINISH)


def left(world: World, ticket: JoinAccepted) -> None:
    citizen_view.leave(world.ctx, ticket.ticket_id, ticket.token, world.tick())


SETUPS: dict[Status, Callable[[World, JoinAccepted], None]] = {
    Status.WAITING: lambda world, ticket: None,
    Status.ABSENT: absent,
    Status.CALLED: called,
    Status.IN_SERVICE: in_service,
    Status.NO_SHOW: no_show,
    Status.DONE: done,
    Status.LEFT: left,
}
MATRIX = [(status, action) for status in SETUPS for action in sorted(CLERK_ACTIONS)]


@pytest.mark.parametrize(("status", "action"), MATRIX, ids=[f"{s}-{a}" for s, a in MATRIX])
def test_a_clerk_action_is_allowed_exactly_when_the_table_has_it(
    world: World, status: Status, action: Action
) -> None:
    ticket = world.arrive()
    SETUPS[status](world, ticket)
    assert world.stored(ticket)["status"] == status
    expected = TRANSITIONS.get((status, action))
    if expected is None:
        with pytest.raises(InvalidTransitionError):
            world.act(ticket, action, target_unit=OTHER)
        assert world.stored(ticket)["status"] == status
    else:
        assert world.act(ticket, action, target_unit=OTHER) == expected
        assert world.stored(ticket)["status"] == expected


def test_call_next_follows_the_law_and_says_the_priority(world: World) -> None:
    world.arrive("Pessoa Comum")
    elder = world.arrive("Idosa Oitentona", priority=("idoso_80",))
    result = clerk_actions.call_next(world.ctx, UNIT, world.who(ANA), world.tick())
    assert result.ticket_id == elder.ticket_id and "80" in result.priority
    assert result.out_of_order_reason == "prioridade legal"  # ahead of who arrived first, by the law


def test_call_next_on_an_empty_line(world: World) -> None:
    with pytest.raises(NothingToCallError):
        clerk_actions.call_next(world.ctx, UNIT, world.who(ANA), world.now)


def test_calling_someone_out_of_order_needs_a_reason_which_is_kept(world: World) -> None:
    world.arrive("Pessoa Primeira")
    second = world.arrive("Pessoa Segunda")
    with pytest.raises(InvalidInputError):
        world.call(second, reason="")
    result = world.call(second, reason="retorno combinado")
    assert result.out_of_order_reason == "servidor: retorno combinado"
    assert "retorno combinado" in world.stored(second)["callReason"]


def test_calling_the_head_of_the_line_needs_no_reason(world: World) -> None:
    first = world.arrive()
    assert world.call(first, reason="").out_of_order_reason == ""


def test_a_reason_over_the_limit_is_refused(world: World) -> None:
    world.arrive("Pessoa Primeira")
    second = world.arrive("Pessoa Segunda")
    with pytest.raises(InvalidInputError):
        world.call(second, reason="x" * (CLERK_REASON_MAX + 1))


def test_a_call_puts_the_clerk_online_and_asks_for_the_meeting(world: World) -> None:
    ticket = world.arrive()
    world.call(ticket)
    state = world.ctx.store.load(UNIT, DAY)[0]
    assert state.clerks[ANA].status == "online" and state.called[ticket.ticket_id.rsplit(".", 1)[1]]
    assert world.fakes.bus.waiting("meeting-requests") == [{"ticketId": ticket.ticket_id}]


def test_a_clerk_acts_only_on_the_units_they_serve(world: World) -> None:
    ticket = world.arrive(unit=OTHER)
    with pytest.raises(ForbiddenError):
        world.call(ticket, clerk=BRUNO)
    with pytest.raises(ForbiddenError):
        clerk_actions.call_next(world.ctx, FAR, world.who(ANA), world.now)
    with pytest.raises(NothingToCallError):  # Elisa may: the line is just empty
        clerk_actions.call_next(world.ctx, FAR, world.who(ELISA), world.now)


def test_a_ticket_of_another_unit_is_not_found_through_this_one(world: World) -> None:
    ticket = world.arrive(unit=OTHER)
    with pytest.raises(TicketNotFoundError):
        clerk_actions.call_ticket(world.ctx, UNIT, ticket.ticket_id, world.who(ANA), world.now, "x")


@pytest.mark.parametrize(
    ("target", "error"),
    [(UNIT, InvalidInputError), ("trf1-coger", InvalidInputError), ("nao-existe", UnitNotFoundError)],
)
def test_a_transfer_needs_another_active_unit(world: World, target: str, error: type[Exception]) -> None:
    ticket = world.arrive()
    world.call(ticket)
    with pytest.raises(error):
        world.act(ticket, Action.TRANSFER, target_unit=target)
    assert world.stored(ticket)["status"] == "called"


def test_a_transfer_sends_the_person_to_the_other_line_with_a_reason(world: World) -> None:
    ticket = world.arrive("Maria Transferida")
    world.call(ticket)
    world.act(ticket, Action.TRANSFER, target_unit=OTHER, reason="assunto da outra vara")
    stored = world.stored(ticket)
    assert stored["transferReason"] == "assunto da outra vara" and stored["transferredTo"].startswith(OTHER)
    world.admit()
    moved = world.stored(stored["transferredTo"])
    assert moved["status"] == "waiting" and moved["name"] == "Maria Transferida"


def test_requeue_keeps_the_reason_and_puts_the_person_back(world: World) -> None:
    ticket = world.arrive()
    world.call(ticket)
    world.act(ticket, Action.REQUEUE, reason="documentos pendentes")
    assert world.stored(ticket)["requeueReason"] == "documentos pendentes"
    assert world.view(ticket)["status"] == "waiting"


def test_finishing_records_the_service_time(world: World) -> None:
    ticket = world.arrive()
    world.call(ticket)
    world.act(ticket, Action.START)
    world.tick(299)
    world.act(ticket, Action.FINISH)
    assert world.stored(ticket)["serviceSeconds"] == 300


@pytest.mark.parametrize("status", ["online", "paused", "offline"])
def test_presence_is_set(world: World, status: str) -> None:
    clerk_actions.set_presence(world.ctx, UNIT, world.who(ANA), status, world.now)
    assert world.ctx.store.load(UNIT, DAY)[0].clerks[ANA].status == status


def test_an_unknown_presence_is_refused(world: World) -> None:
    with pytest.raises(InvalidInputError):
        clerk_actions.set_presence(world.ctx, UNIT, world.who(ANA), "almoçando", world.now)


def test_an_action_outside_the_clerks_is_refused(world: World) -> None:
    ticket = world.arrive()
    with pytest.raises(InvalidTransitionError):
        world.act(ticket, Action.CLOSE)


def test_the_scheduled_reason_is_the_one_for_appointments() -> None:
    assert SCHEDULED_REASON == "atendimento agendado"
