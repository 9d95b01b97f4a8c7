"""`GET /api/openapi.json`: the OpenAPI 3.1 description of the routes this app serves (public).

Generated once per worker from the routes the app registers and their declarations (functions/openapi.py).
"""

from __future__ import annotations

import json
from functools import cache

import azure.functions as func

from functions import authz, blueprints, openapi
from functions.operations import Operation
from functions.triggers import Blueprint

bp = Blueprint()


@cache
def registered_routes() -> tuple[tuple[str, str], ...]:
    """(METHOD, route) of every HTTP function of the app, as its decorators declare them."""
    routes: set[tuple[str, str]] = set()
    for function in blueprints.build_app(bp).get_functions():
        trigger = function.get_trigger()
        if trigger is None or trigger.type != "httpTrigger":
            continue
        for method in getattr(trigger, "methods", None) or ():
            route = str(getattr(trigger, "route", "") or function.get_function_name())
            routes.add((str(getattr(method, "value", method)).upper(), route.strip("/")))
    return tuple(sorted(routes))


@cache
def document() -> bytes:
    spec = openapi.spec(registered_routes(), server_url="/" + authz.route_prefix(), strict=False)
    return json.dumps(spec, ensure_ascii=False).encode("utf-8")


@bp.http("GET openapi.json", Operation("Esta descrição OpenAPI 3.1", "público"))
def openapi_document(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse(
        document(),
        status_code=200,
        mimetype="application/json",
        charset="utf-8",
        headers={"Cache-Control": "public, max-age=300"},
    )
