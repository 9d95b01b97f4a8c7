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
from functions.answers import NO_CACHE, NO_STORE, created, present, respond
from functions.answers import messages as answers
from functions.bodies import MessageBody, ReplyBody, require_json
from functions.http_common import bearer, for_clerk, principal
from functions.operations import COURT, UNIT, Operation, Param
from functions.triggers import Blueprint

bp = Blueprint()
ATTACHMENT_TYPES = ("application/octet-stream", "application/pdf")


def message_media(req: func.HttpRequest) -> None:
    """A message must be JSON like every write (415), but an upload (a multipart form, a file's type)
    gets the channel's own words first (400): the citizen learns that the channel takes no attachments."""
    ctype = (req.headers.get("content-type") or "").split(";")[0].strip().lower()
    if ctype.startswith("multipart/") or ctype in ATTACHMENT_TYPES:
        raise InvalidInputError(ATTACHMENTS_REFUSED, fields={"attachments": "anexos não são aceitos"})
    require_json(req)


@bp.http(
    "GET units/{unit}/async-channel",
    Operation("Canal assíncrono da unidade", "canal assíncrono", answer=answers.ChannelInfo),
)
def async_channel_info(req: func.HttpRequest) -> func.HttpResponse:
    return respond(
        answers.channel_info(async_channel.channel_info(bootstrap.get().context, req.route_params["unit"]))
    )


@bp.http(
    "POST units/{unit}/messages",
    Operation(
        "Enviar mensagem pelo canal assíncrono",
        "canal assíncrono",
        answer=answers.MessageSent,
        location="URL da mensagem",
    ),
    media_check=message_media,
)
def send_message(req: func.HttpRequest, body: MessageBody) -> func.HttpResponse:
    app = bootstrap.get()
    sent = async_channel.send_message(app.context, req.route_params["unit"], body.to_input(), app.now())
    return created(answers.message_sent(sent, app.links), app.links.message(sent.message_id))


@bp.http(
    "GET tickets/{ticket}/message",
    Operation("A mensagem e a resposta", "canal assíncrono", answer=answers.MessageView),
)
def get_message(req: func.HttpRequest) -> func.HttpResponse:
    view = async_channel.message_view(bootstrap.get().context, req.route_params["ticket"], bearer(req))
    return respond(answers.message_view(view), headers=NO_CACHE)


@bp.http(
    "GET clerk/units/{unit}/messages", Operation("Mensagens da unidade", "servidor", answer=answers.Inbox)
)
def clerk_messages(req: func.HttpRequest) -> func.HttpResponse:
    return respond(answers.inbox(for_clerk(req, async_channel.inbox)), headers=NO_STORE)


@bp.http(
    "POST clerk/units/{unit}/messages/{message}/reply",
    Operation("Responder uma mensagem", "servidor", answer=answers.Replied),
)
def reply_message(req: func.HttpRequest, body: ReplyBody) -> func.HttpResponse:
    who = principal(req)
    app, p = bootstrap.get(), req.route_params
    result = async_channel.reply(app.context, p["unit"], p["message"], who, body.text, app.now())
    return respond(present(answers.Replied, result))


@bp.http(
    "GET metrics/async",
    Operation(
        "Indicadores do canal assíncrono",
        "indicadores",
        answer=answers.AsyncMetrics,
        query=(Param("days", "Dias (1 a 366)"), COURT, UNIT),
    ),
)
def async_metrics(req: func.HttpRequest) -> func.HttpResponse:
    who = principal(req)
    app = bootstrap.get()
    text = (req.params.get("days") or "30").strip()
    if not text.isdigit():
        raise InvalidInputError("Período inválido.", fields={"days": "de 1 a 366 dias"})
    units = async_overdue.readable_units(
        app.context.config(), who, req.params.get("court", ""), req.params.get("unit", "")
    )
    indicators = async_overdue.async_indicators(app.context, units, app.now(), int(text))
    return respond(present(answers.AsyncMetrics, indicators))
