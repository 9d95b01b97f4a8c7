"""`DELETE /api/tickets/{ticket}/data`: the holder of a ticket erases its personal data (LGPD art. 18).

With the ticket's token. Leaves the queue first when the ticket is still in it; 204 also when there is
nothing left to erase (idempotent). See domain/usecases/retention.py.
"""

from __future__ import annotations

import azure.functions as func

from domain.usecases import retention
from functions.answers import NO_STORE
from functions.http_common import for_holder
from functions.operations import Operation
from functions.triggers import Blueprint

bp = Blueprint()


@bp.http(
    "DELETE tickets/{ticket}/data",
    Operation(
        "Apagar os dados pessoais da senha (LGPD)",
        "cidadão",
        description="Sai da fila se a senha ainda estiver ativa e apaga nome, OAB, processo e comentários.",
        empty=True,
    ),
)
def erase_ticket_data(req: func.HttpRequest) -> func.HttpResponse:
    for_holder(req, retention.erase_own_data)
    return func.HttpResponse(status_code=204, headers=NO_STORE)
