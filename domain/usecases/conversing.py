"""The intents of the guided conversation (domain/conversation/machine.py) run through the use cases,
the same for every channel that drives it (WhatsApp: domain/usecases/whatsapp_conversation.py; the web
widget: functions/conversation_http.py): join a unit with the answers, the position, leaving, the survey.

`run` takes the machine's turn and returns it with the replies its intents led to. What differs by
channel comes in as arguments: the client the join limits count (`JoinGate`, with the channel's own key:
the number's conversation key, or the caller's address) and the notices the ticket gets (WhatsApp: the
number; the widget: none, it follows the ticket on the page).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Protocol

from domain.config import UnitConfig
from domain.contacts import NoticeRequest
from domain.conversation import machine
from domain.conversation.machine import AskPosition, Choice, Join, Leave, State, SurveyAnswer, Turn
from domain.conversation.questions import Say, problem_text
from domain.errors import DomainError, InvalidInputError, ProofRequiredError
from domain.tickets import Status
from domain.usecases.citizen_notices import offered_channels
from domain.usecases.citizen_view import BeingServed, InLine, NotYetAdmitted, Outcome, leave, ticket_view
from domain.usecases.context import Context
from domain.usecases.joining import JoinInput, accept_join, validate_join
from domain.usecases.surveys import submit_survey


class JoinGate(Protocol):
    """The abuse limits of joining, for the channel's client (`client`: its key in the conversation)."""

    def check(self, client: str, unit: UnitConfig) -> None:
        """RateLimitedError (or ProofRequiredError) when the client may not join now."""
        ...

    def accepted(self, client: str, ticket_id: str) -> None: ...


def run(
    ctx: Context,
    turn: Turn,
    client: str,
    choices: Sequence[Choice],
    now: datetime,
    gate: JoinGate | None,
    notices: tuple[NoticeRequest, ...] = (),
) -> Turn:
    """Run the turn's intents through the use cases; the replies they lead to follow the turn's."""
    says = list(turn.says)
    state = turn.state
    for intent in turn.intents:
        token = ctx.keys.sign(intent.ticket_id) if not isinstance(intent, Join) else ""
        try:
            if isinstance(intent, Join):
                after = _join(ctx, state, intent, client, now, gate, notices)
            elif isinstance(intent, AskPosition):
                after = _position(ctx, state, intent.ticket_id, token, now)
            elif isinstance(intent, Leave):
                leave(ctx, intent.ticket_id, token, now)
                after = machine.left(state)
            else:
                submit_survey(ctx, intent.ticket_id, token, intent.score, intent.comment, now)
                after = machine.surveyed(state)
        except DomainError as exc:
            if isinstance(exc, ProofRequiredError):
                raise  # the channel answers it (the widget: 428, solved, the same message sent again)
            message = problem_text(exc) if isinstance(exc, InvalidInputError) else exc.message
            after = (
                machine.join_refused(state, message, choices)
                if isinstance(intent, Join)
                else _refused(state, intent, message)
            )
        says += after.says
        state = after.state
    # An outcome may start the conversation afresh (left, surveyed, a refused join): it is still the
    # time of this message, not a session idle since 1970 (the next message would be told it expired).
    return Turn(replace(state, last_ms=turn.state.last_ms), tuple(says))


def _refused(state: State, intent: AskPosition | Leave | SurveyAnswer, message: str) -> Turn:
    if isinstance(intent, SurveyAnswer):
        return machine.surveyed(state) if "já foi respondida" in message else Turn(state, (Say(message),))
    return Turn(replace(state, step="queue"), (Say(message),))


def _join(
    ctx: Context,
    state: State,
    intent: Join,
    client: str,
    now: datetime,
    gate: JoinGate | None,
    notices: tuple[NoticeRequest, ...],
) -> Turn:
    a = intent.answers
    oab_number, _, oab_state = a.get("oab", "").partition(" ")
    unit = ctx.unit(intent.unit_id)
    data = JoinInput(
        name=a.get("name", ""),
        role=a.get("role", ""),
        reason=a.get("reason", ""),
        oab_number=oab_number,
        oab_state=oab_state,
        process_number=a.get("processNumber", ""),
        category=a.get("category", ""),
        priority=tuple(a.get("priority", "").split()),
        companions=int(a.get("companions", "0") or 0),
        accessibility=tuple(a.get("accessibility", "").split()),
        accessibility_note=a.get("accessibilityNote", ""),
        notices=notices,
    )
    if gate is not None:
        validate_join(unit, data, offered_channels(ctx, unit), ctx.push_hosts)  # refused: nothing charged
        gate.check(client, unit)
    accepted = accept_join(ctx, intent.unit_id, data, now)
    if gate is not None:
        gate.accepted(client, accepted.ticket_id)
    return machine.joined(state, accepted.ticket_id, "")


def _position(ctx: Context, state: State, ticket_id: str, token: str, now: datetime) -> Turn:
    view = ticket_view(ctx, ticket_id, token, now).state
    if isinstance(view, InLine):
        ahead = view.people_ahead or 0
        who = "ninguém" if ahead == 0 else ("1 pessoa" if ahead == 1 else f"{ahead} pessoas")
        text = f"Sua senha é {view.display_number}. Na sua frente: {who}."
        return machine.position(state, text)
    if isinstance(view, BeingServed):
        link = view.meeting.join_url
        text = (
            f"Chegou a sua vez! Entre no atendimento: {link}"
            if link
            else "Chegou a sua vez! O link está sendo preparado."
        )
        return machine.position(state, text)
    if isinstance(view, NotYetAdmitted):
        return machine.position(
            state, "Seu pedido está sendo registrado. Pergunte de novo em alguns segundos."
        )
    return _finished(state, view)


def _finished(state: State, view: Outcome) -> Turn:
    if view.status == Status.DONE and not view.survey_answered:
        return machine.attended(state)
    text = view.message or "Sua senha não está mais na fila."
    return Turn(State(step="end"), (Say(f"{text} Se precisar, mande *oi* para começar de novo."),))
