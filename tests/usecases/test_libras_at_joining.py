"""Libras at joining on the fakes (issue 14, point 4; Res. CNJ 401/2021): a citizen who asked for a Libras
interpreter when joining gets the court's interpreter invited, through the invitation of issue 9, once the
meeting has its link, on behalf of the clerk who called; the clerk sees the request before calling. A
replayed meeting message invites no one twice; a citizen who did not ask, or a court with no interpreter,
invites no one."""

from __future__ import annotations

import json

from domain.tickets import Action
from domain.usecases import chat, clerk_queue, meetings
from tests.usecases.conftest import ANA, DAY, ELISA, FAR, OTHER, World

INTERPRETER = "helena.libras@trf1.jus.br"  # the Libras interpreter of the TRF1 (demo configuration)


def invitations(world: World, ticket_id: str) -> list[dict[str, str]]:
    found: list[dict[str, str]] = json.loads(world.stored(ticket_id).get("invitations") or "[]")
    return found


def test_the_interpreter_is_invited_once_when_the_meeting_is_ready_and_the_citizen_is_told(
    world: World,
) -> None:
    asked = world.arrive("Luís Sinais", OTHER, accessibility=("libras", "outra"), accessibility_note="Leio")
    console = clerk_queue.clerk_queue(world.ctx, OTHER, world.who(ANA), world.now)
    [entry] = [t for t in console.waiting if t.ticket_id == asked.ticket_id]
    assert entry.accessibility == ["libras", "outra"] and entry.accessibility_note == "Leio"

    world.call(asked)
    assert invitations(world, asked.ticket_id) == []  # no meeting yet, no link to send
    assert meetings.attach_meeting(world.ctx, asked.ticket_id, world.tick(), last_try=False) == "ready"
    [invited] = invitations(world, asked.ticket_id)
    assert (invited["email"], invited["by"]) == (INTERPRETER, ANA)
    assert chat.citizen_chat(world.ctx, asked.ticket_id, asked.token).interpreter_invited

    # The meeting message delivered again (a retry, a second worker): still one invitation.
    assert meetings.attach_meeting(world.ctx, asked.ticket_id, world.tick(), last_try=False) == "ready"
    assert len(invitations(world, asked.ticket_id)) == 1
    events = [e for e in world.ctx.store.list_events(OTHER, DAY) if e["action"] == "invite"]
    assert len(events) == 1


def test_no_one_is_invited_when_nothing_was_asked_or_the_court_has_no_interpreter(world: World) -> None:
    plain = world.arrive("Pedro Sem Pedido", OTHER)
    world.call(plain)
    assert meetings.attach_meeting(world.ctx, plain.ticket_id, world.tick(), last_try=False) == "ready"
    assert invitations(world, plain.ticket_id) == []
    world.act(plain, Action.FINISH)

    far = world.arrive("Rita Longe", FAR, accessibility=("libras",))  # TJAM lists no interpreter
    world.call(far, clerk=ELISA)
    assert meetings.attach_meeting(world.ctx, far.ticket_id, world.tick(), last_try=False) == "ready"
    assert invitations(world, far.ticket_id) == []
    assert not chat.citizen_chat(world.ctx, far.ticket_id, far.token).interpreter_invited


def test_with_an_offline_provider_the_call_itself_invites_the_interpreter(world: World) -> None:
    """Jitsi and the local rooms make the meeting inside the call (issue 17): no meeting message follows,
    so the call invites the interpreter, once."""
    world.fakes.meetings.offline = True
    asked = world.arrive("Luís Sinais", OTHER, accessibility=("libras",))
    world.call(asked)
    [invited] = invitations(world, asked.ticket_id)
    assert (invited["email"], invited["by"]) == (INTERPRETER, ANA)
    assert chat.citizen_chat(world.ctx, asked.ticket_id, asked.token).interpreter_invited
    assert meetings.attach_meeting(world.ctx, asked.ticket_id, world.tick(), last_try=False) == "ready"
    assert len(invitations(world, asked.ticket_id)) == 1  # a stray meeting message adds nothing
