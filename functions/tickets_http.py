"""The citizen's ticket: join, follow (cheap polls with ETag), leave, answer the survey."""

from __future__ import annotations

import azure.functions as func

from domain import services as uc
from functions import dependencies as deps
from functions.http_common import bearer, endpoint
from functions.http_errors import ok
from functions.schemas import JoinBody, SurveyBody, parse_body

bp = func.Blueprint()


@bp.function_name("join_queue")
@bp.route(route="units/{unit}/tickets", methods=["POST"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint
def join_queue(req: func.HttpRequest) -> func.HttpResponse:
    body = parse_body(req, JoinBody)
    accepted = uc.accept_join(
        deps.services(),
        req.route_params["unit"],
        uc.JoinInput(
            name=body.name,
            role=body.role,
            reason=body.reason,
            consent=body.consent,
            oab_number=body.oab_number,
            oab_state=body.oab_state,
            process_number=body.process_number,
            category=body.category,
            priority=tuple(body.priority),
            companions=body.companions,
        ),
        deps.now(),
    )
    return ok(
        {
            "ticketId": accepted.ticket_id,
            "token": accepted.token,
            "statusUrl": accepted.status_url,
            "unitId": accepted.unit_id,
            "status": "pending",
        },
        status=202,
        headers={"Location": accepted.status_url, "Cache-Control": "no-store"},
    )


@bp.function_name("get_ticket")
@bp.route(route="tickets/{ticket}", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint
def get_ticket(req: func.HttpRequest) -> func.HttpResponse:
    view = uc.ticket_view(deps.services(), req.route_params["ticket"], bearer(req), deps.now())
    etag = uc.view_etag(view)
    headers = {"ETag": etag, "Cache-Control": "no-cache"}
    if req.headers.get("if-none-match") == etag:
        return func.HttpResponse(status_code=304, headers=headers)
    return ok(view, headers=headers)


@bp.function_name("leave_queue")
@bp.route(route="tickets/{ticket}", methods=["DELETE"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint
def leave_queue(req: func.HttpRequest) -> func.HttpResponse:
    uc.leave(deps.services(), req.route_params["ticket"], bearer(req), deps.now())
    return func.HttpResponse(status_code=204)


@bp.function_name("answer_survey")
@bp.route(route="tickets/{ticket}/survey", methods=["POST"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint
def answer_survey(req: func.HttpRequest) -> func.HttpResponse:
    token = bearer(req)
    body = parse_body(req, SurveyBody)
    uc.submit_survey(deps.services(), req.route_params["ticket"], token, body.score, body.comment, deps.now())
    return ok({"status": "recebida"}, status=201)
