"""The answer of the widget's conversation (`POST /api/conversa`): the next signed state, the messages
(text, and the options a citizen chooses from, by id), what the question being asked takes, the ticket
once the citizen is in line (as the HTTP join gives it), and the unit just chosen (its summary, as
`GET /api/units/{unit}` gives it)."""

from __future__ import annotations

from collections.abc import Callable

from domain.conversation.machine import State, Turn
from domain.conversation.questions import question
from functions.answers import Answer
from functions.answers.tickets import UnitSummary
from functions.links import Links


class ConversationOption(Answer):
    id: str
    label: str


class ConversationMessage(Answer):
    text: str
    options: list[ConversationOption]
    error: bool  # it refuses the last answer


class ConversationTicket(Answer):
    ticket_id: str
    token: str
    status_url: str


class ConversationTurn(Answer):
    state: str  # give it back with the next message
    step: str  # unit · ask · joining · queue · leave · score · comment · end
    multiple: bool  # the question takes several options at once (or none)
    optional: bool  # the question can be left unanswered (answer "0")
    messages: list[ConversationMessage]
    ticket: ConversationTicket | None = None
    unit: UnitSummary | None = None  # type: ignore[valid-type]


def ticket_of(ticket_id: str, sign: Callable[[str], str], links: Links) -> ConversationTicket:
    """The ticket as the HTTP join gives it: its id, its token (`sign`: the token keys), its status URL."""
    return ConversationTicket(ticket_id=ticket_id, token=sign(ticket_id), status_url=links.ticket(ticket_id))


def conversation_turn(
    turn: Turn, sealed: str, ticket: ConversationTicket | None, unit: Answer | None
) -> ConversationTurn:
    state: State = turn.state
    asked = question(state.asking) if state.step == "ask" and state.asking else None
    return ConversationTurn(
        state=sealed,
        step=state.step,
        multiple=bool(asked and asked.multiple),
        optional=bool(asked and (asked.optional or asked.multiple)),
        messages=[
            ConversationMessage(
                text=say.text,
                options=[ConversationOption(id=i, label=label) for i, label in say.options],
                error=say.error,
            )
            for say in turn.says
        ],
        ticket=ticket,
        unit=unit,
    )
