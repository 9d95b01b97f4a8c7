"""The clerk console's API (`/api/clerk/...`): needs an Easy Auth principal with the unit's clerk role."""

from __future__ import annotations

import azure.functions as func

from domain.errors import NotFoundError
from domain.tickets import Action
from domain.usecases import clerk_actions, colleagues, directory, no_show
from domain.usecases import clerk_queue as queue_views
from functions import bootstrap
from functions.answers import NO_STORE, MeetingRetried, Status, present, respond
from functions.answers import clerk as answers
from functions.bodies import ActionBody, CallBody, InviteBody, PresenceBody
from functions.http_common import for_attendance, for_clerk, principal
from functions.operations import Operation, Param
from functions.triggers import Blueprint

bp = Blueprint()

ACTIONS = {
    "start": Action.START,
    "finish": Action.FINISH,
    "requeue": Action.REQUEUE,
    "transfer": Action.TRANSFER,
}


@bp.http("GET clerk/me", Operation("Quem sou e onde atendo", "servidor", answer=answers.ClerkHome))
def clerk_me(req: func.HttpRequest) -> func.HttpResponse:
    return respond(present(answers.ClerkHome, directory.staff_home(bootstrap.get().context, principal(req))))


@bp.http("GET clerk/units/{unit}/queue", Operation("Fila da unidade", "servidor", answer=answers.ClerkQueue))
def clerk_queue(req: func.HttpRequest) -> func.HttpResponse:
    return respond(present(answers.ClerkQueue, for_clerk(req, queue_views.clerk_queue)), headers=NO_STORE)


@bp.http(
    "POST clerk/units/{unit}/call",
    Operation(
        "Chamar a próxima senha (ou uma senha, com motivo)",
        "servidor",
        body_required=False,
        answer=answers.CallAnswer,
    ),
)
def clerk_call(req: func.HttpRequest, body: CallBody) -> func.HttpResponse:
    who = principal(req)
    app, unit_id = bootstrap.get(), req.route_params["unit"]
    if body.ticket_id:
        result = clerk_actions.call_ticket(app.context, unit_id, body.ticket_id, who, app.now(), body.reason)
    else:
        result = clerk_actions.call_next(app.context, unit_id, who, app.now(), body.category)
    return respond(present(answers.CallAnswer, result))


@bp.http(
    "POST clerk/units/{unit}/tickets/{ticket}/{action}",
    Operation(
        "Ação sobre uma senha chamada",
        "servidor",
        body_required=False,
        answer=Status,
        path=(
            Param(
                "action",
                "Ação",
                ("start", "finish", "no-show", "requeue", "transfer", "retry-meeting"),
            ),
        ),
        errors=(502,),
    ),
)
def clerk_ticket_action(req: func.HttpRequest, body: ActionBody) -> func.HttpResponse:
    who = principal(req)
    app, p = bootstrap.get(), req.route_params
    if p["action"] == "retry-meeting":
        clerk_actions.retry_meeting(app.context, p["unit"], p["ticket"], who, app.now())
        return respond(MeetingRetried(status="called", meeting="pending"))
    if p["action"] == "no-show":  # before the unit's no-show time only with the clerk's confirmation
        status = no_show.mark_no_show(app.context, p["unit"], p["ticket"], who, app.now(), body.confirm)
        return respond(Status(status=status.value))
    action = ACTIONS.get(p["action"])
    if action is None:
        raise NotFoundError("Ação desconhecida.")
    asked = clerk_actions.ClerkMove(action, body.reason, body.target_unit)
    status = clerk_actions.clerk_action(app.context, p["unit"], p["ticket"], asked, who, app.now())
    return respond(Status(status=status.value))


@bp.http(
    "PUT clerk/units/{unit}/presence",
    Operation("Disponibilidade do(a) servidor(a)", "servidor", answer=Status, may_conflict=False),
)
def clerk_presence(req: func.HttpRequest, body: PresenceBody) -> func.HttpResponse:
    who = principal(req)
    app = bootstrap.get()
    clerk_actions.set_presence(app.context, req.route_params["unit"], who, body.status, app.now())
    return respond(Status(status=body.status))


@bp.http(
    "GET clerk/units/{unit}/colleagues",
    Operation("Colegas que podem ser chamados", "servidor", answer=answers.Colleagues),
)
def clerk_colleagues(req: func.HttpRequest) -> func.HttpResponse:
    found = for_clerk(req, colleagues.list_colleagues)
    return respond(present(answers.Colleagues, found), headers=NO_STORE)


@bp.http(
    "POST clerk/units/{unit}/attendances/{ticket}/invitations",
    Operation("Chamar um(a) colega para o atendimento", "servidor", status=201, answer=answers.Invitation),
)
def invite_colleague(req: func.HttpRequest, body: InviteBody) -> func.HttpResponse:
    invitation = for_attendance(req, colleagues.invite_colleague, body.email)
    return respond(present(answers.Invitation, invitation), 201)
