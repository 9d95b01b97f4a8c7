"""Issue 18 on the fakes: a message received on WhatsApp, applied once, through the same use cases as the
pages; media and over-long text refused; the number a client of the limits; the conversation erased with
its ticket; the number never in a queue message."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from domain.conversation.ports import conversation_key
from domain.errors import RateLimitedError, TransientProviderError
from domain.ports import JOIN_QUEUE
from domain.tickets import Action
from domain.usecases import clerk_actions, meetings
from domain.usecases import whatsapp_conversation as wa
from domain.usecases.retention import erase_own_data, purge_expired
from domain.usecases.whatsapp_conversation import Received
from tests.usecases.conftest import UNIT, World
from tests.usecases.test_citizen_notices import deliver, sent

PHONE = "+5568999123456"  # Rio Branco (DDD 68), a mobile
PARTY = ["oi", "1", "Maria da Silva", "1", "0", "2", "2", "0", "0", "0"]  # to UNIT, which asks the category


class Citizen:
    """A WhatsApp user: each message gets a new ACS message id, unless one is given (a replay)."""

    def __init__(self, world: World, phone: str = PHONE) -> None:
        self.world, self.phone, self.count = world, phone, 0

    def send(self, text: str = "", *, media: bool = False, message_id: str = "", gate: object = None) -> int:
        self.count += 1
        received = Received(message_id or f"m-{self.phone[-4:]}-{self.count}", self.phone.lstrip("+"),
                            self.world.now, text, media=media)  # fmt: skip
        return wa.receive(self.world.ctx, received, self.world.tick(), gate)  # type: ignore[arg-type]

    def said(self) -> str:
        return "\n".join(text for to, text in self.world.fakes.replies.sent if to == self.phone)

    def last(self) -> str:
        return [text for to, text in self.world.fakes.replies.sent if to == self.phone][-1]

    def state(self) -> dict[str, object]:
        record, _ = self.world.ctx.conversations.load(
            conversation_key(self.world.ctx.keys, "whatsapp", self.phone)
        )  # type: ignore[union-attr]
        assert record is not None
        return record


def in_line(world: World, phone: str = PHONE) -> Citizen:
    """A citizen who went through the whole conversation (joined, not admitted yet)."""
    citizen = Citizen(world, phone)
    for line in PARTY:
        citizen.send(line)
    return citizen


def joins(world: World) -> list[dict[str, object]]:
    return [json.loads(w.body) for w in world.fakes.bus.queues.get(JOIN_QUEUE, [])]


def test_a_whole_join_over_whatsapp_then_the_position_and_the_call_on_the_same_number(world: World) -> None:
    maria = in_line(world)
    assert "Ok! Você já está na fila de atendimento." in maria.said()
    assert len(joins(world)) == 1
    ticket_id = str(maria.state()["ticketId"])
    assert world.ctx.store.get_contacts(ticket_id) == {"whatsapp": PHONE}  # the notices reach this number
    world.admit()
    maria.send("posição")
    assert "Sua senha é" in maria.last() and "Na sua frente: ninguém." in maria.last()
    deliver(world)
    clerk_actions.call_ticket(
        world.ctx, UNIT, ticket_id, world.who("ana.souza@trf1.jus.br"), world.tick(), ""
    )
    meetings.attach_meeting(world.ctx, ticket_id, world.tick(), last_try=False)  # its queue's work
    deliver(world)
    assert "called" in sent(world, "whatsapp")
    assert all(n.contact == PHONE for n in world.fakes.channels["whatsapp"].sent)
    maria.send("posicao")
    assert "Chegou a sua vez! Entre no atendimento: https://reuniao.example/" in maria.last()


def test_the_number_is_in_no_queue_message(world: World) -> None:
    in_line(world)
    world.admit()
    everything = json.dumps({q: [w.body for w in ws] for q, ws in world.fakes.bus.queues.items()})
    assert PHONE.lstrip("+") not in everything and "99123456" not in everything


def test_a_replayed_message_changes_nothing_and_sends_nothing(world: World) -> None:
    maria = Citizen(world)
    for line in PARTY[:-1]:
        maria.send(line)
    assert maria.send(PARTY[-1], message_id="acs-last") > 0
    before, replies = maria.state(), len(world.fakes.replies.sent)
    assert maria.send(PARTY[-1], message_id="acs-last") == 0
    assert maria.send("sair", message_id="acs-last") == 0  # the same id: the same message, whatever it says
    assert maria.state() == before and len(world.fakes.replies.sent) == replies
    assert len(joins(world)) == 1


def test_a_failed_send_is_retried_with_the_same_replies_and_the_join_made_once(world: World) -> None:
    maria = Citizen(world)
    for line in PARTY[:-1]:
        maria.send(line)
    world.fakes.replies.transient_failures = 1
    with pytest.raises(TransientProviderError):
        maria.send(PARTY[-1], message_id="acs-last")
    assert maria.send(PARTY[-1], message_id="acs-last") == 2
    assert "Ok! Você já está na fila de atendimento." in maria.said()
    assert len(joins(world)) == 1


@pytest.mark.parametrize(
    ("kwargs", "notice"),
    [
        ({"media": True}, "Resolução CNJ nº 372/2021, art. 4º"),
        ({"text": "a" * 1001}, "no máximo 1.000 caracteres"),
    ],
)
def test_media_and_over_long_text_are_refused_with_the_notice_and_change_nothing(
    world: World, kwargs: dict[str, object], notice: str
) -> None:
    maria = Citizen(world)
    maria.send("oi")
    maria.send("1")
    before = maria.state()
    maria.send(**kwargs)  # type: ignore[arg-type]
    assert notice in maria.last()
    after = maria.state()
    kept = ("lastIn", "outbox", "lastInMs")  # what the message itself was (it opens WhatsApp's window)
    assert {k: v for k, v in after.items() if k not in kept} == {
        k: v for k, v in before.items() if k not in kept
    }


def test_a_number_over_its_limit_is_refused_and_joins_nothing(world: World) -> None:
    class Refusing:
        def __init__(self) -> None:
            self.clients: list[str] = []

        def check(self, client: str, unit: object) -> None:
            self.clients.append(client)
            raise RateLimitedError("Muitos pedidos deste número. Tente de novo mais tarde.", retry_after=60)

        def accepted(self, client: str, ticket_id: str) -> None:
            raise AssertionError("not accepted")

    maria, gate = Citizen(world), Refusing()
    for line in PARTY:
        maria.send(line, gate=gate)
    assert "Muitos pedidos deste número" in maria.said()
    assert joins(world) == []
    assert gate.clients == [
        conversation_key(world.ctx.keys, "whatsapp", PHONE)
    ]  # the number's key, not the number


def test_a_number_in_line_does_not_join_again_by_starting_over(world: World) -> None:
    maria = in_line(world)
    for line in PARTY:
        maria.send(line)
    assert len(joins(world)) == 1


def test_a_foreign_number_is_told_this_channel_serves_brazilian_mobiles(world: World) -> None:
    john = Citizen(world, "+14155550100")
    john.send("oi")
    assert "celulares do Brasil" in john.last()
    assert world.fakes.conversations.rows == {}


def test_leaving_and_the_survey_over_whatsapp(world: World) -> None:
    maria = in_line(world)
    world.admit()
    ticket_id = str(maria.state()["ticketId"])
    clerk = world.who("ana.souza@trf1.jus.br")
    clerk_actions.call_ticket(world.ctx, UNIT, ticket_id, clerk, world.tick(), "")
    clerk_actions.clerk_action(
        world.ctx, UNIT, ticket_id, clerk_actions.ClerkMove(Action.START), clerk, world.tick()
    )
    clerk_actions.clerk_action(
        world.ctx, UNIT, ticket_id, clerk_actions.ClerkMove(Action.FINISH), clerk, world.tick()
    )
    maria.send("posição")
    assert "nota de 1 a 5" in maria.last()
    maria.send("5")
    maria.send("Fui bem atendida")
    assert "Obrigado pela sua avaliação!" in maria.last()
    assert world.stored(ticket_id)["surveyed"] is True
    joao = in_line(world, "+5568999654321")
    joao.send("sair")
    joao.send("1")
    assert "Você saiu da fila" in joao.last()


def test_the_conversation_is_erased_with_its_ticket_and_purged_when_idle(world: World) -> None:
    maria = in_line(world)
    ticket_id = str(maria.state()["ticketId"])
    erase_own_data(world.ctx, ticket_id, world.ctx.keys.sign(ticket_id), world.tick())
    assert world.fakes.conversations.rows == {}
    idle = Citizen(world, "+5568999000111")
    idle.send("oi")
    idle.send("1")
    assert len(world.fakes.conversations.rows) == 1
    applied = len(PARTY) + 2  # the messages applied once each: their markers, under `whatsapp.{day}`
    markers = world.fakes.store.partition("whatsapp", f"{world.now:%Y%m%d}").markers
    assert len(markers) == applied
    assert purge_expired(world.ctx, world.now + timedelta(days=29), 30).by_table["whatsapp"] == 0
    assert len(world.fakes.conversations.rows) == 1 and len(markers) == applied
    assert purge_expired(world.ctx, world.now + timedelta(days=31), 30).by_table["whatsapp"] == applied
    assert world.fakes.conversations.rows == {} and markers == {}
