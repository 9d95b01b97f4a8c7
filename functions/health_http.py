"""`GET /api/health`: liveness for probes and the benchmark's no-op baseline. Touches no storage."""

from __future__ import annotations

import azure.functions as func

from functions.http_common import endpoint

bp = func.Blueprint()


@bp.function_name("health")
@bp.route(route="health", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint
def health(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse('{"status":"ok"}', status_code=200, mimetype="application/json")
