"""The asynchronous channel (Res. 372 art. 2 §1): the notice and the form, sending, the citizen's view
with the reply, the clerks' inbox with deadline clocks, the reply, and the indicators
(domain/async_channel.py).

    GET  /api/units/{unit}/async-channel                   public: notice, response time, limit
    POST /api/units/{unit}/messages                        public: text only → protocol and token
    GET  /api/tickets/{ticket}/message                     citizen (token of the message)
    GET  /api/clerk/units/{unit}/messages                  clerk: inbox
    POST /api/clerk/units/{unit}/messages/{message}/reply  clerk
    GET  /api/metrics/async?days=N[&court=][&unit=]        clerks, managers, administrators
"""

from __future__ import annotations

import azure.functions as func

from domain import async_channel
from domain.errors import InvalidInputError
from functions import dependencies as deps
from functions import records
from functions.http_common import bearer, endpoint, principal
from functions.http_errors import ok
from functions.scheduling_schemas import MessageBody, ReplyBody
from functions.schemas import parse_body

bp = func.Blueprint()
NO_STORE = {"Cache-Control": "no-store"}
ATTACHMENTS_REFUSED = (
    "Este canal recebe apenas texto: anexos não são aceitos. Petições e documentos devem ser enviados "
    "pelo sistema de processo eletrônico do tribunal."
)


@bp.function_name("async_channel_info")
@bp.route(route="units/{unit}/async-channel", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint
def async_channel_info(req: func.HttpRequest) -> func.HttpResponse:
    return ok(async_channel.channel_info(deps.services(), req.route_params["unit"]))


@bp.function_name("send_message")
@bp.route(route="units/{unit}/messages", methods=["POST"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint
def send_message(req: func.HttpRequest) -> func.HttpResponse:
    ctype = (req.headers.get("content-type") or "").split(";")[0].strip().lower()
    if ctype.startswith("multipart/") or ctype in ("application/octet-stream", "application/pdf"):
        raise InvalidInputError(ATTACHMENTS_REFUSED, fields={"attachments": "anexos não são aceitos"})
    body = parse_body(req, MessageBody)
    sent = async_channel.send_message(
        deps.services(),
        records.messages(),
        req.route_params["unit"],
        async_channel.MessageInput(
            name=body.name,
            role=body.role,
            reason=body.reason,
            text=body.text,
            consent=body.consent,
            oab_number=body.oab_number,
            oab_state=body.oab_state,
            process_number=body.process_number,
            attachments=len(body.attachments),
        ),
        deps.now(),
    )
    return ok(sent.to_json(), status=201, headers={"Location": sent.status_url, **NO_STORE})


@bp.function_name("get_message")
@bp.route(route="tickets/{ticket}/message", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint
def get_message(req: func.HttpRequest) -> func.HttpResponse:
    view = async_channel.message_view(
        deps.services(), records.messages(), req.route_params["ticket"], bearer(req)
    )
    return ok(view, headers={"Cache-Control": "no-cache"})


@bp.function_name("clerk_messages")
@bp.route(route="clerk/units/{unit}/messages", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint
def clerk_messages(req: func.HttpRequest) -> func.HttpResponse:
    view = async_channel.inbox(
        deps.services(), records.messages(), req.route_params["unit"], principal(req), deps.now()
    )
    return ok(view, headers=NO_STORE)


@bp.function_name("reply_message")
@bp.route(
    route="clerk/units/{unit}/messages/{message}/reply", methods=["POST"], auth_level=func.AuthLevel.ANONYMOUS
)
@endpoint
def reply_message(req: func.HttpRequest) -> func.HttpResponse:
    who = principal(req)
    body = parse_body(req, ReplyBody)
    p = req.route_params
    result = async_channel.reply(
        deps.services(), records.messages(), p["unit"], p["message"], who, body.text, deps.now()
    )
    return ok(result)


@bp.function_name("async_metrics")
@bp.route(route="metrics/async", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint
def async_metrics(req: func.HttpRequest) -> func.HttpResponse:
    who = principal(req)
    svc = deps.services()
    config = svc.config()
    text = (req.params.get("days") or "30").strip()
    if not text.isdigit():
        raise InvalidInputError("Período inválido.", fields={"days": "de 1 a 366 dias"})
    units = async_channel.readable_units(config, who, req.params.get("court", ""), req.params.get("unit", ""))
    return ok(async_channel.async_indicators(config, records.messages(), units, deps.now(), int(text)))
