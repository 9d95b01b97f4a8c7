"""Issue 18 on the fakes: the survey asked on WhatsApp when the attendance ends (not only at the citizen's
next message), answered through the same survey use case as the page's; asked once; as the `survey`
template when the citizen has not written for 24 hours; not asked of a number given on the web form."""

from __future__ import annotations

import json
from datetime import timedelta

from domain.ports import CITIZEN_NOTICE_QUEUE
from domain.tickets import Action
from domain.usecases import clerk_actions
from domain.usecases.citizen_notices import deliver_citizen_notice
from domain.usecases.whatsapp_survey import ask_survey
from tests.usecases.conftest import ANA, UNIT, World
from tests.usecases.test_citizen_notices import WHATSAPP, deliver, notices
from tests.usecases.test_whatsapp_conversation import PHONE, Citizen, in_line

QUESTION = "Como foi o seu atendimento? Dê uma nota de 1 a 5."


def attend(world: World, ticket_id: str) -> None:
    """Called, started and finished by a clerk."""
    clerk = world.who(ANA)
    clerk_actions.call_ticket(world.ctx, UNIT, ticket_id, clerk, world.tick(), "")
    for action in (Action.START, Action.FINISH):
        move = clerk_actions.ClerkMove(action)
        clerk_actions.clerk_action(world.ctx, UNIT, ticket_id, move, clerk, world.tick())


def finished(world: World) -> tuple[Citizen, str]:
    """A citizen who joined on WhatsApp, attended and finished (the survey message queued)."""
    maria = in_line(world)
    world.admit()
    ticket_id = str(maria.state()["ticketId"])
    attend(world, ticket_id)
    return maria, ticket_id


def surveys_queued(world: World) -> list[dict[str, object]]:
    queued = world.fakes.bus.queues.get(CITIZEN_NOTICE_QUEUE, [])
    return [m for m in (json.loads(w.body) for w in queued) if m["kind"] == "survey"]


def test_the_end_of_the_attendance_asks_the_survey_and_the_answer_is_stored(world: World) -> None:
    maria = in_line(world)
    world.admit()
    ticket_id = str(maria.state()["ticketId"])
    deliver(world)
    attend(world, ticket_id)
    assert [m["ticketId"] for m in surveys_queued(world)] == [ticket_id]
    deliver(world)
    assert maria.last().startswith(QUESTION) and "5 — Muito satisfeito" in maria.last()
    assert maria.state()["step"] == "score"
    maria.send("5")
    assert "comentário" in maria.last()
    maria.send("0")
    assert maria.last() == "Obrigado pela sua avaliação!"
    stored = world.stored(ticket_id)
    assert stored["surveyed"] is True and stored["surveyScore"] == 5


def test_a_replayed_survey_message_asks_once(world: World) -> None:
    maria, _ = finished(world)
    (message,) = surveys_queued(world)
    assert ask_survey(world.ctx, message, world.tick()) == "asked"
    for _ in range(2):
        assert deliver_citizen_notice(world.ctx, message, world.tick())[0].outcome == "asked before"
    assert maria.said().count(QUESTION) == 1


def test_a_citizen_who_wrote_first_is_not_asked_twice(world: World) -> None:
    maria, _ = finished(world)
    maria.send("posição")  # before the queue's message: the conversation finds the attendance over
    assert QUESTION in maria.last()
    deliver(world)
    assert maria.said().count(QUESTION) == 1


def test_outside_the_24_hour_window_the_survey_is_the_template(world: World) -> None:
    maria, ticket_id = finished(world)
    replies = len(world.fakes.replies.sent)
    world.now += timedelta(hours=25)  # she has not written since she joined
    deliver(world)
    assert len(world.fakes.replies.sent) == replies
    display = str(world.stored(ticket_id)["display"])
    assert world.fakes.replies.templates == [(PHONE, "survey", (world.ctx.unit(UNIT).name, display))]
    maria.send("4")  # she answers the template: the window opens again
    maria.send("0")
    assert maria.last() == "Obrigado pela sua avaliação!" and world.stored(ticket_id)["surveyScore"] == 4


def test_a_number_given_on_the_web_form_gets_no_survey_on_whatsapp(world: World) -> None:
    ticket = world.arrive(notices=notices(WHATSAPP))
    deliver(world)
    attend(world, ticket.ticket_id)
    (message,) = surveys_queued(world)
    assert ask_survey(world.ctx, message, world.tick()) == "no conversation"
    assert world.fakes.replies.sent == [] and world.fakes.replies.templates == []


def test_a_ticket_without_whatsapp_queues_no_survey(world: World) -> None:
    ticket = world.arrive()
    attend(world, ticket.ticket_id)
    assert surveys_queued(world) == []
