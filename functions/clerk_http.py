"""The clerk console's API (`/api/clerk/...`): needs an Easy Auth principal with the unit's clerk role."""

from __future__ import annotations

import azure.functions as func

from domain import services as uc
from domain.errors import NotFoundError
from domain.tickets import Action
from functions import dependencies as deps
from functions.http_common import endpoint, principal
from functions.http_errors import ok
from functions.schemas import ActionBody, CallBody, PresenceBody, parse_body

bp = func.Blueprint()

ACTIONS = {
    "start": Action.START,
    "finish": Action.FINISH,
    "no-show": Action.NO_SHOW,
    "requeue": Action.REQUEUE,
    "transfer": Action.TRANSFER,
}


@bp.function_name("clerk_me")
@bp.route(route="clerk/me", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint
def clerk_me(req: func.HttpRequest) -> func.HttpResponse:
    who = principal(req)
    config = deps.services().config()
    units = [
        {
            "id": u.id,
            "name": u.name,
            "section": u.section,
            "court": u.court,
            "timezone": u.timezone,
            "reasons": [{"id": r.id, "label": r.label} for r in u.reasons],
            "serviceCategories": [{"id": c.id, "label": c.label} for c in u.service_categories],
        }
        for u in config.units
        if who.can_serve(u.id)
    ]
    others = [{"id": u.id, "name": u.name} for u in config.units if u.active]
    return ok(
        {
            "email": who.email,
            "name": who.name,
            "units": units,
            "transferTargets": others,
            "admin": who.admin,
            "managerOf": sorted(who.manager_courts),
        }
    )


@bp.function_name("clerk_queue")
@bp.route(route="clerk/units/{unit}/queue", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint
def clerk_queue(req: func.HttpRequest) -> func.HttpResponse:
    view = uc.clerk_queue(deps.services(), req.route_params["unit"], principal(req), deps.now())
    return ok(view, headers={"Cache-Control": "no-store"})


@bp.function_name("clerk_call")
@bp.route(route="clerk/units/{unit}/call", methods=["POST"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint
def clerk_call(req: func.HttpRequest) -> func.HttpResponse:
    who = principal(req)
    body = parse_body(req, CallBody, optional=True)
    svc, unit_id = deps.services(), req.route_params["unit"]
    if body.ticket_id:
        result = uc.call_ticket(svc, unit_id, body.ticket_id, who, deps.now(), body.reason)
    else:
        result = uc.call_next(svc, unit_id, who, deps.now(), body.category)
    return ok(
        {
            "ticketId": result.ticket_id,
            "displayNumber": result.display_number,
            "priority": result.priority,
            "outOfOrderReason": result.out_of_order_reason,
        }
    )


@bp.function_name("clerk_ticket_action")
@bp.route(
    route="clerk/units/{unit}/tickets/{ticket}/{action}",
    methods=["POST"],
    auth_level=func.AuthLevel.ANONYMOUS,
)
@endpoint
def clerk_ticket_action(req: func.HttpRequest) -> func.HttpResponse:
    who = principal(req)
    body = parse_body(req, ActionBody, optional=True)
    svc, p = deps.services(), req.route_params
    if p["action"] == "retry-meeting":
        uc.retry_meeting(svc, p["unit"], p["ticket"], who, deps.now())
        return ok({"status": "called", "meeting": "pending"})
    action = ACTIONS.get(p["action"])
    if action is None:
        raise NotFoundError("Ação desconhecida.")
    status = uc.clerk_action(
        svc, p["unit"], p["ticket"], action, who, deps.now(), body.reason, body.target_unit
    )
    return ok({"status": status})


@bp.function_name("clerk_presence")
@bp.route(route="clerk/units/{unit}/presence", methods=["PUT"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint
def clerk_presence(req: func.HttpRequest) -> func.HttpResponse:
    who = principal(req)
    body = parse_body(req, PresenceBody)
    uc.set_presence(deps.services(), req.route_params["unit"], who, body.status, deps.now())
    return ok({"status": body.status})
