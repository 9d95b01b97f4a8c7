"""Attendance by chat (issue 14): for a citizen who cannot use video, the clerk attends by text, chosen
for a call or switched to during it (and back to video), for the called or in-service ticket only.

Messages are plain text under the asynchronous channel's refusal rules (`domain.messages.text_only`: no
attachment, no encoded file, no HTML) and at most `MAX_TEXT` characters; a transcript holds at most
`MAX_LINES`. They are stored with the ticket (`chat`, a JSON list; `mode`), so the retention purge and
the holder's erasure blank them with the rest of its personal data (`chat` is in
`domain.retention.PERSONAL_FIELDS`). Each write goes through the unit-day's ETag-guarded `mutate`, so a
clerk's and a citizen's messages sent at once are both kept. The first switch of an attendance to chat
is an attendance event (`chat`) of the audit trail, which the metric rollups count as an attendance by
chat. The citizen reads the transcript with the ticket's token; clerks of the unit read and write it.
A citizen who came through WhatsApp talks from there (domain/usecases/whatsapp_chat.py).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from domain.auth import Principal
from domain.errors import ConflictError, InvalidInputError, InvalidTransitionError
from domain.messages import text_only
from domain.queue import QueueState
from domain.tickets import AttendanceAction, AttendanceEvent, Status, TicketId, TicketWrite
from domain.times import iso_utc
from domain.usecases.context import Context
from domain.usecases.ticket_moves import clerk_ticket
from domain.usecases.unit_day import mutate, ticket_day
from domain.usecases.whatsapp_chat import queue_chat_line
from domain.usecases.whatsapp_survey import on_whatsapp

MODES = ("video", "chat")
MAX_TEXT = 500  # characters per message: the transcript must fit one table property
MAX_LINES = 40
CLOSED = "O atendimento por chat só acontece enquanto a senha está sendo atendida."


@dataclass(frozen=True)
class ChatLine:
    author: str  # "citizen" | "clerk"
    text: str
    at: str  # ISO 8601, UTC


@dataclass(frozen=True)
class Chat:
    ticket_id: str
    mode: str  # "video" | "chat"
    open: bool  # the attendance is going on: messages can be sent
    lines: tuple[ChatLine, ...]
    interpreter_invited: bool  # a Libras interpreter was called to this attendance (the citizen is told)


def _chat_of(ticket_id: str, stored: dict[str, object], open_: bool) -> Chat:
    lines = json.loads(str(stored.get("chat") or "[]"))
    mode = str(stored.get("mode") or "video")
    invited = any(i.get("role") == "interpreter" for i in json.loads(str(stored.get("invitations") or "[]")))
    return Chat(
        ticket_id, mode, open_, tuple(ChatLine(x["author"], x["text"], x["at"]) for x in lines), invited
    )


def _status(state: QueueState, short: str) -> Status | None:
    called = state.called.get(short)
    if called is None:
        return None
    return Status.IN_SERVICE if called.started_ms else Status.CALLED


def citizen_chat(ctx: Context, ticket_id: str, token: str) -> Chat:
    tid = TicketId.parse(ticket_id)
    ctx.keys.verify(ticket_id, token)
    state = ctx.store.peek(tid.unit_id, ticket_day(tid))
    return _chat_of(ticket_id, ctx.store.get_ticket(ticket_id) or {}, _status(state, tid.short) is not None)


def clerk_chat(ctx: Context, unit_id: str, ticket_id: str, clerk: Principal) -> Chat:
    unit, tid = clerk_ticket(ctx, unit_id, ticket_id, clerk)
    state = ctx.store.peek(unit.id, ticket_day(tid))
    return _chat_of(ticket_id, ctx.store.get_ticket(ticket_id) or {}, _status(state, tid.short) is not None)


def citizen_says(ctx: Context, ticket_id: str, token: str, text: str, now: datetime) -> Chat:
    tid = TicketId.parse(ticket_id)
    ctx.keys.verify(ticket_id, token)
    return _write(ctx, tid, now, "citizen", text=text)[0]


def clerk_says(
    ctx: Context, unit_id: str, ticket_id: str, clerk: Principal, text: str, now: datetime
) -> Chat:
    _, tid = clerk_ticket(ctx, unit_id, ticket_id, clerk)
    chat, whatsapp = _write(ctx, tid, now, clerk.email, text=text)
    if whatsapp:  # to WhatsApp, when the citizen came from there
        queue_chat_line(ctx, ticket_id, len(chat.lines) - 1)
    return chat


def set_mode(ctx: Context, unit_id: str, ticket_id: str, clerk: Principal, mode: str, now: datetime) -> Chat:
    """The clerk attends this call by chat, or back by video."""
    if mode not in MODES:
        raise InvalidInputError("Escolha vídeo ou chat.", fields={"mode": "use video ou chat"})
    _, tid = clerk_ticket(ctx, unit_id, ticket_id, clerk)
    return _write(ctx, tid, now, clerk.email, mode=mode)[0]


def _write(
    ctx: Context, tid: TicketId, now: datetime, by: str, *, text: str = "", mode: str = ""
) -> tuple[Chat, bool]:
    """The chat after the line or the mode is written, and whether the ticket is on WhatsApp."""
    ticket_id = str(tid)
    clean = text_only(text, MAX_TEXT, "o limite de cada mensagem é") if not mode else ""

    def change(state: QueueState) -> tuple[tuple[Chat, bool], list[TicketWrite]]:
        status = _status(state, tid.short)
        if status is None:
            raise InvalidTransitionError(CLOSED)
        stored = ctx.store.get_ticket(ticket_id) or {}
        current = _chat_of(ticket_id, stored, True)
        lines = [{"author": x.author, "text": x.text, "at": x.at} for x in current.lines]
        fields: dict[str, str] = {}
        event = None
        if mode:
            fields["mode"] = mode
            if mode == "chat" and not stored.get("chatAt"):  # counted once per attendance
                fields["chatAt"] = iso_utc(now)
                event = AttendanceEvent(
                    ticket_id, AttendanceAction.CHAT, status, now, by, "atendimento por chat"
                )
        else:
            if current.mode != "chat":
                raise InvalidTransitionError("Este atendimento é por vídeo. O servidor pode mudar para chat.")
            if len(lines) >= MAX_LINES:
                raise ConflictError(
                    f"A conversa chegou ao limite de {MAX_LINES} mensagens. Continue por vídeo."
                )
            lines.append(
                {"author": "citizen" if by == "citizen" else "clerk", "text": clean, "at": iso_utc(now)}
            )
            fields["chat"] = json.dumps(lines, ensure_ascii=False)
        updated = _chat_of(ticket_id, {**stored, **fields}, True)
        return (updated, on_whatsapp(state, tid.short)), [TicketWrite(ticket_id, fields, event=event)]

    return mutate(ctx, tid.unit_id, ticket_day(tid), change)
