"""`GET /api/health`: liveness for probes and the benchmark's no-op baseline. Touches no storage."""

from __future__ import annotations

import azure.functions as func

from functions.answers import Status
from functions.operations import Operation
from functions.triggers import Blueprint

bp = Blueprint()


@bp.http("GET health", Operation("Situação do serviço", "público", answer=Status))
def health(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse('{"status":"ok"}', status_code=200, mimetype="application/json")
