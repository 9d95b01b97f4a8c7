"""Meetings and the clerks' notices on the fakes: the link published once it exists, replays, the
provider failing for a while or for good, the clerk's retry; notices delivered once per dedup key to
the unit's channel, with the citizen's data read from the ticket (never from the queue)."""

from __future__ import annotations

import json

import pytest

from domain.errors import InvalidTransitionError, TicketNotFoundError, TransientProviderError
from domain.ports import MEETING_QUEUE, NOTIFY_QUEUE
from domain.tickets import Action
from domain.usecases import clerk_actions, meetings, notices
from tests.fakes.context import fake_context
from tests.usecases.conftest import ANA, DAY, OTHER, UNIT, World

HOOK = "https://example.webhook.office.com/webhookb2/x"


@pytest.fixture
def teams() -> World:
    """A world whose unit has a Teams channel."""
    return World(*fake_context(webhooks={UNIT: HOOK}))


def called(world: World) -> str:
    ticket = world.arrive("Maria das Dores")
    world.call(ticket)
    world.fakes.bus.take(MEETING_QUEUE)
    return ticket.ticket_id


def deliver(world: World) -> int:
    return notices.deliver_notifications(world.ctx, world.fakes.bus.take(NOTIFY_QUEUE), world.now)


def test_the_meeting_link_is_published_and_the_clerks_told(teams: World) -> None:
    ticket_id = called(teams)
    assert meetings.attach_meeting(teams.ctx, ticket_id, teams.now, last_try=False) == "ready"
    stored = teams.stored(ticket_id)
    assert stored["joinUrl"] and stored["meetingReadyAt"] and stored["meetingProvider"] == "local"
    assert deliver(teams) == 1
    [card] = teams.fakes.notifier.cards()
    assert card.kind == "citizen_called" and card.data["display_number"]
    assert "Maria das Dores" not in str(card.data), "a card carries no citizen data"
    assert card.data["clerk_name"] == "Ana Souza"


def test_a_replayed_meeting_request_makes_no_second_meeting_nor_card(teams: World) -> None:
    ticket_id = called(teams)
    for _ in range(3):
        assert meetings.attach_meeting(teams.ctx, ticket_id, teams.now, last_try=False) == "ready"
    assert len(teams.fakes.meetings.calls) == 1
    assert deliver(teams) == 1 and deliver(teams) == 0  # the same card, once, even within one batch


def test_a_provider_failing_for_a_while_is_retried_by_the_queue(world: World) -> None:
    ticket_id = called(world)
    world.fakes.meetings.transient_failures = 1
    with pytest.raises(TransientProviderError):
        meetings.attach_meeting(world.ctx, ticket_id, world.now, last_try=False)
    assert world.stored(ticket_id).get("meetingStatus", "pending") == "pending"
    assert meetings.attach_meeting(world.ctx, ticket_id, world.now, last_try=False) == "ready"


def test_the_last_try_marks_the_meeting_failed_and_tells_the_clerks(teams: World) -> None:
    ticket_id = called(teams)
    teams.fakes.meetings.transient_failures = 5
    assert meetings.attach_meeting(teams.ctx, ticket_id, teams.now, last_try=True) == "failed"
    stored = teams.stored(ticket_id)
    assert stored["meetingStatus"] == "failed" and stored["meetingError"]
    deliver(teams)
    assert [c.kind for c in teams.fakes.notifier.cards()] == ["meeting_failed"]


def test_a_broken_provider_fails_at_once(world: World) -> None:
    ticket_id = called(world)
    world.fakes.meetings.broken = "credenciais inválidas"
    assert meetings.attach_meeting(world.ctx, ticket_id, world.now, last_try=False) == "failed"
    assert "credenciais" in world.stored(ticket_id)["meetingError"]


def test_the_clerks_retry_asks_for_the_meeting_again(world: World) -> None:
    ticket_id = called(world)
    world.fakes.meetings.broken = "fora do ar"
    meetings.attach_meeting(world.ctx, ticket_id, world.now, last_try=False)
    clerk_actions.retry_meeting(world.ctx, UNIT, ticket_id, world.who(ANA), world.now)
    assert world.stored(ticket_id)["meetingStatus"] == "pending"
    assert world.fakes.bus.take(MEETING_QUEUE) == [{"ticketId": ticket_id}]
    world.fakes.meetings.broken = ""
    assert meetings.attach_meeting(world.ctx, ticket_id, world.now, last_try=False) == "ready"


def test_a_retry_needs_a_called_ticket_of_the_unit(world: World) -> None:
    waiting = world.arrive()
    with pytest.raises(InvalidTransitionError):
        clerk_actions.retry_meeting(world.ctx, UNIT, waiting.ticket_id, world.who(ANA), world.now)
    elsewhere = world.arrive("Outra Pessoa", unit=OTHER)
    with pytest.raises(TicketNotFoundError):
        clerk_actions.retry_meeting(world.ctx, UNIT, elsewhere.ticket_id, world.who(ANA), world.now)


def test_a_meeting_for_someone_no_longer_called_is_not_made(world: World) -> None:
    ticket = world.arrive()
    world.call(ticket)
    world.act(ticket, Action.FINISH)
    assert meetings.attach_meeting(world.ctx, ticket.ticket_id, world.now, last_try=False) == "gone"
    assert world.fakes.meetings.calls == []


def test_the_queue_carries_no_citizen_data(teams: World) -> None:
    ticket_id = called(teams)
    meetings.attach_meeting(teams.ctx, ticket_id, teams.now, last_try=False)
    text = json.dumps(teams.fakes.bus.waiting(NOTIFY_QUEUE))
    assert "Maria" not in text and ticket_id in text


def test_a_unit_without_a_channel_sends_nothing(world: World) -> None:
    ticket_id = called(world)
    meetings.attach_meeting(world.ctx, ticket_id, world.now, last_try=False)
    assert deliver(world) == 0 and world.fakes.notifier.sent == []


def test_notices_of_unknown_units_are_dropped_and_the_rest_grouped_by_unit(teams: World) -> None:
    notices.send_notice(teams.ctx, "no_clerk_online", "nao-existe", "k1")
    notices.send_notice(teams.ctx, "no_clerk_online", UNIT, "k2", waiting_count=3)
    notices.send_notice(teams.ctx, "no_clerk_online", UNIT, "k3", waiting_count=4)
    assert deliver(teams) == 2
    [(url, batch)] = teams.fakes.notifier.sent
    assert url == HOOK and [n.data["waiting_count"] for n in batch] == [3, 4]
    notices.send_notice(teams.ctx, "no_clerk_online", UNIT, "k2", waiting_count=3)
    notices.send_notice(teams.ctx, "no_clerk_online", UNIT, "k3", waiting_count=4)
    assert deliver(teams) == 0  # recorded as done: a replayed message sends nothing
    assert len(teams.fakes.notifier.sent) == 1


def test_a_notice_without_dedup_key_is_always_delivered(teams: World) -> None:
    for _ in range(2):
        notices.send_notice(teams.ctx, "generic", UNIT, "", summary="aviso")
        assert deliver(teams) == 1


def test_message_fields_are_taken_as_they_are_and_nothing_else(teams: World) -> None:
    notices.send_notice(teams.ctx, "generic", UNIT, "k", summary="ok", secret="não copie")
    deliver(teams)
    [card] = teams.fakes.notifier.cards()
    assert card.data == {"summary": "ok"}


# --- a provider that makes its links offline (Jitsi, local): the meeting in the call's transaction ---


def test_an_offline_providers_meeting_is_made_in_the_call_and_the_clerks_told_once(teams: World) -> None:
    teams.fakes.meetings.offline = True
    ticket = teams.arrive("Maria das Dores")
    commits = teams.fakes.store.commits
    teams.call(ticket)
    assert teams.fakes.store.commits == commits + 1  # the call's own transaction, nothing more
    stored = teams.stored(ticket)
    assert (
        stored["meetingStatus"] == "ready"
        and stored["joinUrl"] == f"https://reuniao.example/{ticket.ticket_id}"
    )
    state, _ = teams.ctx.store.load(UNIT, DAY)
    assert state.called[ticket.ticket_id.split(".")[2]].join_url == stored["joinUrl"]
    assert teams.fakes.bus.take(MEETING_QUEUE) == []  # no meeting request
    notice = teams.fakes.bus.take(NOTIFY_QUEUE)
    assert [m["kind"] for m in notice] == ["citizen_called"]
    assert "Maria" not in json.dumps(notice)  # the queue carries no personal data
    assert notices.deliver_notifications(teams.ctx, notice + notice, teams.now) == 1  # a replay: once
    assert notices.deliver_notifications(teams.ctx, notice, teams.now) == 0
    [card] = teams.fakes.notifier.cards()
    assert card.data["join_url"] == stored["joinUrl"]
    assert "Maria" not in json.dumps(card.data)  # nor does the card (issue 16): the console keeps the name


def test_an_offline_provider_that_refuses_leaves_the_meeting_to_the_queue(world: World) -> None:
    world.fakes.meetings.offline = True
    world.fakes.meetings.broken = "sala indisponível"
    ticket = world.arrive()
    world.call(ticket)
    assert world.stored(ticket).get("meetingStatus") == "pending"
    assert [m["ticketId"] for m in world.fakes.bus.take(MEETING_QUEUE)] == [ticket.ticket_id]
    assert world.fakes.bus.take(NOTIFY_QUEUE) == []
    world.fakes.meetings.broken = ""
    assert meetings.attach_meeting(world.ctx, ticket.ticket_id, world.now, last_try=False) == "ready"


def test_a_calls_card_is_delivered_from_its_message_without_reading_the_ticket(
    teams: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 17: the call knows what its card shows (number, class, clerk, links), so delivering the
    card reads nothing; a replay of the meeting request (no meeting at hand) carries no fields: its
    card reads them from the ticket (one read) and is deduplicated by the notifier, which posted it."""
    teams.fakes.meetings.offline = True
    ticket = teams.arrive("Maria das Dores")
    teams.call(ticket)
    notice = teams.fakes.bus.take(NOTIFY_QUEUE)
    stored = teams.stored(ticket)
    reads: list[str] = []
    read = teams.fakes.store.get_ticket
    monkeypatch.setattr(teams.fakes.store, "get_ticket", lambda t: reads.append(t) or read(t))
    assert notices.deliver_notifications(teams.ctx, notice, teams.now) == 1
    assert reads == []
    [card] = teams.fakes.notifier.cards()
    assert card.data["display_number"] == stored["display"]
    assert card.data["priority"] == "Atendimento geral"  # nobody in line claimed a priority
    assert card.data["clerk_name"] == "Ana Souza"
    assert card.data["join_url"] == stored["joinUrl"]
    assert "role" not in card.data and "reason" not in card.data  # the console keeps the details
    meetings.attach_meeting(teams.ctx, ticket.ticket_id, teams.now, last_try=False)  # a replay
    replayed = teams.fakes.bus.take(NOTIFY_QUEUE)
    assert "display_number" not in replayed[0]
    reads.clear()  # what the replayed request itself read (the interpreter's check) is not the card's
    assert notices.deliver_notifications(teams.ctx, replayed, teams.now) == 0
    assert reads == [ticket.ticket_id] and len(teams.fakes.notifier.cards()) == 1
