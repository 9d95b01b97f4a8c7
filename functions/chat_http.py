"""Attendance by chat (domain/usecases/chat.py): the clerk switches a called attendance to chat (or back
to video); citizen and clerk exchange plain-text messages, stored with the ticket.

    GET  /api/tickets/{ticket}/chat                                citizen (the ticket's token)
    POST /api/tickets/{ticket}/chat                                citizen: {text}
    GET  /api/clerk/units/{unit}/attendances/{ticket}/chat         clerk of the unit
    POST /api/clerk/units/{unit}/attendances/{ticket}/chat         clerk: {text}
    PUT  /api/clerk/units/{unit}/attendances/{ticket}/mode         clerk: {mode: "video" | "chat"}
"""

from __future__ import annotations

import azure.functions as func

from domain.usecases import chat
from functions import bootstrap
from functions.answers import NO_STORE, present, respond
from functions.answers import clerk as answers
from functions.bodies import ChatBody, ModeBody
from functions.http_common import bearer, for_attendance, principal
from functions.operations import Operation
from functions.triggers import Blueprint

bp = Blueprint()
CLERK_ROUTE = "clerk/units/{unit}/attendances/{ticket}"


def answer(transcript: chat.Chat, status: int = 200) -> func.HttpResponse:
    return respond(present(answers.Chat, transcript), status, NO_STORE)


@bp.http(
    "GET tickets/{ticket}/chat",
    Operation("A conversa do atendimento por chat", "cidadão", answer=answers.Chat),
)
def citizen_chat(req: func.HttpRequest) -> func.HttpResponse:
    return answer(chat.citizen_chat(bootstrap.get().context, req.route_params["ticket"], bearer(req)))


@bp.http(
    "POST tickets/{ticket}/chat",
    Operation("Escrever no atendimento por chat", "cidadão", status=201, answer=answers.Chat),
)
def citizen_chat_message(req: func.HttpRequest, body: ChatBody) -> func.HttpResponse:
    token = bearer(req)
    app = bootstrap.get()
    return answer(
        chat.citizen_says(app.context, req.route_params["ticket"], token, body.text, app.now()), 201
    )


@bp.http(
    f"GET {CLERK_ROUTE}/chat",
    Operation("A conversa do atendimento por chat", "servidor", answer=answers.Chat),
)
def clerk_chat(req: func.HttpRequest) -> func.HttpResponse:
    who, p = principal(req), req.route_params
    return answer(chat.clerk_chat(bootstrap.get().context, p["unit"], p["ticket"], who))


@bp.http(
    f"POST {CLERK_ROUTE}/chat",
    Operation("Responder no atendimento por chat", "servidor", status=201, answer=answers.Chat),
)
def clerk_chat_message(req: func.HttpRequest, body: ChatBody) -> func.HttpResponse:
    return answer(for_attendance(req, chat.clerk_says, body.text), 201)


@bp.http(
    f"PUT {CLERK_ROUTE}/mode", Operation("Atender por vídeo ou por chat", "servidor", answer=answers.Chat)
)
def attendance_mode(req: func.HttpRequest, body: ModeBody) -> func.HttpResponse:
    return answer(for_attendance(req, chat.set_mode, body.mode))
