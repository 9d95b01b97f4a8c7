"""The asynchronous channel (Res. 372 art. 2 §1): the notice and the form, sending, the citizen's view
with the reply, the clerks' inbox with deadline clocks, the reply, and the indicators
(domain/usecases/async_channel.py, async_overdue.py).

    GET  /api/units/{unit}/async-channel                   public: notice, response time, limit
    POST /api/units/{unit}/messages                        public: text only → protocol and token
    GET  /api/tickets/{ticket}/message                     citizen (token of the message)
    GET  /api/clerk/units/{unit}/messages                  clerk: inbox
    POST /api/clerk/units/{unit}/messages/{message}/reply  clerk
    GET  /api/metrics/async?days=N[&court=][&unit=]        clerks, managers, administrators
"""

from __future__ import annotations

import azure.functions as func

from domain.errors import InvalidInputError
from domain.messages import ATTACHMENTS_REFUSED
from domain.usecases import async_channel, async_overdue
from functions import bootstrap
from functions.answers import respond
from functions.answers.messages import AsyncMetrics, ChannelInfo, Inbox, MessageSent, MessageView, Replied
from functions.bodies import MessageBody, ReplyBody, parse_body
from functions.http_common import bearer, principal
from functions.triggers import http_route

bp = func.Blueprint()
NO_STORE = {"Cache-Control": "no-store"}
ATTACHMENT_TYPES = ("application/octet-stream", "application/pdf")


@http_route(bp, "async_channel_info", "units/{unit}/async-channel", "GET")
def async_channel_info(req: func.HttpRequest) -> func.HttpResponse:
    return respond(
        ChannelInfo.of(async_channel.channel_info(bootstrap.get().context, req.route_params["unit"]))
    )


@http_route(bp, "send_message", "units/{unit}/messages", "POST")
def send_message(req: func.HttpRequest) -> func.HttpResponse:
    ctype = (req.headers.get("content-type") or "").split(";")[0].strip().lower()
    if ctype.startswith("multipart/") or ctype in ATTACHMENT_TYPES:
        raise InvalidInputError(ATTACHMENTS_REFUSED, fields={"attachments": "anexos não são aceitos"})
    app = bootstrap.get()
    body = parse_body(req, MessageBody)
    sent = async_channel.send_message(app.context, req.route_params["unit"], body.to_input(), app.now())
    answer = MessageSent.of(sent, app.links)
    return respond(answer, 201, headers={"Location": answer.status_url, **NO_STORE})


@http_route(bp, "get_message", "tickets/{ticket}/message", "GET")
def get_message(req: func.HttpRequest) -> func.HttpResponse:
    view = async_channel.message_view(bootstrap.get().context, req.route_params["ticket"], bearer(req))
    return respond(MessageView.of(view), headers={"Cache-Control": "no-cache"})


@http_route(bp, "clerk_messages", "clerk/units/{unit}/messages", "GET")
def clerk_messages(req: func.HttpRequest) -> func.HttpResponse:
    app = bootstrap.get()
    box = async_channel.inbox(app.context, req.route_params["unit"], principal(req), app.now())
    return respond(Inbox.of(box), headers=NO_STORE)


@http_route(bp, "reply_message", "clerk/units/{unit}/messages/{message}/reply", "POST")
def reply_message(req: func.HttpRequest) -> func.HttpResponse:
    who = principal(req)
    body = parse_body(req, ReplyBody)
    app, p = bootstrap.get(), req.route_params
    result = async_channel.reply(app.context, p["unit"], p["message"], who, body.text, app.now())
    return respond(Replied.of(result))


@http_route(bp, "async_metrics", "metrics/async", "GET")
def async_metrics(req: func.HttpRequest) -> func.HttpResponse:
    who = principal(req)
    app = bootstrap.get()
    text = (req.params.get("days") or "30").strip()
    if not text.isdigit():
        raise InvalidInputError("Período inválido.", fields={"days": "de 1 a 366 dias"})
    units = async_overdue.readable_units(
        app.context.config(), who, req.params.get("court", ""), req.params.get("unit", "")
    )
    return respond(AsyncMetrics.of(async_overdue.async_indicators(app.context, units, app.now(), int(text))))
