"""Scheduling (Res. 372 art. 4): the slots on offer, booking, the citizen's appointment (view, cancel,
reschedule), and the clerk's follow-up and day list (domain/usecases/booking.py, appointment_views.py).

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

from collections.abc import Mapping
from datetime import date

import azure.functions as func

from domain.auth import Principal
from domain.errors import InvalidInputError
from domain.times import day_of
from domain.usecases import appointment_views, booking
from functions import bootstrap
from functions.answers import NO_CACHE, NO_STORE, created, present, respond
from functions.answers import scheduling as answers
from functions.bodies import BookBody, SlotBody, parse_instant
from functions.http_common import bearer, for_attendance, for_holder, principal
from functions.links import Links
from functions.operations import DAYS, FROM, Operation, Param
from functions.triggers import Blueprint

bp = Blueprint()


def day_param(text: str, name: str) -> date | None:
    text = (text or "").strip().replace("-", "")
    if not text:
        return None
    try:
        return day_of(text)
    except ValueError:
        raise InvalidInputError("Informe a data como AAAA-MM-DD.", fields={name: "data inválida"}) from None


def days_param(text: str) -> int:
    text = (text or "").strip()
    if not text:
        return 0
    if not text.isdigit() or not 1 <= int(text) <= 92:
        raise InvalidInputError("Informe de 1 a 92 dias.", fields={"days": "de 1 a 92"})
    return int(text)


def slots(req: func.HttpRequest, clerk: Principal | None, headers: Mapping[str, str]) -> func.HttpResponse:
    app, p = bootstrap.get(), req.params
    offer = appointment_views.available_slots(
        app.context,
        req.route_params["unit"],
        app.now(),
        clerk=clerk,
        first=day_param(p.get("from", ""), "from"),
        days=days_param(p.get("days", "")),
    )
    return respond(answers.slot_offer(offer), headers=headers)


@bp.http(
    "GET units/{unit}/slots",
    Operation(
        "Horários livres para agendamento", "agendamento", answer=answers.SlotOffer, query=(FROM, DAYS)
    ),
)
def list_slots(req: func.HttpRequest) -> func.HttpResponse:
    return slots(req, None, NO_CACHE)


@bp.http(
    "GET clerk/units/{unit}/slots",
    Operation("Agenda da unidade", "servidor", answer=answers.SlotOffer, query=(FROM, DAYS)),
)
def clerk_slots(req: func.HttpRequest) -> func.HttpResponse:
    return slots(req, principal(req), NO_STORE)


def booked(made: booking.Booking, links: Links) -> func.HttpResponse:
    return created(answers.booked(made, links), links.appointment(made.appointment_id))


@bp.http(
    "POST units/{unit}/appointments",
    Operation("Agendar um atendimento", "agendamento", answer=answers.Booking, location="URL do agendamento"),
)
def book_appointment(req: func.HttpRequest, body: BookBody) -> func.HttpResponse:
    app = bootstrap.get()
    made = booking.book(
        app.context, req.route_params["unit"], body.to_input(), parse_instant(body.starts_at), app.now()
    )
    return booked(made, app.links)


@bp.http(
    "GET tickets/{ticket}/appointment",
    Operation("O agendamento", "agendamento", answer=answers.AppointmentView),
)
def get_appointment(req: func.HttpRequest) -> func.HttpResponse:
    view = for_holder(req, appointment_views.appointment_view)
    return respond(answers.appointment_view(view, bootstrap.get().links), headers=NO_CACHE)


@bp.http(
    "DELETE tickets/{ticket}/appointment", Operation("Cancelar o agendamento", "agendamento", empty=True)
)
def cancel_appointment(req: func.HttpRequest) -> func.HttpResponse:
    for_holder(req, booking.cancel)
    return func.HttpResponse(status_code=204)


@bp.http(
    "POST tickets/{ticket}/appointment/reschedule",
    Operation(
        "Remarcar o agendamento", "agendamento", answer=answers.Booking, location="URL do novo agendamento"
    ),
)
def reschedule_appointment(req: func.HttpRequest, body: SlotBody) -> func.HttpResponse:
    app = bootstrap.get()
    token = bearer(req)
    moved = booking.reschedule(
        app.context, req.route_params["ticket"], token, parse_instant(body.starts_at), app.now()
    )
    return booked(moved, app.links)


@bp.http(
    "GET tickets/{ticket}/follow-up",
    Operation("Retorno marcado pelo(a) servidor(a)", "agendamento", answer=answers.FollowUp),
)
def get_follow_up(req: func.HttpRequest) -> func.HttpResponse:
    app = bootstrap.get()
    view = appointment_views.follow_up_view(app.context, req.route_params["ticket"], bearer(req))
    return respond(answers.follow_up(view, app.links), headers=NO_STORE)


@bp.http(
    "GET clerk/units/{unit}/appointments",
    Operation(
        "Agendamentos de um dia",
        "servidor",
        answer=answers.DayAppointments,
        query=(Param("day", "Dia AAAA-MM-DD"),),
    ),
)
def clerk_appointments(req: func.HttpRequest) -> func.HttpResponse:
    app = bootstrap.get()
    day = appointment_views.clerk_appointments(
        app.context,
        req.route_params["unit"],
        principal(req),
        day_param(req.params.get("day", ""), "day"),
        app.now(),
    )
    return respond(present(answers.DayAppointments, day), headers=NO_STORE)


@bp.http(
    "POST clerk/units/{unit}/attendances/{ticket}/follow-up",
    Operation("Marcar retorno para o(a) cidadão(ã)", "servidor", status=201, answer=answers.Booking),
)
def clerk_follow_up(req: func.HttpRequest, body: SlotBody) -> func.HttpResponse:
    made = for_attendance(req, booking.offer_follow_up, parse_instant(body.starts_at))
    # the citizen reads the token on their own page (GET /api/tickets/{ticket}/follow-up)
    return respond(answers.booked(made, bootstrap.get().links, with_token=False), 201, headers=NO_STORE)
