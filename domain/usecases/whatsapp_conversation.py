"""The conversation over WhatsApp (issue 18): a message a citizen sent to the court's number, applied once.

`receive` loads the conversation of the sender's number (`ctx.conversations`, keyed by a keyed hash of
the number), feeds the message to the pure state machine (domain/conversation/machine.py), runs the
intents it returns through the same use cases as the pages and the widget (domain/usecases/conversing.py:
joining, the citizen's view, leaving, the survey) and sends the replies (`ctx.replies`) as free-form
text while WhatsApp's 24-hour customer-service window is open (the citizen has just written), as the
`conversation` template when it closed meanwhile (Event Grid may deliver a message again hours
later: domain/conversation/window.py).

- **Once per message.** Event Grid delivers at least once: the ACS message id is claimed in storage
  (domain/usecases/once.py) before anything is done, so a replayed event changes nothing, on any
  instance. The replies are kept with the state (`outbox`) until sent: a delivery that failed while
  sending is retried by Event Grid and sends them again, without running the conversation twice.
- **Refused before the conversation.** Media (photos, audio, documents: Res. CNJ 372/2021 art. 4, the
  counter is not for filing process documents) and text over `MAX_TEXT` characters get a notice and
  change nothing; a number that is not a Brazilian mobile is told so.
- **Limits.** The number is the client of the abuse limits (`JoinGate`, functions/limits.py: its
  buckets and its cap on active tickets), and the conversation follows one ticket at a time: a number
  joins again only after leaving or after the attendance, so it never holds more active tickets than
  one person may. The proof of work does not apply (the number is the cost).
- **Attendance by chat.** While the clerk attends the ticket by chat, a text that is not a command goes
  to the chat (domain/usecases/whatsapp_chat.py), not to the state machine.
- **Personal data.** The number and the answers are stored on the conversation's row only (forgotten
  when it ends, with its ticket's erasure, and by the daily purge); the ticket gets the number as its
  WhatsApp contact (domain/contacts.py), so the notices ("called", with the link) reach the same number.
  The number is never logged and never put in a queue message.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from domain.contacts import NoticeRequest, normalize_phone
from domain.conversation import machine, window
from domain.conversation.machine import Choice, State, Turn
from domain.conversation.ports import ConversationStore, conversation_key
from domain.conversation.questions import Inbound, Say, fold, numbered, problem_text
from domain.errors import ConcurrentUpdateError, DomainError, InvalidInputError, InvalidTransitionError
from domain.times import ms
from domain.usecases import conversing, once
from domain.usecases.chat import citizen_says
from domain.usecases.citizen_notices import offered_channels
from domain.usecases.context import Context
from domain.usecases.conversing import JoinGate

CHANNEL = "whatsapp"
ONCE_PARTITION = "whatsapp"  # the once-markers of received messages: `whatsapp.{day}` (no personal data)
MAX_TEXT = machine.MAX_TEXT
TOO_LONG = f"A mensagem é longa demais: escreva no máximo {MAX_TEXT:,} caracteres.".replace(",", ".")
NOT_A_MOBILE = "Este canal atende apenas celulares do Brasil (+55)."


@dataclass(frozen=True)
class Received:
    """A message a citizen sent (ACS `AdvancedMessageReceived`): its ACS id, the sender's number, its
    text or the id of the option chosen (interactive reply), whether it carried media, when it came."""

    message_id: str
    sender: str
    received_at: datetime
    text: str = ""
    option: str = ""
    media: bool = False


def menu(ctx: Context, now: datetime) -> list[Choice]:
    """The units offered in the conversation: the active ones that tell their citizens on WhatsApp."""
    choices = []
    for unit in ctx.config().units:
        if unit.active and CHANNEL in offered_channels(ctx, unit):
            calendar = ctx.calendars(unit)
            open_now = ctx.always_open or calendar.is_open(now)
            choices.append(Choice(unit, open_now=open_now, chat=True))  # clerks may attend by chat here
    return choices


def receive(
    ctx: Context,
    message: Received,
    now: datetime,
    gate: JoinGate | None = None,
    idle_ms: int = machine.IDLE_MS,
) -> int:
    """Apply one received message, once; returns how many replies were sent (0 for a replay)."""
    store, replies = ctx.conversations, ctx.replies
    if store is None or replies is None:
        raise InvalidInputError("O atendimento por WhatsApp não está configurado.")
    day, key = f"{message.received_at:%Y%m%d}", f"wa.{message.message_id}"
    claimed = once.claim(ctx, ONCE_PARTITION, day, key, now)
    if claimed == "done":
        return 0
    if claimed == "busy":
        raise once.in_flight()
    try:
        texts, last_in_ms = _outbox(ctx, store, message, now, gate, idle_ms)
        sent = window.send(replies, _e164(message.sender), texts, last_in_ms, ms(now))
    except Exception:
        once.settle(ctx, ONCE_PARTITION, day, [key], done=False)
        raise
    once.settle(ctx, ONCE_PARTITION, day, [key], done=True)
    return sent


def _e164(sender: str) -> str:
    """ACS gives the sender's number without the `+`."""
    return sender if sender.startswith("+") else f"+{sender}"


def _phone(sender: str) -> str:
    """The sender's number if it is a Brazilian mobile (domain/contacts.py), else ""."""
    try:
        return normalize_phone(_e164(sender))
    except InvalidInputError:
        return ""


def _outbox(
    ctx: Context,
    store: ConversationStore,
    message: Received,
    now: datetime,
    gate: JoinGate | None,
    idle_ms: int,
) -> tuple[list[str], int]:
    """The texts to send for this message, computed once and stored with the state before sending, and
    the time of the conversation's last inbound message (the 24-hour window: conversation/window.py)."""
    phone = _phone(message.sender)
    last_in_ms = ms(message.received_at)
    if not phone:
        return [NOT_A_MOBILE], last_in_ms
    key = conversation_key(ctx.keys, CHANNEL, phone)
    record, etag = store.load(key)
    last_in_ms = max(last_in_ms, int((record or {}).get("lastInMs", 0)))
    if record is not None and record.get("lastIn") == message.message_id:
        return [str(t) for t in record.get("outbox", [])], last_in_ms  # sent before a failure: again
    state = State.of(record)
    if message.media:
        turn = Turn(state, (Say(machine.MEDIA_REFUSED),))
    elif len(message.text.strip()) > MAX_TEXT:
        turn = Turn(state, (Say(TOO_LONG),))
    elif (to_chat := _to_chat(ctx, state, message.text, now)) is not None:
        turn = Turn(replace(state, last_ms=ms(now)), tuple(Say(text) for text in to_chat))
    else:
        choices = menu(ctx, now)
        turn = machine.converse(state, Inbound(message.text, message.option), choices, ms(now), idle_ms)
        notices = (NoticeRequest(CHANNEL, phone=phone),)
        turn = conversing.run(ctx, turn, key, choices, now, gate, notices)
    texts = [numbered(say) for say in turn.says]
    saved = {**turn.state.record(), "contact": phone, "lastIn": message.message_id, "outbox": texts}
    try:
        store.save(key, {**saved, "lastInMs": last_in_ms}, etag)
    except ConcurrentUpdateError:
        raise once.in_flight() from None  # another message of this number is being applied: retry
    return texts, last_in_ms


def _to_chat(ctx: Context, state: State, text: str, now: datetime) -> list[str] | None:
    """While the ticket is attended by chat, the citizen's text goes to the chat (whatsapp_chat.py): the
    replies ([] when it went), or None when it is for the conversation (a command, no chat going on)."""
    command = machine.COMMANDS.get(fold(text).strip("*!?. "))
    if not state.ticket_id or state.step != "queue" or command or not text.strip():
        return None
    if (ctx.store.get_ticket(state.ticket_id) or {}).get("mode") != "chat":
        return None
    try:
        citizen_says(ctx, state.ticket_id, ctx.keys.sign(state.ticket_id), text, now)
    except InvalidTransitionError:
        return None  # the attendance is over: the conversation takes it (the survey)
    except DomainError as exc:  # refused as on the page (too long, the transcript full)
        return [problem_text(exc) if isinstance(exc, InvalidInputError) else exc.message]
    return []
