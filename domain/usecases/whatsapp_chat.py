"""Attendance by chat over WhatsApp (issue 18, "atendente"): a citizen who joined through the WhatsApp
conversation and is attended by chat (domain/usecases/chat.py) talks to the clerk from WhatsApp.

- **Clerk → WhatsApp.** Each message a clerk writes in the chat of such a ticket is queued on
  `citizen-notices` (`queue_chat_line`: the ticket id and the line's index, never the text nor the
  number) and sent by `relay_chat` to the conversation that follows the ticket, as "Servidor(a): …",
  once per line (domain/usecases/whatsapp_survey.py `once_in_conversation`), as free-form text inside
  WhatsApp's 24-hour window, else as the `conversation` template (domain/conversation/window.py).
- **WhatsApp → chat.** While the ticket is attended by chat, what the citizen writes on WhatsApp goes to
  the chat through the page's own use case (`chat.citizen_says`: the same refusal rules and limits);
  commands ("posição", "sair", "ajuda") still go to the conversation
  (domain/usecases/whatsapp_conversation.py).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from domain.conversation import window
from domain.conversation.ports import ConversationStore, TextReplies, conversation_key
from domain.ports import CITIZEN_NOTICE_QUEUE
from domain.tickets import TicketId
from domain.times import ms
from domain.usecases.context import Context
from domain.usecases.whatsapp_survey import CHANNEL, NOT_FOLLOWED, once_in_conversation

CHAT = "chat"  # the kind of the queue message
CLERK = "Servidor(a): "
RELAYED, NO_LINE = "relayed", "no such line"


def queue_chat_line(ctx: Context, ticket_id: str, line: int) -> None:
    """After a clerk wrote line `line` of a ticket on WhatsApp (whatsapp_survey.on_whatsapp): relay it."""
    if ctx.conversations is None:
        return
    short = TicketId.parse(ticket_id).short
    ctx.bus.send(
        CITIZEN_NOTICE_QUEUE,
        {"ticketId": ticket_id, "kind": CHAT, "line": line, "dedupKey": f"chat.{short}.{line}"},
    )


def relay_chat(ctx: Context, message: Mapping[str, Any], now: datetime) -> str:
    """Send a clerk's chat line to the WhatsApp conversation that follows the ticket (module docstring)."""
    ticket_id, line = str(message["ticketId"]), int(message.get("line", -1))
    lines = json.loads(str((ctx.store.get_ticket(ticket_id) or {}).get("chat") or "[]"))
    if not 0 <= line < len(lines) or lines[line].get("author") != "clerk":
        return NO_LINE  # erased or purged meanwhile
    text = CLERK + str(lines[line]["text"])

    def send(store: ConversationStore, replies: TextReplies, phone: str) -> str:
        record, _ = store.load(conversation_key(ctx.keys, CHANNEL, phone))
        if record is None or record.get("ticketId") != ticket_id:
            return NOT_FOLLOWED
        window.send(replies, phone, [text], int(record.get("lastInMs", 0)), ms(now))
        return RELAYED

    return once_in_conversation(ctx, ticket_id, f"{CHAT}{line}", now, send)
