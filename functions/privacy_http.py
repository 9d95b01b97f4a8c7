"""`DELETE /api/tickets/{ticket}/data`: the holder of a ticket erases its personal data (LGPD art. 18).

With the ticket's token. Leaves the queue first when the ticket is still in it; 204 also when there is
nothing left to erase (idempotent). See domain/retention.py.
"""

from __future__ import annotations

import azure.functions as func

from domain import retention
from functions import dependencies as deps
from functions.http_common import bearer, endpoint

bp = func.Blueprint()


@bp.function_name("erase_ticket_data")
@bp.route(route="tickets/{ticket}/data", methods=["DELETE"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint
def erase_ticket_data(req: func.HttpRequest) -> func.HttpResponse:
    retention.erase_own_data(
        deps.services(), deps.retention_store(), req.route_params["ticket"], bearer(req), deps.now()
    )
    return func.HttpResponse(status_code=204, headers={"Cache-Control": "no-store"})
