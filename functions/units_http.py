"""Public unit directory: `GET /api/units` and `GET /api/units/{unit}` (art. 5: published with hours)."""

from __future__ import annotations

import azure.functions as func

from domain import services as uc
from functions import dependencies as deps
from functions.http_common import endpoint
from functions.http_errors import ok

bp = func.Blueprint()


@bp.function_name("list_units")
@bp.route(route="units", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint
def list_units(req: func.HttpRequest) -> func.HttpResponse:
    p = req.params
    units = uc.list_units(
        deps.services(), deps.now(), p.get("court", ""), p.get("section", ""), p.get("q", "")
    )
    return ok({"units": units}, headers={"Cache-Control": "public, max-age=5"})


@bp.function_name("get_unit")
@bp.route(route="units/{unit}", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint
def get_unit(req: func.HttpRequest) -> func.HttpResponse:
    svc = deps.services()
    unit = svc.unit(req.route_params["unit"])
    return ok(uc.unit_summary(svc, unit, deps.now()), headers={"Cache-Control": "public, max-age=5"})
