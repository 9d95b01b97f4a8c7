"""The clerk console's API (`/api/clerk/...`): needs an Easy Auth principal with the unit's clerk role."""

from __future__ import annotations

import azure.functions as func

from domain.errors import NotFoundError
from domain.tickets import Action
from domain.usecases import clerk_actions, clerk_queue, colleagues, directory, meetings
from functions import bootstrap
from functions.answers import StatusAnswer, respond
from functions.answers.clerk import CallAnswer, ClerkHome, ClerkQueue, Colleagues, Invitation, MeetingRetried
from functions.bodies import ActionBody, CallBody, InviteBody, PresenceBody, parse_body
from functions.http_common import principal
from functions.triggers import http_route

bp = func.Blueprint()
NO_STORE = {"Cache-Control": "no-store"}

ACTIONS = {
    "start": Action.START,
    "finish": Action.FINISH,
    "no-show": Action.NO_SHOW,
    "requeue": Action.REQUEUE,
    "transfer": Action.TRANSFER,
}


@http_route(bp, "clerk_me", "clerk/me", "GET")
def clerk_me(req: func.HttpRequest) -> func.HttpResponse:
    return respond(ClerkHome.of(directory.staff_home(bootstrap.get().context, principal(req))))


@http_route(bp, "clerk_queue", "clerk/units/{unit}/queue", "GET")
def clerk_queue_view(req: func.HttpRequest) -> func.HttpResponse:
    app = bootstrap.get()
    view = clerk_queue.clerk_queue(app.context, req.route_params["unit"], principal(req), app.now())
    return respond(ClerkQueue.of(view), headers=NO_STORE)


@http_route(bp, "clerk_call", "clerk/units/{unit}/call", "POST")
def clerk_call(req: func.HttpRequest) -> func.HttpResponse:
    who = principal(req)
    body = parse_body(req, CallBody, optional=True)
    app, unit_id = bootstrap.get(), req.route_params["unit"]
    if body.ticket_id:
        result = clerk_actions.call_ticket(app.context, unit_id, body.ticket_id, who, app.now(), body.reason)
    else:
        result = clerk_actions.call_next(app.context, unit_id, who, app.now(), body.category)
    return respond(CallAnswer.of(result))


@http_route(bp, "clerk_ticket_action", "clerk/units/{unit}/tickets/{ticket}/{action}", "POST")
def clerk_ticket_action(req: func.HttpRequest) -> func.HttpResponse:
    who = principal(req)
    body = parse_body(req, ActionBody, optional=True)
    app, p = bootstrap.get(), req.route_params
    if p["action"] == "retry-meeting":
        meetings.retry_meeting(app.context, p["unit"], p["ticket"], who, app.now())
        return respond(MeetingRetried(status="called", meeting="pending"))
    action = ACTIONS.get(p["action"])
    if action is None:
        raise NotFoundError("Ação desconhecida.")
    status = clerk_actions.clerk_action(
        app.context, p["unit"], p["ticket"], action, who, app.now(), body.reason, body.target_unit
    )
    return respond(StatusAnswer(status=status.value))


@http_route(bp, "clerk_presence", "clerk/units/{unit}/presence", "PUT")
def clerk_presence(req: func.HttpRequest) -> func.HttpResponse:
    who = principal(req)
    body = parse_body(req, PresenceBody)
    app = bootstrap.get()
    clerk_actions.set_presence(app.context, req.route_params["unit"], who, body.status, app.now())
    return respond(StatusAnswer(status=body.status))


@http_route(bp, "clerk_colleagues", "clerk/units/{unit}/colleagues", "GET")
def clerk_colleagues(req: func.HttpRequest) -> func.HttpResponse:
    app = bootstrap.get()
    found = colleagues.list_colleagues(app.context, req.route_params["unit"], principal(req), app.now())
    return respond(Colleagues.of(found), headers=NO_STORE)


@http_route(bp, "invite_colleague", "clerk/units/{unit}/attendances/{ticket}/invitations", "POST")
def invite_colleague(req: func.HttpRequest) -> func.HttpResponse:
    who = principal(req)
    body = parse_body(req, InviteBody)
    app, p = bootstrap.get(), req.route_params
    invitation = colleagues.invite_colleague(app.context, p["unit"], p["ticket"], who, body.email, app.now())
    return respond(Invitation.of(invitation), 201)
