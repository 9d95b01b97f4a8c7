"""Is the citizen in the meeting room (domain/usecases/rooms.py)?

- `GET /api/clerk/units/{unit}/rooms/{ticket}`: for the clerk's console, what the unit's meeting provider
  can tell (the local simulated room: yes or no; Jitsi with a room census: how many people; Teams: it
  cannot tell, and the answer says so).
- `POST /api/tickets/{ticket}/room`: the local provider's simulated room reports that the citizen is
  inside (with the ticket's token). 204.
"""

from __future__ import annotations

import azure.functions as func

from domain.usecases import rooms
from functions import bootstrap
from functions.answers import NO_STORE, present, respond
from functions.answers import clerk as answers
from functions.http_common import for_holder, principal
from functions.operations import Operation
from functions.triggers import Blueprint

bp = Blueprint()


@bp.http(
    "GET clerk/units/{unit}/rooms/{ticket}",
    Operation("A pessoa está na sala de vídeo?", "servidor", answer=answers.RoomAnswer, errors=(404, 409)),
)
def clerk_room(req: func.HttpRequest) -> func.HttpResponse:
    app, p = bootstrap.get(), req.route_params
    status = rooms.room_status(app.context, p["unit"], p["ticket"], principal(req), app.now())
    return respond(present(answers.RoomAnswer, status), headers=NO_STORE)


@bp.http(
    "POST tickets/{ticket}/room",
    Operation("A sala simulada (provedor local) avisa que a pessoa entrou", "cidadão", empty=True),
)
def citizen_in_room(req: func.HttpRequest) -> func.HttpResponse:
    for_holder(req, rooms.citizen_in_room)
    return func.HttpResponse(status_code=204, headers=NO_STORE)
