"""Issue 13 on the fakes: contacts on the ticket (never in a queue message), notices delivered once per
key and channel, retried with back-off, "gone" channels dropped, presence of reachable citizens, the
near-front confirmation, and a called citizen put back once before no-show."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from domain.config import NoticesConfig
from domain.contacts import NoticeRequest
from domain.errors import InvalidInputError, InvalidTransitionError
from domain.ports import CITIZEN_NOTICE_QUEUE, JOIN_QUEUE
from domain.tickets import Action
from domain.usecases import citizen_notices, citizen_view, clerk_actions, joining, meetings, reach, retention
from domain.usecases.citizen_notices import BACKOFF_S, MAX_ATTEMPTS, deliver_citizen_notice
from domain.usecases.upkeep import run_upkeep
from tests.domain.test_contacts import sub
from tests.support import flows
from tests.usecases.conftest import ANA, OTHER, UNIT, World

PHONE, EMAIL = "+5568999123456", "maria.silva@exemplo.com.br"
WHATSAPP = {"channel": "whatsapp", "phone": "+55 (68) 99912-3456"}
PUSH = {"channel": "push", "subscription": sub()}
MAIL = {"channel": "email", "email": EMAIL}


def notices(*items: dict[str, Any]) -> tuple[NoticeRequest, ...]:
    return tuple(NoticeRequest(**item) for item in items)


def deliver(world: World, rounds: int = 10) -> list[dict[str, Any]]:
    """Run the citizen-notices queue function over everything waiting (back-off delays aside)."""
    seen: list[dict[str, Any]] = []
    for _ in range(rounds):
        batch = world.fakes.bus.drain(CITIZEN_NOTICE_QUEUE, 32)
        if not batch.items:
            return seen
        for item in batch.items:
            seen.append(item.payload)
            deliver_citizen_notice(world.ctx, item.payload, world.tick())
        batch.complete()
    raise AssertionError("the queue never emptied")


def sent(world: World, channel: str) -> list[str]:
    return [n.kind for n in world.fakes.channels[channel].sent]


def test_contacts_given_at_joining_stay_on_the_ticket_and_never_travel_in_a_queue_message(
    world: World,
) -> None:
    ticket = world.arrive(notices=notices(WHATSAPP, MAIL))
    assert world.ctx.store.get_contacts(ticket.ticket_id) == {"whatsapp": PHONE, "email": EMAIL}
    deliver(world)
    everything = json.dumps(world.fakes.bus.sent)
    assert PHONE not in everything and "99912" not in everything and EMAIL not in everything
    assert [q for q, m in world.fakes.bus.sent if m.get("ticketId") == ticket.ticket_id][:2] == [
        JOIN_QUEUE,
        CITIZEN_NOTICE_QUEUE,
    ]
    # alone in line: at the front at once (position 1 ≤ nearFrontPosition 3)
    assert sent(world, "whatsapp") == sent(world, "email") == ["joined", "near_front"]
    notice = world.fakes.channels["whatsapp"].sent[0]
    assert notice.contact == PHONE and "Sua senha é" in notice.text
    assert f"#u={UNIT}&t={ticket.ticket_id}.{ticket.token}" in notice.link and "?" not in notice.link
    view = world.view(ticket)
    assert view["noticeChannels"] == ["whatsapp", "email"] and view["reachable"] is True


def test_a_replayed_notice_is_sent_once_per_channel(world: World) -> None:
    ticket = world.arrive(notices=notices(PUSH))
    message = {"ticketId": ticket.ticket_id, "kind": "joined", "dedupKey": "joined.x"}
    for _ in range(3):
        deliver_citizen_notice(world.ctx, message, world.tick())
    deliver(world)  # the admission's own "joined" (another key) goes once too
    assert sent(world, "push").count("joined") == 2
    deliver_citizen_notice(world.ctx, message, world.tick())
    assert sent(world, "push").count("joined") == 2


def test_bad_contacts_are_refused_naming_the_field_and_nothing_is_stored(world: World) -> None:
    bad = {"channel": "sms", "phone": "+5520991234567"}
    with pytest.raises(InvalidInputError) as refused:
        world.join(notices=notices(PUSH, bad))
    assert "notices[1].phone" in refused.value.fields
    assert not world.fakes.bus.sent
    ticket = world.arrive()
    with pytest.raises(InvalidInputError):
        reach.set_notices(world.ctx, ticket.ticket_id, ticket.token, notices(MAIL, bad), world.tick())
    assert world.ctx.store.get_contacts(ticket.ticket_id) == {}
    assert world.view(ticket)["noticeChannels"] == []


def test_a_channel_the_deployment_did_not_set_up_is_not_offered() -> None:
    from tests.fakes.context import fake_context

    ctx, _ = fake_context(channels=("push",))
    assert citizen_notices.offered_channels(ctx, ctx.unit(UNIT)) == ("push",)
    with pytest.raises(InvalidInputError) as refused:
        reach.check_notices(ctx, ctx.unit(UNIT), notices(WHATSAPP))
    assert refused.value.fields == {"notices[0].channel": "esta unidade não avisa por este meio"}


def test_channels_replaced_later_and_emptied(world: World) -> None:
    ticket = world.arrive()
    chosen = reach.set_notices(world.ctx, ticket.ticket_id, ticket.token, notices(MAIL, PUSH), world.tick())
    assert chosen == reach.ReachView(("push", "email"), True)  # in the unit's order
    assert world.view(ticket)["noticeChannels"] == ["push", "email"]
    emptied = reach.set_notices(world.ctx, ticket.ticket_id, ticket.token, (), world.tick())
    assert emptied == reach.ReachView((), False) and world.ctx.store.get_contacts(ticket.ticket_id) == {}


def test_transient_failures_are_retried_with_back_off_then_recorded_as_failed(world: World) -> None:
    ticket = world.arrive(notices=notices(WHATSAPP, MAIL))
    world.fakes.channels["whatsapp"].transient_failures = 99
    deliver(world)
    retries = [
        (m["attempt"], m["channels"])
        for q, m in world.fakes.bus.sent
        if q == CITIZEN_NOTICE_QUEUE and "attempt" in m and m["kind"] == "joined"
    ]
    assert retries == [(n, ["whatsapp"]) for n in range(2, MAX_ATTEMPTS + 1)]
    assert world.fakes.channels["whatsapp"].tried == 2 * MAX_ATTEMPTS  # "joined" and "near_front"
    assert sent(world, "email") == ["joined", "near_front"]  # the e-mail went at once, and once each
    log = json.loads(world.stored(ticket)["notices"])
    joined = [(r["channel"], r["outcome"]) for r in log if r["kind"] == "joined"]
    assert joined == [("email", "sent"), ("whatsapp", "failed")]
    events = [e for e in world.ctx.store.list_events(UNIT, "20261130") if e["action"] == "notice"]
    reasons = [e["reason"] for e in events if "joined" in e["reason"]]
    assert reasons == ["aviso joined (email: sent)", "aviso joined (whatsapp: failed)"]


def test_the_back_off_grows(world: World) -> None:
    world.arrive(notices=notices(WHATSAPP))
    world.fakes.channels["whatsapp"].transient_failures = 99
    batch = world.fakes.bus.drain(CITIZEN_NOTICE_QUEUE, 1)
    deliver_citizen_notice(world.ctx, batch.items[0].payload, world.tick())
    waiting = world.fakes.bus.queues[CITIZEN_NOTICE_QUEUE][-1]
    assert waiting.delay_s == BACKOFF_S[0] and list(BACKOFF_S) == sorted(set(BACKOFF_S))


def test_a_gone_subscription_is_dropped_and_the_page_is_told(world: World) -> None:
    ticket = world.arrive(notices=notices(PUSH, MAIL))
    world.fakes.channels["push"].gone = True
    deliver(world)
    view = world.view(ticket)
    assert view["noticeChannels"] == ["email"] and view["reachable"] is True and view["channelLost"] == "push"
    assert world.ctx.store.get_contacts(ticket.ticket_id) == {"email": EMAIL}
    world.fakes.channels["email"].gone = True  # (an e-mail never answers "gone"; the rule is the same)
    reach.set_notices(world.ctx, ticket.ticket_id, ticket.token, notices(MAIL), world.tick())
    assert world.view(ticket)["channelLost"] is None  # choosing again clears it


def test_a_reachable_citizen_is_never_absent_for_silence_one_without_a_channel_is(world: World) -> None:
    reachable = world.arrive("Maria Reachable", notices=notices(WHATSAPP))
    silent = world.arrive("Joao Silent")
    limits = world.ctx.unit(UNIT).limits
    assert limits.absent_after_s == 300  # the default (DESIGN §6: 5 minutes)
    start = world.now
    for minute in range(1, 16):  # 15 minutes without a poll from either
        run_upkeep(world.ctx, start + timedelta(minutes=minute))
    world.now = start + timedelta(minutes=15)
    assert world.view(reachable)["status"] == "waiting"
    assert world.stored(silent)["status"] == "expired"  # absent at 5 min, expired 10 min later


def test_near_the_front_the_citizen_is_told_and_confirms(world: World) -> None:
    ahead = [world.arrive(f"Pessoa {i}") for i in range(3)]
    mine = world.arrive("Maria Notified", notices=notices(PUSH))
    deliver(world)
    assert sent(world, "push") == ["joined"]  # position 4: not near yet (nearFrontPosition 3)
    view = world.view(mine)
    assert view["position"] == 4 and view["nearFront"] is False
    clerk_actions.call_next(world.ctx, UNIT, world.who(ANA), world.tick())
    deliver(world)
    assert sent(world, "push") == ["joined", "near_front"]
    near = world.fakes.channels["push"].sent[-1]
    assert ("here", "Estou aqui") in near.actions
    assert world.view(mine)["nearFront"] is True and world.view(mine)["hereConfirmed"] is False
    reach.confirm_here(world.ctx, mine.ticket_id, mine.token, world.tick())
    reach.confirm_here(world.ctx, mine.ticket_id, mine.token, world.tick())  # twice: recorded once
    assert world.view(mine)["hereConfirmed"] is True
    heres = [e for e in world.ctx.store.list_events(UNIT, "20261130") if e["action"] == "here"]
    assert len(heres) == 1 and heres[0]["by"] == "citizen"
    clerk_actions.call_next(world.ctx, UNIT, world.who(ANA), world.tick())
    deliver(world)
    assert sent(world, "push") == ["joined", "near_front"]  # told once
    assert len(ahead) == 3


def test_estou_aqui_needs_the_ticket_in_line(world: World) -> None:
    ticket = world.arrive()
    citizen_view.leave(world.ctx, ticket.ticket_id, ticket.token, world.tick())
    with pytest.raises(InvalidTransitionError):
        reach.confirm_here(world.ctx, ticket.ticket_id, ticket.token, world.tick())


def test_called_is_told_with_the_meeting_link_on_every_channel(world: World) -> None:
    ticket = world.arrive(notices=notices(WHATSAPP, PUSH))
    world.call(ticket)
    meetings.attach_meeting(world.ctx, ticket.ticket_id, world.tick(), last_try=False)  # its queue
    deliver(world)
    for channel in ("whatsapp", "push"):
        called = [n for n in world.fakes.channels[channel].sent if n.kind == "called"]
        assert len(called) == 1, channel
    whatsapp = next(n for n in world.fakes.channels["whatsapp"].sent if n.kind == "called")
    assert "Chegou a sua vez" in whatsapp.text and world.stored(ticket)["joinUrl"] in whatsapp.text


def test_a_called_citizen_who_does_not_join_is_put_back_once_then_no_show(world: World) -> None:
    late = world.arrive("Maria Late", notices=notices(WHATSAPP))
    others = [world.arrive(f"Pessoa {i}") for i in range(4)]
    world.call(late)
    no_show_s = world.ctx.unit(UNIT).limits.no_show_s
    world.fakes.sightings.flush_s = 0  # every sighting written down at once
    world.tick(no_show_s - 10)
    for ticket in others:  # their pages keep polling
        world.view(ticket)
    run_upkeep(world.ctx, world.tick(11))
    view = world.view(late)
    assert view["status"] == "waiting" and view["position"] == 4  # 3 places behind the head
    deliver(world)
    put_back = [n for n in world.fakes.channels["whatsapp"].sent if n.kind == "put_back"]
    assert len(put_back) == 1 and "3 lugares atrás" in put_back[0].text
    events = world.ctx.store.list_events(UNIT, "20261130")
    requeued = [e for e in events if e["ticketId"] == late.ticket_id and e["action"] == "requeue"]
    assert len(requeued) == 1 and requeued[0]["by"] == "system" and "3 lugares" in requeued[0]["reason"]
    world.call(late)
    run_upkeep(world.ctx, world.tick(no_show_s + 1))
    assert world.stored(late)["status"] == "no_show"


def test_contacts_are_erased_with_the_ticket(world: World) -> None:
    ticket = world.arrive(notices=notices(WHATSAPP, MAIL))
    retention.erase_own_data(world.ctx, ticket.ticket_id, ticket.token, world.tick())
    assert world.ctx.store.get_contacts(ticket.ticket_id) == {}


def transferred(world: World, ticket: joining.JoinAccepted) -> tuple[str, str]:
    """Called, then sent to the other unit's line (Ana serves both): the new ticket, admitted, and its
    token."""
    world.call(ticket)
    world.act(ticket, Action.TRANSFER, target_unit=OTHER, reason="assunto da outra vara")
    world.admit()
    moved = str(world.stored(ticket)["transferredTo"])
    return moved, world.ctx.keys.sign(moved)


def test_a_transferred_citizen_keeps_the_channels_on_the_new_ticket(world: World) -> None:
    ticket = world.arrive("Maria Transferida", notices=notices(WHATSAPP, PUSH))
    deliver(world)
    moved, token = transferred(world, ticket)
    contacts = world.ctx.store.get_contacts(moved)
    assert contacts.keys() == {"push", "whatsapp"} and contacts["whatsapp"] == PHONE
    assert world.ctx.store.get_contacts(ticket.ticket_id) == {}  # nothing left where it has no use
    view = flows.ticket_json(world.ctx, (moved, token), world.tick())
    assert view["unit"]["id"] == OTHER and view["noticeChannels"] == ["push", "whatsapp"]
    assert view["reachable"] is True
    deliver(world)
    short = moved.rsplit(".", 1)[1]
    told = [n for n in world.fakes.channels["whatsapp"].sent if n.dedup_key.endswith(short)]
    assert [n.kind for n in told] == ["joined", "near_front"] and told[0].contact == PHONE
    assert "#" in told[0].link and "?" not in told[0].link


def test_a_transfer_carries_only_the_channels_the_other_unit_offers() -> None:
    from tests.fakes.context import fake_context

    ctx, fakes = fake_context()
    config = ctx.config()
    other = config.unit(OTHER)
    assert other is not None
    narrowed = other.model_copy(update={"notices": NoticesConfig(channels=("sms",))})
    narrowed_config = config.model_copy(
        update={"units": tuple(narrowed if u.id == OTHER else u for u in config.units)}
    )
    world = World(replace(ctx, config=lambda: narrowed_config), fakes)
    ticket = world.arrive(notices=notices(WHATSAPP, {"channel": "sms", "phone": PHONE}))
    moved, _ = transferred(world, ticket)
    assert world.ctx.store.get_contacts(moved) == {"sms": PHONE}


def test_the_contacts_of_a_transferred_ticket_are_erased_and_purged_with_it(world: World) -> None:
    erased = world.arrive("Maria Apagada", notices=notices(WHATSAPP))
    erased_moved, _ = transferred(world, erased)
    kept = world.arrive("Joao Guardado", notices=notices(MAIL))
    kept_moved, _ = transferred(world, kept)
    assert world.ctx.store.get_contacts(erased_moved) == {"whatsapp": PHONE}
    retention.erase_own_data(world.ctx, erased.ticket_id, erased.token, world.tick())  # the old id
    assert world.ctx.store.get_contacts(erased_moved) == {}
    assert world.ctx.store.get_contacts(kept_moved) == {"email": EMAIL}
    retention.purge_expired(world.ctx, world.now + timedelta(days=32), retention_days=30)
    assert world.ctx.store.get_contacts(kept_moved) == {}
    assert world.ctx.store.get_contacts(kept.ticket_id) == {}


def test_the_console_shows_how_each_citizen_was_told_and_who_is_here(world: World) -> None:
    from domain.usecases.clerk_queue import clerk_queue

    told = world.arrive("Maria Avisada", notices=notices(WHATSAPP))
    world.arrive("Joao Sem Aviso")
    world.now = world.now.replace(hour=15, minute=42, second=0)  # 10:42 in Rio Branco (UTC-5)
    deliver(world)
    reach.confirm_here(world.ctx, told.ticket_id, told.token, world.tick())
    queue = clerk_queue(world.ctx, UNIT, world.who(ANA), world.tick())
    first, second = queue.waiting
    assert first.noticed == "avisado por WhatsApp às 10:42" and first.here_confirmed
    assert first.notice_channels == ["whatsapp"]
    assert second.noticed == "" and not second.here_confirmed and second.notice_channels == []
