"""The conversation on the web widget (issue 18, one conversation for two channels): the same state
machine as WhatsApp (domain/conversation/machine.py) and the same intents run through the same use cases
(domain/usecases/conversing.py), driven by `POST /api/conversa` (functions/conversation_http.py).

The state travels with the widget, signed (domain/conversation/sealed.py): a message costs no storage
transaction unless it joins, asks the position, leaves or answers the survey, which cost what the same
action costs on the page. WhatsApp keeps its states in table `conversations` instead: Event Grid brings
a message without any state, so the server must keep it there.

What differs from WhatsApp: the units offered are every active unit (the widget is on the court's site,
not on a notice channel), found by the words of their search text (name, city, state, court: as
`GET /api/units?q=`); a widget fixed to a unit opens the conversation there (`start`); a widget that
kept a ticket (its token in the court site's localStorage) resumes following it (`resume`); the ticket
gets no notice contact (the widget follows it on the page); the join limits count the caller's address
and ask for the proof of work near a unit's cap, as the HTTP join does (the channel's `JoinGate`).
"""

from __future__ import annotations

from datetime import datetime

from domain.conversation import machine
from domain.conversation.machine import Choice, State, Turn
from domain.conversation.questions import Inbound
from domain.conversation.sealed import REFUSED
from domain.errors import InvalidInputError, UnauthenticatedError
from domain.times import ms
from domain.usecases import conversing
from domain.usecases.context import Context
from domain.usecases.conversing import JoinGate
from domain.usecases.directory import unit_search_text


def menu(ctx: Context, now: datetime) -> list[Choice]:
    """Every active unit, with whether it is open now and the text a typed search looks in."""
    config = ctx.config()
    choices = []
    for unit in config.units:
        if not unit.active:
            continue
        open_now = ctx.always_open or ctx.calendars(unit).is_open(now)
        terms = unit_search_text(config, unit)
        choices.append(Choice(unit, open_now=open_now, chat=True, terms=terms))  # the widget shows the chat
    return choices


def start(ctx: Context, now: datetime, unit_id: str = "") -> Turn:
    """A new conversation: the greeting and the units, or the first question of `unit_id`."""
    choices = menu(ctx, now)
    if unit_id:
        return machine.begin(choices, ms(now), unit_id)
    return machine.converse(State(), Inbound(), choices, ms(now))


def resume(ctx: Context, ticket_id: str, token: str, now: datetime) -> State:
    """The conversation of a ticket the widget kept (its token checked: an HMAC, no read); a token that is
    not the ticket's is refused like a state the server did not sign (400: the route is public)."""
    try:
        ctx.keys.verify(ticket_id, token)
    except UnauthenticatedError:
        raise InvalidInputError(REFUSED) from None
    return State(step="queue", ticket_id=ticket_id, last_ms=ms(now))


def reply(
    ctx: Context, state: State, inbound: Inbound, now: datetime, client: str, gate: JoinGate | None
) -> Turn:
    """One message of the citizen: the machine's turn with its intents run (conversing.run)."""
    choices = menu(ctx, now)
    turn = machine.converse(state, inbound, choices, ms(now))
    return conversing.run(ctx, turn, client, choices, now, gate)
