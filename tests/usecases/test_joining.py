"""Joining a queue on the fakes: what is refused at the door (every bad field named), what is sent to
the admission queue, and when the unit is closed, full or already has the person."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from domain.errors import (
    AlreadyInQueueError,
    InvalidInputError,
    QueueFullError,
    UnauthenticatedError,
    UnitClosedError,
    UnitNotFoundError,
)
from domain.people import NAME_MAX
from domain.ports import JOIN_QUEUE
from domain.usecases import joining
from domain.usecases.joining import JoinInput
from tests.fakes.context import demo_config, fake_context
from tests.usecases.conftest import NOW, OTHER, UNIT, World

VALID = {
    "name": "Maria das Dores",
    "role": "parte",
    "reason": "orientacao",
    "consent": True,
    "category": "partes",
}
PROCESS = "0000001-00.2026.4.01.3000"


def valid_process_number() -> str:
    from domain.validation import cnj_check_digits

    return f"0000001-{cnj_check_digits('0000001', '2026', '4', '01', '3000')}.2026.4.01.3000"


def refused_fields(world: World, **changes: Any) -> dict[str, str]:
    with pytest.raises(InvalidInputError) as refused:
        joining.accept_join(world.ctx, UNIT, JoinInput(**{**VALID, **changes}), NOW)
    assert world.fakes.bus.waiting(JOIN_QUEUE) == []  # nothing reaches the queue
    return dict(refused.value.fields or {})


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "\u0000\u0007"}, "name"),
        ({"name": "x" * (NAME_MAX + 1)}, "name"),
        ({"role": "juiz"}, "role"),
        ({"role": ""}, "role"),
        ({"reason": "assunto-inexistente"}, "reason"),
        ({"category": ""}, "category"),
        ({"category": "vip"}, "category"),
        ({"priority": ("rei",)}, "priority"),
        ({"companions": 4}, "companions"),
        ({"companions": -1}, "companions"),
        ({"processNumber": "123"}, "processNumber"),
        ({"processNumber": "0000001-99.2026.4.01.3000"}, "processNumber"),  # check digits
        ({"role": "advogado", "oabNumber": "", "oabState": "AC"}, "oabNumber"),
        ({"role": "advogado", "oabNumber": "1234567", "oabState": "AC"}, "oabNumber"),
        ({"role": "advogado", "oabNumber": "1234", "oabState": "XX"}, "oabState"),
    ],
)
def test_a_bad_field_is_named_and_nothing_is_queued(
    world: World, changes: dict[str, Any], field: str
) -> None:
    renamed = {"processNumber": "process_number", "oabNumber": "oab_number", "oabState": "oab_state"}
    assert field in refused_fields(world, **{renamed.get(k, k): v for k, v in changes.items()})


def test_every_bad_field_is_named_at_once(world: World) -> None:
    fields = refused_fields(world, name="", role="juiz", reason="x", category="")
    assert set(fields) == {"name", "role", "reason", "category"}


def test_joining_does_not_depend_on_consent(world: World) -> None:
    """The legal basis is the public service (LGPD art. 7 III, art. 23), not consent: a join without
    it, or with `consent: false` from an older client, is accepted (issue 16, observation 7)."""
    for consent in (False, True):
        body = {**VALID, "name": f"Pessoa {consent}", "consent": consent}
        accepted = joining.accept_join(world.ctx, UNIT, JoinInput(**body), NOW)
        assert accepted.ticket_id


def test_a_name_of_exactly_the_limit_is_accepted(world: World) -> None:
    accepted = joining.accept_join(world.ctx, UNIT, JoinInput(**{**VALID, "name": "a" * NAME_MAX}), NOW)
    [queued] = world.fakes.bus.waiting(JOIN_QUEUE)
    assert queued["ticketId"] == accepted.ticket_id and queued["name"] == "a" * NAME_MAX


def test_the_request_is_normalized_before_it_is_queued(world: World) -> None:
    data = JoinInput(
        **{**VALID, "name": "  Maria \t das   Dores ", "role": "advogado"},
        oab_number="00.123",
        oab_state="ac",
        process_number=valid_process_number().replace("-", "").replace(".", ""),
        priority=("gestante", "idoso_60", "gestante"),
    )
    joining.accept_join(world.ctx, UNIT, data, NOW)
    [queued] = world.fakes.bus.waiting(JOIN_QUEUE)
    assert queued["name"] == "Maria das Dores"
    assert (queued["oabNumber"], queued["oabState"]) == ("123", "AC")
    assert queued["processNumber"] == valid_process_number()


def test_the_accepted_ticket_is_named_for_its_unit_and_day_and_signed(world: World) -> None:
    accepted = joining.accept_join(world.ctx, UNIT, JoinInput(**VALID), NOW)
    assert accepted.ticket_id.startswith(f"{UNIT}.20261130.") and accepted.unit_id == UNIT
    world.ctx.keys.verify(accepted.ticket_id, accepted.token)
    with pytest.raises(UnauthenticatedError):
        world.ctx.keys.verify(accepted.ticket_id, accepted.token[:-2] + "xx")


def test_a_unit_without_categories_ignores_the_category(world: World) -> None:
    joining.accept_join(world.ctx, OTHER, JoinInput(**{**VALID, "category": "anything"}), NOW)
    [queued] = world.fakes.bus.waiting(JOIN_QUEUE)
    assert queued.get("category", "") == ""


def test_an_unknown_unit_is_not_found(world: World) -> None:
    with pytest.raises(UnitNotFoundError):
        joining.accept_join(world.ctx, "nao-existe", JoinInput(**VALID), NOW)


def test_an_inactive_unit_is_closed(world: World) -> None:
    with pytest.raises(UnitClosedError):
        joining.accept_join(world.ctx, "trf1-coger", JoinInput(**{**VALID, "category": ""}), NOW)


def test_a_closed_unit_tells_when_it_opens_and_the_alternatives() -> None:
    ctx, fakes = fake_context(always_open=False)
    sunday = datetime(2026, 11, 29, 15, 0, tzinfo=UTC)
    with pytest.raises(UnitClosedError) as closed:
        joining.accept_join(ctx, UNIT, JoinInput(**VALID), sunday)
    assert closed.value.next_opening == datetime(2026, 11, 30, 14, 0, tzinfo=UTC)  # Monday 09:00 local
    assert "30/11/2026 às 09h00" in closed.value.message
    assert any("E-mail" in a for a in closed.value.alternatives)
    assert fakes.bus.waiting(JOIN_QUEUE) == []


def test_a_queue_closed_for_the_day_refuses(world: World) -> None:
    state, etag = world.ctx.store.load(UNIT, "20261130")
    state.closed = "closed"
    world.ctx.store.commit(state, etag)
    with pytest.raises(UnitClosedError, match="encerrada"):
        joining.accept_join(world.ctx, UNIT, JoinInput(**VALID), NOW)


def test_the_same_person_in_line_is_refused_whatever_the_accents_and_case(world: World) -> None:
    world.arrive("José da Conceição")
    with pytest.raises(AlreadyInQueueError):
        world.join("JOSE DA CONCEICAO")
    world.join("José da Conceição", unit=OTHER)  # another unit is another line


def test_a_full_queue_is_refused_at_the_door() -> None:
    ctx, _ = fake_context(demo_config(maxWaiting=1))
    world = World(ctx, _)
    world.arrive("Primeira Pessoa")
    with pytest.raises(QueueFullError):
        world.join("Segunda Pessoa")


def test_the_queued_request_carries_what_admission_needs(world: World) -> None:
    accepted = world.join("Maria das Dores", priority=("idoso_80",), companions=2)
    [queued] = world.fakes.bus.waiting(JOIN_QUEUE)
    assert queued["ticketId"] == accepted.ticket_id and queued["arrivedMs"] == int(
        world.now.timestamp() * 1000
    )
    assert queued["grounds"] == ["idoso_80"] and queued["companions"] == 2
    assert queued["person"] and "Maria" not in queued["person"]  # the person's key is a keyed hash


def test_joining_is_the_same_for_a_frozen_input_copy(world: World) -> None:
    data = JoinInput(**VALID)
    joining.accept_join(world.ctx, UNIT, replace(data, name="Outra Pessoa"), NOW)
    joining.accept_join(world.ctx, UNIT, data, NOW)
    assert [q["name"] for q in world.fakes.bus.waiting(JOIN_QUEUE)] == ["Outra Pessoa", "Maria das Dores"]
