"""Scheduling (Res. 372 art. 4): the slots on offer, booking, the citizen's appointment (view, cancel,
reschedule), and the clerk's follow-up and day list (domain/scheduling.py).

    GET    /api/units/{unit}/slots?from=AAAA-MM-DD&days=N       public
    POST   /api/units/{unit}/appointments                       public (when the unit lets citizens book)
    GET    /api/tickets/{ticket}/appointment                    citizen (token of the appointment)
    DELETE /api/tickets/{ticket}/appointment                    citizen: cancel
    POST   /api/tickets/{ticket}/appointment/reschedule         citizen: move to another slot
    GET    /api/tickets/{ticket}/follow-up                      citizen: the follow-up booked by the clerk
    GET    /api/clerk/units/{unit}/slots                        clerk
    GET    /api/clerk/units/{unit}/appointments?day=AAAAMMDD    clerk
    POST   /api/clerk/units/{unit}/attendances/{ticket}/follow-up   clerk
"""

from __future__ import annotations

from datetime import date

import azure.functions as func

from domain import scheduling
from domain.errors import InvalidInputError
from domain.services import JoinInput
from functions import dependencies as deps
from functions import records
from functions.http_common import bearer, endpoint, principal
from functions.http_errors import ok
from functions.scheduling_schemas import BookBody, SlotBody, parse_instant
from functions.schemas import parse_body

bp = func.Blueprint()
NO_STORE = {"Cache-Control": "no-store"}


def _day(text: str, name: str) -> date | None:
    text = (text or "").strip().replace("-", "")
    if not text:
        return None
    try:
        if len(text) != 8 or not text.isdigit():
            raise ValueError(text)
        return date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        raise InvalidInputError("Informe a data como AAAA-MM-DD.", fields={name: "data inválida"}) from None


def _days(text: str) -> int:
    text = (text or "").strip()
    if not text:
        return 0
    if not text.isdigit() or not 1 <= int(text) <= 92:
        raise InvalidInputError("Informe de 1 a 92 dias.", fields={"days": "de 1 a 92"})
    return int(text)


@bp.function_name("list_slots")
@bp.route(route="units/{unit}/slots", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint
def list_slots(req: func.HttpRequest) -> func.HttpResponse:
    view = scheduling.available_slots(
        deps.services(),
        records.appointments(),
        req.route_params["unit"],
        deps.now(),
        first=_day(req.params.get("from", ""), "from"),
        days=_days(req.params.get("days", "")),
    )
    return ok(view, headers={"Cache-Control": "no-cache"})


@bp.function_name("book_appointment")
@bp.route(route="units/{unit}/appointments", methods=["POST"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint
def book_appointment(req: func.HttpRequest) -> func.HttpResponse:
    body = parse_body(req, BookBody)
    booking = scheduling.book(
        deps.services(),
        records.appointments(),
        req.route_params["unit"],
        JoinInput(
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
        parse_instant(body.starts_at),
        deps.now(),
    )
    return ok(booking.to_json(), status=201, headers={"Location": booking.status_url, **NO_STORE})


@bp.function_name("get_appointment")
@bp.route(route="tickets/{ticket}/appointment", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint
def get_appointment(req: func.HttpRequest) -> func.HttpResponse:
    view = scheduling.appointment_view(
        deps.services(), records.appointments(), req.route_params["ticket"], bearer(req), deps.now()
    )
    return ok(view, headers={"Cache-Control": "no-cache"})


@bp.function_name("cancel_appointment")
@bp.route(route="tickets/{ticket}/appointment", methods=["DELETE"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint
def cancel_appointment(req: func.HttpRequest) -> func.HttpResponse:
    scheduling.cancel(
        deps.services(), records.appointments(), req.route_params["ticket"], bearer(req), deps.now()
    )
    return func.HttpResponse(status_code=204)


@bp.function_name("reschedule_appointment")
@bp.route(
    route="tickets/{ticket}/appointment/reschedule", methods=["POST"], auth_level=func.AuthLevel.ANONYMOUS
)
@endpoint
def reschedule_appointment(req: func.HttpRequest) -> func.HttpResponse:
    token = bearer(req)
    body = parse_body(req, SlotBody)
    booking = scheduling.reschedule(
        deps.services(),
        records.appointments(),
        req.route_params["ticket"],
        token,
        parse_instant(body.starts_at),
        deps.now(),
    )
    return ok(booking.to_json(), status=201, headers={"Location": booking.status_url, **NO_STORE})


@bp.function_name("get_follow_up")
@bp.route(route="tickets/{ticket}/follow-up", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint
def get_follow_up(req: func.HttpRequest) -> func.HttpResponse:
    view = scheduling.follow_up_view(
        deps.services(), records.appointments(), req.route_params["ticket"], bearer(req)
    )
    return ok(view, headers=NO_STORE)


@bp.function_name("clerk_slots")
@bp.route(route="clerk/units/{unit}/slots", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint
def clerk_slots(req: func.HttpRequest) -> func.HttpResponse:
    view = scheduling.available_slots(
        deps.services(),
        records.appointments(),
        req.route_params["unit"],
        deps.now(),
        clerk=principal(req),
        first=_day(req.params.get("from", ""), "from"),
        days=_days(req.params.get("days", "")),
    )
    return ok(view, headers=NO_STORE)


@bp.function_name("clerk_appointments")
@bp.route(route="clerk/units/{unit}/appointments", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint
def clerk_appointments(req: func.HttpRequest) -> func.HttpResponse:
    view = scheduling.clerk_appointments(
        deps.services(),
        records.appointments(),
        req.route_params["unit"],
        principal(req),
        _day(req.params.get("day", ""), "day"),
        deps.now(),
    )
    return ok(view, headers=NO_STORE)


@bp.function_name("clerk_follow_up")
@bp.route(
    route="clerk/units/{unit}/attendances/{ticket}/follow-up",
    methods=["POST"],
    auth_level=func.AuthLevel.ANONYMOUS,
)
@endpoint
def clerk_follow_up(req: func.HttpRequest) -> func.HttpResponse:
    who = principal(req)
    body = parse_body(req, SlotBody)
    p = req.route_params
    booking = scheduling.offer_follow_up(
        deps.services(),
        records.appointments(),
        p["unit"],
        p["ticket"],
        who,
        parse_instant(body.starts_at),
        deps.now(),
    )
    answer = booking.to_json()
    answer.pop("token")  # the citizen reads it on their own page (GET /api/tickets/{ticket}/follow-up)
    return ok(answer, status=201, headers=NO_STORE)
