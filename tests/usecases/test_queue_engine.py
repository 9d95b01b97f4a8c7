"""The queue engine's storage rules on the fakes (moved from the Azurite tier, assertions kept):
replays change nothing, positions and wait estimates follow the line, a full queue and a second
ticket of the same person are refused at the door."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from domain.errors import AlreadyInQueueError, QueueFullError, UnauthenticatedError
from domain.ports import JOIN_QUEUE
from domain.tickets import Action
from domain.usecases import admission, clerk_actions, joining
from domain.usecases.context import Context
from tests.fakes.context import demo_config, fake_context
from tests.support.flows import admit_waiting, ticket_json

UNIT = "trf1-sjac-01vf"
NOW = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)


def join(ctx: Context, i: int, **extra: object) -> joining.JoinAccepted:
    """Citizen i arrives i milliseconds after NOW."""
    data = {
        "name": f"Cidadão Número {i}",
        "role": "parte",
        "reason": "orientacao",
        "consent": True,
        "category": "partes",
        **extra,
    }
    return joining.accept_join(ctx, UNIT, joining.JoinInput(**data), NOW + timedelta(milliseconds=i))  # type: ignore[arg-type]


def test_a_replayed_admission_changes_nothing() -> None:
    ctx, fakes = fake_context()
    for i in range(5):
        join(ctx, i)
    payloads = fakes.bus.take(JOIN_QUEUE)
    first = admission.admit(ctx, payloads, NOW)
    before, _ = ctx.store.load(UNIT, "20261130")
    again = admission.admit(ctx, payloads, NOW)
    after, _ = ctx.store.load(UNIT, "20261130")
    assert set(first.values()) == {"waiting"} and set(again.values()) == {"duplicate"}
    assert [e.short for e in after.line] == [e.short for e in before.line] and after.seq == before.seq == 5


def test_a_replay_after_the_citizen_was_called_is_recognised_by_storage() -> None:
    ctx, fakes = fake_context()
    join(ctx, 1)
    payloads = fakes.bus.take(JOIN_QUEUE)
    admission.admit(ctx, payloads, NOW)
    clerk = ctx.principal("ana.souza@trf1.jus.br")
    called = clerk_actions.call_next(ctx, UNIT, clerk, NOW)
    clerk_actions.clerk_action(
        ctx, UNIT, called.ticket_id, clerk_actions.ClerkMove(Action.FINISH), clerk, NOW
    )
    assert admission.admit(ctx, payloads, NOW) == {
        called.ticket_id: "duplicate"
    }  # the ticket exists: no second place
    state, _ = ctx.store.load(UNIT, "20261130")
    assert state.line == [] and state.seq == 1


def test_position_and_wait_estimate_follow_the_line() -> None:
    ctx, _ = fake_context()
    normal = [join(ctx, i) for i in range(3)]
    admit_waiting(ctx, NOW)
    elder = join(ctx, 99, priority=["idoso_80"])
    admit_waiting(ctx, NOW)
    views = {a.ticket_id: ticket_json(ctx, a, NOW) for a in [*normal, elder]}
    assert views[elder.ticket_id]["position"] == 1  # 80+ goes first even arriving last
    assert [views[a.ticket_id]["position"] for a in normal] == [2, 3, 4]
    assert views[normal[2].ticket_id]["peopleAhead"] == 3
    assert (
        views[normal[2].ticket_id]["estimatedWait"]["maxMinutes"]
        >= views[normal[0].ticket_id]["estimatedWait"]["maxMinutes"]
    )
    with pytest.raises(UnauthenticatedError):
        ticket_json(ctx, (elder.ticket_id, normal[0].token), NOW)


def test_queue_full_is_told_at_the_door() -> None:
    ctx, _ = fake_context(demo_config(maxWaiting=2))
    join(ctx, 1)
    join(ctx, 2)
    admit_waiting(ctx, NOW)
    with pytest.raises(QueueFullError):
        join(ctx, 3)
    with pytest.raises(AlreadyInQueueError):
        join(ctx, 1)  # the same person (name and role) already has an active ticket here


def test_a_batch_over_one_transaction_is_admitted_in_chunks_with_gapless_numbers() -> None:
    """More requests of one unit-day than one transaction holds (49 tickets + the state): several
    commits, numbers 1..N in order of arrival."""
    ctx, fakes = fake_context(demo_config(maxWaiting=5000))
    accepted = [join(ctx, i) for i in range(120)]
    outcome = admission.admit(ctx, fakes.bus.take(JOIN_QUEUE), NOW)
    assert list(outcome.values()) == ["waiting"] * 120
    tickets = {t["ticketId"]: t for t in ctx.store.list_tickets(UNIT, "20261130")}
    assert [int(tickets[a.ticket_id]["seq"]) for a in accepted] == list(range(1, 121))
    assert fakes.store.commits == 3  # 49 + 49 + 22
