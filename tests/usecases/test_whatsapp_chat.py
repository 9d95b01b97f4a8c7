"""Issue 18 on the fakes: attendance by chat over WhatsApp ("atendente"). The clerk's chat messages reach
the citizen's WhatsApp once each; what the citizen writes on WhatsApp while attended by chat goes to the
chat through the page's use case; commands still go to the conversation; a number given on the web form
gets nothing from a conversation it never had."""

from __future__ import annotations

import json

from domain.ports import CITIZEN_NOTICE_QUEUE
from domain.tickets import Action
from domain.usecases import chat, clerk_actions
from domain.usecases.citizen_notices import deliver_citizen_notice
from tests.usecases.conftest import ANA, UNIT, World
from tests.usecases.test_citizen_notices import WHATSAPP, deliver, notices
from tests.usecases.test_whatsapp_conversation import PHONE, Citizen, in_line


def by_chat(world: World) -> tuple[Citizen, str]:
    """A citizen who joined on WhatsApp, called and attended by chat."""
    maria = in_line(world)
    world.admit()
    ticket_id = str(maria.state()["ticketId"])
    clerk_actions.call_ticket(world.ctx, UNIT, ticket_id, world.who(ANA), world.tick(), "")
    chat.set_mode(world.ctx, UNIT, ticket_id, world.who(ANA), "chat", world.tick())
    deliver(world)
    return maria, ticket_id


def transcript(world: World, ticket_id: str) -> list[tuple[str, str]]:
    return [
        (line.author, line.text) for line in chat.clerk_chat(world.ctx, UNIT, ticket_id, world.who(ANA)).lines
    ]


def test_the_clerk_and_the_citizen_talk_through_whatsapp(world: World) -> None:
    maria, ticket_id = by_chat(world)
    chat.clerk_says(world.ctx, UNIT, ticket_id, world.who(ANA), "Olá! Como posso ajudar?", world.tick())
    deliver(world)
    assert maria.last() == "Servidor(a): Olá! Como posso ajudar?"
    replies = len(world.fakes.replies.sent)
    assert maria.send("Quero saber do meu processo") == 0  # to the chat, no reply from the conversation
    assert len(world.fakes.replies.sent) == replies
    assert transcript(world, ticket_id) == [
        ("clerk", "Olá! Como posso ajudar?"),
        ("citizen", "Quero saber do meu processo"),
    ]
    maria.send("posição")  # a command is still the conversation's
    assert "Chegou a sua vez!" in maria.last()
    assert len(transcript(world, ticket_id)) == 2


def test_a_replayed_chat_line_reaches_whatsapp_once(world: World) -> None:
    maria, ticket_id = by_chat(world)
    chat.clerk_says(world.ctx, UNIT, ticket_id, world.who(ANA), "Bom dia.", world.tick())
    (message,) = [
        json.loads(w.body)
        for w in world.fakes.bus.queues[CITIZEN_NOTICE_QUEUE]
        if json.loads(w.body)["kind"] == "chat"
    ]
    assert "Bom dia" not in json.dumps(message) and PHONE[1:] not in json.dumps(message)  # ids only
    for _ in range(3):
        deliver_citizen_notice(world.ctx, message, world.tick())
    assert maria.said().count("Servidor(a): Bom dia.") == 1


def test_after_the_attendance_her_text_goes_to_the_conversation_again(world: World) -> None:
    maria, ticket_id = by_chat(world)
    move = clerk_actions.ClerkMove(Action.FINISH)
    clerk_actions.clerk_action(world.ctx, UNIT, ticket_id, move, world.who(ANA), world.tick())
    deliver(world)  # the survey is asked
    maria.send("5")
    assert transcript(world, ticket_id) == [] and "comentário" in maria.last()


def test_a_text_the_chat_refuses_is_answered_as_on_the_page(world: World) -> None:
    maria, ticket_id = by_chat(world)
    maria.send("x" * 600)  # over the chat's 500 characters
    assert "500" in maria.last() and transcript(world, ticket_id) == []


def test_a_number_given_on_the_web_form_gets_no_chat_on_whatsapp(world: World) -> None:
    ticket = world.arrive(notices=notices(WHATSAPP))
    clerk_actions.call_ticket(world.ctx, UNIT, ticket.ticket_id, world.who(ANA), world.tick(), "")
    chat.set_mode(world.ctx, UNIT, ticket.ticket_id, world.who(ANA), "chat", world.tick())
    chat.clerk_says(world.ctx, UNIT, ticket.ticket_id, world.who(ANA), "Olá!", world.tick())
    deliver(world)
    assert world.fakes.replies.sent == [] and world.fakes.replies.templates == []
