"""Admission on the fakes: order numbers by arrival, the line by the law's order, refusals written as
rejected tickets (with why), replays recognised, several units in one batch."""

from __future__ import annotations

import json

import pytest

from domain.ports import JOIN_QUEUE
from domain.usecases import admission, retention
from tests.fakes.context import demo_config, fake_context
from tests.usecases.conftest import DAY, OTHER, UNIT, World


def test_numbers_follow_arrival_and_the_display_says_them(world: World) -> None:
    tickets = [world.join(f"Pessoa Número {n}") for n in ("Um", "Dois", "Três")]
    assert set(world.admit().values()) == {"waiting"}
    stored = [world.stored(t) for t in tickets]
    assert [t["seq"] for t in stored] == [1, 2, 3]
    assert all(t["display"] and t["status"] == "waiting" and t["admittedAt"] for t in stored)


def test_the_line_follows_the_law_whatever_the_arrival(world: World) -> None:
    normal = world.join("Pessoa Comum")
    donor = world.join("Doadora de Sangue", priority=("doador_de_sangue",))
    pregnant = world.join("Gestante Silva", priority=("gestante",))
    elder = world.join("Idoso Oitentão", priority=("idoso_80",))
    world.admit()
    positions = {t.ticket_id: world.view(t)["position"] for t in (normal, donor, pregnant, elder)}
    assert positions[elder.ticket_id] == 1
    assert positions[pregnant.ticket_id] < positions[normal.ticket_id]
    assert positions[donor.ticket_id] < positions[normal.ticket_id]


def test_the_admit_event_carries_what_the_metrics_need_and_no_name(world: World) -> None:
    world.arrive("Maria das Dores", priority=("gestante",))
    [event] = world.ctx.store.list_events(UNIT, DAY)
    assert event["action"] == "admit" and event["by"] == "system"
    data = json.loads(event["data"])
    assert data == {"klass": 1, "role": "parte", "reason": "orientacao", "position": 1}
    assert "Maria" not in json.dumps(event)


def test_the_same_person_twice_before_admission_gets_one_place_and_one_refusal(world: World) -> None:
    first, second = world.join("Pessoa Repetida"), world.join("Pessoa Repetida")
    assert world.admit() == {first.ticket_id: "waiting", second.ticket_id: "rejected"}
    assert world.stored(second)["rejectedReason"] == "ja-na-fila"
    view = world.view(second)
    assert view["status"] == "rejected"


def test_a_full_line_refuses_at_admission_what_the_door_let_in() -> None:
    ctx, fakes = fake_context(demo_config(maxWaiting=2))
    world = World(ctx, fakes)
    tickets = [world.join(f"Pessoa {n}") for n in ("Alfa", "Beta", "Gama")]  # the door saw an empty line
    outcome = world.admit()
    assert [outcome[t.ticket_id] for t in tickets] == ["waiting", "waiting", "rejected"]
    assert (
        world.stored(tickets[2])["rejectedReason"] == "fila-cheia"
        or world.stored(tickets[2])["status"] == "rejected"
    )


def test_a_line_closed_meanwhile_refuses_with_the_unit_closed(world: World) -> None:
    ticket = world.join()
    state, etag = world.ctx.store.load(UNIT, DAY)
    state.closed = "closed"
    world.ctx.store.commit(state, etag)
    assert world.admit() == {ticket.ticket_id: "rejected"}
    assert world.stored(ticket)["rejectedReason"] == admission.UNIT_CLOSED


def test_one_batch_admits_into_each_unit_of_its_requests(world: World) -> None:
    here, there = world.join("Pessoa Daqui"), world.join("Pessoa Dali", unit=OTHER)
    outcome = world.admit()
    assert outcome == {here.ticket_id: "waiting", there.ticket_id: "waiting"}
    assert world.ctx.store.load(OTHER, DAY)[0].seq == 1 and world.ctx.store.load(UNIT, DAY)[0].seq == 1


def test_a_replayed_batch_is_all_duplicates_and_changes_nothing(world: World) -> None:
    for n in ("Um", "Dois"):
        world.join(f"Pessoa {n}")
    batch = world.fakes.bus.take(JOIN_QUEUE)
    admission.admit(world.ctx, batch, world.now)
    before = world.ctx.store.load(UNIT, DAY)[0]
    assert set(admission.admit(world.ctx, batch, world.now).values()) == {admission.DUPLICATE}
    after = world.ctx.store.load(UNIT, DAY)[0]
    assert (after.seq, after.line) == (before.seq, before.line) and len(
        world.ctx.store.list_events(UNIT, DAY)
    ) == 2


def test_a_request_erased_before_admission_is_skipped(world: World) -> None:
    ticket = world.join("Quem Desistiu Cedo")
    retention.erase_own_data(world.ctx, ticket.ticket_id, ticket.token, world.now)
    assert world.admit() == {ticket.ticket_id: admission.DUPLICATE}
    stored = world.stored(ticket)
    assert stored["status"] == "left" and stored["dataErasedAt"] and not stored.get("name")
    assert world.ctx.store.load(UNIT, DAY)[0].line == []


@pytest.mark.parametrize("companions", [0, 3])
def test_companions_are_kept_with_the_place(world: World, companions: int) -> None:
    ticket = world.arrive(companions=companions)
    assert (
        world.ctx.store.load(UNIT, DAY)[0].find(ticket.ticket_id.rsplit(".", 1)[1]).companions == companions
    )
