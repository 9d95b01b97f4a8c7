"""The console for a long shift (issue 15), on the fakes: "Ausente" before the unit's no-show time only
with the clerk's confirmation; today's no-shows listed and returned to the line; is the citizen in the
room (the local room's reports, a Jitsi count, what Teams cannot tell); favourites per person; a unit's
configuration read-only, without secrets."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta

import pytest

from domain.config import parse_configuration
from domain.errors import (
    ConflictError,
    InvalidTransitionError,
    NotFoundError,
    UnauthenticatedError,
    UnitNotFoundError,
)
from domain.tickets import Action, Status
from domain.usecases import clerk_queue, favorites, no_show, rooms, unit_settings
from tests.fakes.context import CONFIG_FILE, demo_config, fake_context
from tests.usecases.conftest import ANA, BRUNO, MANAGER, OTHER, UNIT, World

NO_SHOW_S = 120  # this test's unit setting (limits.noShowSeconds)
WEBHOOK = "https://tribunal.example/webhook/secreto"


@pytest.fixture
def shift() -> Iterator[World]:
    ctx, fakes = fake_context(demo_config(noShowSeconds=NO_SHOW_S))
    yield World(ctx, fakes)


def provider_config(kind: str) -> object:
    raw = json.loads(CONFIG_FILE.read_bytes())
    for unit in raw["units"]:
        if unit["id"] == UNIT:
            unit["meeting"] = {**unit.get("meeting", {}), "provider": kind}
            if kind == "teams":
                unit["meeting"]["organizer"] = "balcao@trf1.jus.br"
    return parse_configuration(json.dumps(raw))


def mark(world: World, ticket_id: str, confirmed: bool = False) -> Status:
    return no_show.mark_no_show(world.ctx, UNIT, ticket_id, world.who(ANA), world.now, confirmed)


# ------------------------------------------------------------------------------ no-show


def test_no_show_before_the_units_time_needs_the_clerks_confirmation(shift: World) -> None:
    ticket = shift.arrive()
    shift.call(ticket)
    shift.tick(NO_SHOW_S - 5)
    with pytest.raises(no_show.NoShowTooEarlyError) as refused:
        mark(shift, ticket.ticket_id)
    assert refused.value.code == "ausencia-antes-do-prazo"
    assert "2 min" in refused.value.message  # the unit's time, said to the clerk
    assert shift.stored(ticket)["status"] == Status.CALLED.value  # nothing changed
    assert mark(shift, ticket.ticket_id, confirmed=True) == Status.NO_SHOW
    events = shift.ctx.store.list_events(UNIT, ticket.ticket_id.split(".")[1])
    assert [e["reason"] for e in events if e["action"] == Action.NO_SHOW.value] == [no_show.CONFIRMED_EARLY]


def test_no_show_after_the_units_time_needs_no_confirmation(shift: World) -> None:
    ticket = shift.arrive()
    shift.call(ticket)
    shift.tick(NO_SHOW_S)
    assert mark(shift, ticket.ticket_id) == Status.NO_SHOW


def test_an_attendance_started_is_not_timed(shift: World) -> None:
    ticket = shift.arrive()
    shift.call(ticket)
    shift.act(ticket, Action.START)
    with pytest.raises(InvalidTransitionError):  # the lifecycle table decides, not the timer
        mark(shift, ticket.ticket_id)


def test_the_console_gives_each_calls_no_show_time_and_todays_no_shows(shift: World) -> None:
    first, second = shift.arrive("Primeira"), shift.arrive("Segunda")
    called_at = shift.tick()
    shift.now = called_at - timedelta(seconds=1)
    shift.call(first)
    assert shift.now == called_at
    view = clerk_queue.clerk_queue(shift.ctx, UNIT, shift.who(ANA), shift.tick())
    [current] = view.called
    assert current.no_show_at == called_at + timedelta(seconds=NO_SHOW_S)
    assert view.now == shift.now and view.no_shows == []
    mark(shift, first.ticket_id, confirmed=True)
    shift.call(second)
    shift.tick(NO_SHOW_S)
    mark(shift, second.ticket_id)
    view = clerk_queue.clerk_queue(shift.ctx, UNIT, shift.who(ANA), shift.tick())
    assert [c.name for c in view.no_shows] == ["Segunda", "Primeira"]  # latest first
    assert all(c.no_show_at is not None for c in view.no_shows)
    shift.act(first, Action.REQUEUE)  # "Devolver à fila"
    view = clerk_queue.clerk_queue(shift.ctx, UNIT, shift.who(ANA), shift.tick())
    assert [c.name for c in view.no_shows] == ["Segunda"]
    assert [c.name for c in view.waiting] == ["Primeira"]


# ------------------------------------------------------------------------------ the room


def test_the_local_room_reports_the_citizen_inside_for_a_while(world: World) -> None:
    ticket = world.arrive()
    with pytest.raises(InvalidTransitionError):  # not called yet
        rooms.citizen_in_room(world.ctx, ticket.ticket_id, ticket.token, world.tick())
    world.call(ticket)
    status = rooms.room_status(world.ctx, UNIT, ticket.ticket_id, world.who(ANA), world.tick())
    assert (status.known, status.citizen_in_room) == (True, False)
    with pytest.raises(UnauthenticatedError):
        rooms.citizen_in_room(world.ctx, ticket.ticket_id, "k1.forjado", world.tick())
    rooms.citizen_in_room(world.ctx, ticket.ticket_id, ticket.token, world.tick())
    status = rooms.room_status(
        world.ctx, UNIT, ticket.ticket_id, world.who(ANA), world.tick(rooms.ROOM_SEEN_S - 1)
    )
    assert status.citizen_in_room is True and status.text == "A pessoa está na sala."
    later = world.tick(2)
    assert (
        rooms.room_status(world.ctx, UNIT, ticket.ticket_id, world.who(ANA), later).citizen_in_room is False
    )


class Census:
    def __init__(self, count: int | None) -> None:
        self.count = count
        self.asked: list[str] = []

    def participants(self, meeting_id: str) -> int | None:
        self.asked.append(meeting_id)
        return self.count


@pytest.mark.parametrize("count", [0, 2, None])
def test_a_jitsi_room_is_counted_where_the_server_tells(count: int | None) -> None:
    ctx, fakes = fake_context(provider_config("jitsi"))  # type: ignore[arg-type]
    census = Census(count)
    fakes.rooms["jitsi"] = census
    world = World(ctx, fakes)
    ticket = world.arrive()
    world.call(ticket)
    world.ctx.store.merge_ticket(ticket.ticket_id, {"meetingId": "sala-1"})
    status = rooms.room_status(ctx, UNIT, ticket.ticket_id, world.who(ANA), world.tick())
    assert census.asked == ["sala-1"]
    assert (status.known, status.participants, status.citizen_in_room) == (count is not None, count, None)
    with pytest.raises(NotFoundError):  # only the local room reports through this app
        rooms.citizen_in_room(ctx, ticket.ticket_id, ticket.token, world.tick())


def test_teams_cannot_tell_and_the_console_says_so() -> None:
    ctx, fakes = fake_context(provider_config("teams"))  # type: ignore[arg-type]
    world = World(ctx, fakes)
    ticket = world.arrive()
    world.call(ticket)
    status = rooms.room_status(ctx, UNIT, ticket.ticket_id, world.who(ANA), world.tick())
    assert not status.known and status.participants is None and "Teams" in status.text


# ------------------------------------------------------------------------------ favourites


def test_favorites_are_per_person_in_the_configurations_order(world: World) -> None:
    order = [u.id for u in world.ctx.config().units]
    later, earlier = sorted([UNIT, OTHER], key=order.index, reverse=True)
    favorites.add_favorite(world.ctx, world.who(ANA), later, world.now)
    assert favorites.add_favorite(world.ctx, world.who(ANA), earlier, world.now).units == [earlier, later]
    assert favorites.add_favorite(world.ctx, world.who(ANA), earlier, world.now).units == [earlier, later]
    assert favorites.favorites(world.ctx, world.who(BRUNO)).units == []
    assert favorites.remove_favorite(world.ctx, world.who(ANA), later).units == [earlier]
    assert favorites.remove_favorite(world.ctx, world.who(ANA), later).units == [earlier]


def test_only_units_of_the_configuration_can_be_starred(world: World) -> None:
    for act in (
        lambda: favorites.add_favorite(world.ctx, world.who(ANA), "x" * 300, world.now),
        lambda: favorites.remove_favorite(world.ctx, world.who(ANA), "nao-existe"),
    ):
        with pytest.raises(UnitNotFoundError):
            act()
    assert world.fakes.favorites.rows == {}  # nothing written


def test_a_person_stars_at_most_the_limit(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(favorites, "MAX_FAVORITES", 2)  # the demo configuration has fewer units than 200
    units = [u.id for u in world.ctx.config().units][:3]
    for unit in units[:2]:
        favorites.add_favorite(world.ctx, world.who(ANA), unit, world.now)
    with pytest.raises(ConflictError):
        favorites.add_favorite(world.ctx, world.who(ANA), units[2], world.now)
    assert favorites.add_favorite(world.ctx, world.who(ANA), units[0], world.now).units == units[:2]


# ------------------------------------------------------------------------------ configuration


def test_a_units_configuration_is_shown_without_secrets() -> None:
    ctx, _ = fake_context(webhooks={UNIT: WEBHOOK})
    shown = unit_settings.unit_settings(ctx, UNIT)
    assert shown.id == UNIT and shown.teams_channel is True
    assert WEBHOOK not in json.dumps(shown.__dict__, default=str)
    assert shown.config_file == "infra/config/balcao.json"
    people = {(s.email, s.role) for s in shown.staff}
    assert (BRUNO, "clerk") in people and (MANAGER, "court_manager") in people
    assert not any(s.email == "elisa.prado@tjam.jus.br" for s in shown.staff)  # another court's clerk
    assert unit_settings.unit_settings(ctx, OTHER).teams_channel is False
    with pytest.raises(UnitNotFoundError):
        unit_settings.unit_settings(ctx, "nao-existe")
