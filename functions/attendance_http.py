"""Calling in a colleague (Res. 372 art. 4): who can be invited, and the invitation (domain/attendance.py).

GET  /api/clerk/units/{unit}/colleagues                          clerk
POST /api/clerk/units/{unit}/attendances/{ticket}/invitations    clerk
"""

from __future__ import annotations

import azure.functions as func

from domain import attendance
from functions import dependencies as deps
from functions.http_common import endpoint, principal
from functions.http_errors import ok
from functions.scheduling_schemas import InviteBody
from functions.schemas import parse_body

bp = func.Blueprint()


@bp.function_name("clerk_colleagues")
@bp.route(route="clerk/units/{unit}/colleagues", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint
def clerk_colleagues(req: func.HttpRequest) -> func.HttpResponse:
    view = attendance.list_colleagues(deps.services(), req.route_params["unit"], principal(req), deps.now())
    return ok(view, headers={"Cache-Control": "no-store"})


@bp.function_name("invite_colleague")
@bp.route(
    route="clerk/units/{unit}/attendances/{ticket}/invitations",
    methods=["POST"],
    auth_level=func.AuthLevel.ANONYMOUS,
)
@endpoint
def invite_colleague(req: func.HttpRequest) -> func.HttpResponse:
    who = principal(req)
    body = parse_body(req, InviteBody)
    p = req.route_params
    invitation = attendance.invite_colleague(
        deps.services(), p["unit"], p["ticket"], who, body.email, deps.now()
    )
    return ok(
        {
            "ticketId": invitation.ticket_id,
            "invitee": {"email": invitation.email, "name": invitation.name, "role": invitation.role},
            "joinUrl": invitation.join_url,
        },
        status=201,
    )
