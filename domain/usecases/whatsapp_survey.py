"""The survey asked on WhatsApp when the attendance ends (issue 18), not only at the citizen's next message.

- **Queued at the end.** When a clerk finishes a ticket that has WhatsApp among its channels
  (domain/usecases/ticket_moves.py), `queue_survey` puts a `survey` message on the `citizen-notices`
  queue (the ticket id only, never the number), whose delivery hands it to `ask_survey`
  (domain/usecases/citizen_notices.py).
- **Asked by the conversation.** `ask_survey` finds the conversation through the ticket's WhatsApp
  contact (a keyed hash of the number: domain/conversation/ports.py); only a conversation that made and
  still follows this ticket is asked (a number given on the web form has none). The conversation moves
  to the survey's step ("Como foi o seu atendimento? Dê uma nota de 1 a 5."), so the citizen's answer
  goes through the same survey use case as the page's (domain/usecases/surveys.py), and its session
  clock restarts (the citizen has `machine.IDLE_MS` to answer). Inside WhatsApp's 24-hour window the
  question is free-form text; outside, the `survey` template with the unit and the ticket number
  (domain/conversation/window.py).
- **Once.** The question is claimed per ticket in storage (domain/usecases/once.py) before it is sent
  and settled after: a replayed message asks nothing again; one that failed while sending asks again.
  A citizen who wrote first after the end was already asked (the conversation found the attendance
  over), and a survey already answered is not asked.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

from domain.conversation import machine, window
from domain.conversation.machine import State
from domain.conversation.ports import ConversationStore, TextReplies, conversation_key
from domain.conversation.questions import numbered
from domain.errors import ConcurrentUpdateError
from domain.ports import CITIZEN_NOTICE_QUEUE
from domain.queue import QueueState
from domain.tickets import Status, TicketId
from domain.times import ms
from domain.usecases import once
from domain.usecases.context import Context
from domain.usecases.unit_day import ticket_day

SURVEY = "survey"  # the kind of the queue message (and the WhatsApp template)
CHANNEL = "whatsapp"
ASKED, NOT_FOLLOWED, ANSWERED, DONE_BEFORE = "asked", "no conversation", "answered", "asked before"


def on_whatsapp(state: QueueState, short: str) -> bool:
    """Whether the ticket has WhatsApp among its channels, or just lost it to a failed delivery (its
    conversation may still follow it): read from the unit-day state in hand, no storage call."""
    reach = state.reach_of(short)
    return CHANNEL in (*reach.channels, reach.lost)


def queue_survey(ctx: Context, ticket_id: str) -> None:
    short = TicketId.parse(ticket_id).short
    ctx.bus.send(CITIZEN_NOTICE_QUEUE, {"ticketId": ticket_id, "kind": SURVEY, "dedupKey": f"survey.{short}"})


def ask_survey(ctx: Context, message: Mapping[str, Any], now: datetime) -> str:
    """Ask the survey of a finished ticket in its WhatsApp conversation (module docstring)."""
    ticket_id = str(message["ticketId"])
    ticket = ctx.store.get_ticket(ticket_id)
    if ticket is None:
        return NOT_FOLLOWED
    if ticket.get("status") != Status.DONE.value or ticket.get("surveyed"):
        return ANSWERED

    def ask(store: ConversationStore, replies: TextReplies, phone: str) -> str:
        return _ask(ctx, store, replies, phone, ticket_id, ticket, now)

    return once_in_conversation(ctx, ticket_id, SURVEY, now, ask)


def once_in_conversation(
    ctx: Context,
    ticket_id: str,
    key: str,
    now: datetime,
    send: Callable[[ConversationStore, TextReplies, str], str],
) -> str:
    """Run `send` with the ticket's WhatsApp conversation once per `key` (claimed in storage before,
    settled after: released when it failed, so the queue's retry runs it again)."""
    tid = TicketId.parse(ticket_id)
    store, replies = ctx.conversations, ctx.replies
    phone = ctx.store.get_contacts(ticket_id).get(CHANNEL, "")
    if store is None or replies is None or not phone:
        return NOT_FOLLOWED
    marker, day = f"c.{key}.{tid.short}.{CHANNEL}", ticket_day(tid)
    claimed = once.claim(ctx, tid.unit_id, day, marker, now)
    if claimed == "done":
        return DONE_BEFORE
    if claimed == "busy":
        raise once.in_flight()
    try:
        outcome = send(store, replies, phone)
    except Exception:
        once.settle(ctx, tid.unit_id, day, [marker], done=False)
        raise
    once.settle(ctx, tid.unit_id, day, [marker], done=True)
    return outcome


def _ask(
    ctx: Context,
    store: ConversationStore,
    replies: TextReplies,
    phone: str,
    ticket_id: str,
    ticket: Mapping[str, Any],
    now: datetime,
) -> str:
    key = conversation_key(ctx.keys, CHANNEL, phone)
    record, etag = store.load(key)
    state = State.of(record)
    # saved, then the send failed: ask again (the claim was released)
    asked_before = record is not None and record.get("surveyOf") == ticket_id and state.step == "score"
    if record is None or state.ticket_id != ticket_id or (state.step != "queue" and not asked_before):
        return NOT_FOLLOWED  # another ticket, left, ended, or already asked at the citizen's message
    turn = machine.attended(state)
    texts = [numbered(say) for say in turn.says]
    saved = {**record, **replace(turn.state, last_ms=ms(now)).record(), "surveyOf": ticket_id}
    try:
        store.save(key, saved, etag)
    except ConcurrentUpdateError:
        raise once.in_flight() from None  # a message of the citizen is being applied: ask after it
    unit = ctx.unit(TicketId.parse(ticket_id).unit_id)
    values = (unit.name, str(ticket.get("display") or ""))
    last_in = int(record.get("lastInMs", 0))
    window.send(replies, phone, texts, last_in, ms(now), template=(SURVEY, values))
    return ASKED
