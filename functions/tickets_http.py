"""The citizen's ticket: join, follow (cheap polls with ETag), leave, answer the survey; how to be told off
the page (`PUT .../notices`) and "Estou aqui" near the front (`POST .../here`)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

import azure.functions as func

from domain.usecases import citizen_view, joining, reach, surveys
from functions import bootstrap
from functions.answers import NO_CACHE, NO_STORE, created, dump, respond
from functions.answers import tickets as answers
from functions.bodies import JoinBody, NoticesBody, SurveyBody
from functions.http_common import bearer, for_holder
from functions.http_errors import ok
from functions.operations import TICKET_HEADERS, Operation
from functions.triggers import Blueprint

bp = Blueprint()


@bp.http(
    "POST units/{unit}/tickets",
    Operation(
        "Entrar na fila da unidade",
        "cidadão",
        description="Aceita o pedido (202) e o envia à fila de admissão; o número da senha aparece na "
        "primeira consulta. Limites por cliente e por unidade (429 com Retry-After).",
        status=202,
        answer=answers.JoinAccepted,
        location="URL da senha",
    ),
)
def join_queue(req: func.HttpRequest, body: JoinBody) -> func.HttpResponse:
    app = bootstrap.get()
    accepted = joining.accept_join(app.context, req.route_params["unit"], body.to_input(), app.now())
    return created(answers.join_accepted(accepted, app.links), app.links.ticket(accepted.ticket_id), 202)


@bp.http(
    "GET tickets/{ticket}",
    Operation(
        "Acompanhar a senha (posição, espera, link da reunião)",
        "cidadão",
        answer=answers.TicketView,
        headers=TICKET_HEADERS,
        not_modified=True,
    ),
)
def get_ticket(req: func.HttpRequest) -> func.HttpResponse:
    view = for_holder(req, citizen_view.ticket_view)
    body = dump(answers.ticket_view(view, bootstrap.get().links))
    etag = view_etag(body)
    headers = {"ETag": etag, **NO_CACHE}
    if req.headers.get("if-none-match") == etag:
        return func.HttpResponse(status_code=304, headers=headers)
    return ok(body, headers=headers)


def view_etag(view: Mapping[str, Any]) -> str:
    digest = hashlib.sha256(json.dumps(view, sort_keys=True, default=str).encode()).hexdigest()[:20]
    return f'"{digest}"'


@bp.http("DELETE tickets/{ticket}", Operation("Sair da fila", "cidadão", empty=True))
def leave_queue(req: func.HttpRequest) -> func.HttpResponse:
    for_holder(req, citizen_view.leave)
    return func.HttpResponse(status_code=204)


@bp.http(
    "POST tickets/{ticket}/survey",
    Operation("Responder a pesquisa de satisfação", "cidadão", status=201, answer=answers.SurveyAccepted),
)
def answer_survey(req: func.HttpRequest, body: SurveyBody) -> func.HttpResponse:
    app = bootstrap.get()
    token = bearer(req)
    surveys.submit_survey(app.context, req.route_params["ticket"], token, body.score, body.comment, app.now())
    return respond(answers.SurveyAccepted(status="recebida"), 201)


@bp.http(
    "PUT tickets/{ticket}/notices",
    Operation(
        "Escolher como ser avisado(a) fora da página",
        "cidadão",
        description="Substitui os meios de aviso da senha (lista vazia: nenhum). Celular no formato +55, "
        "DDD e número; e-mail válido; inscrição de push com endereço https e chaves base64url. Dados "
        "inválidos: 400, nada é guardado.",
        answer=answers.NoticesSet,
    ),
)
def set_ticket_notices(req: func.HttpRequest, body: NoticesBody) -> func.HttpResponse:
    app = bootstrap.get()
    token = bearer(req)
    view = reach.set_notices(app.context, req.route_params["ticket"], token, body.to_requests(), app.now())
    return respond(answers.notices_set(view), headers=NO_STORE)


@bp.http(
    "POST tickets/{ticket}/here",
    Operation(
        "Estou aqui (perto da vez)",
        "cidadão",
        description="A pessoa confirma que está acompanhando: conta como sinal de vida e aparece "
        "para o servidor.",
        empty=True,
    ),
)
def confirm_here(req: func.HttpRequest) -> func.HttpResponse:
    for_holder(req, reach.confirm_here)
    return func.HttpResponse(status_code=204, headers=NO_STORE)
