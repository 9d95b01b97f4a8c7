"""Public unit directory: `GET /api/units` and `GET /api/units/{unit}` (art. 5: published with hours)."""

from __future__ import annotations

import html

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


@bp.function_name("unit_embed")
@bp.route(route="units/{unit}/embed", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint
def unit_embed(req: func.HttpRequest) -> func.HttpResponse:
    """A small HTML card a court's site can show in an iframe (Res. 372 art. 5: the link and hours)."""
    svc = deps.services()
    summary = uc.unit_summary(svc, svc.unit(req.route_params["unit"]), deps.now())
    return func.HttpResponse(
        render_embed(summary),
        mimetype="text/html",
        charset="utf-8",
        headers={
            "Cache-Control": "public, max-age=30",
            "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
        },
    )


def render_embed(unit: dict[str, object]) -> str:
    e = html.escape
    wait = unit["estimatedWait"]
    assert isinstance(wait, dict)
    if unit["openNow"]:
        minutes = f"{wait['minMinutes']} a {wait['maxMinutes']} min"
        state = f"Aberto agora · {unit['peopleWaiting']} na fila · espera estimada de {minutes}"
    elif unit["active"]:
        opening = str(unit["nextOpening"] or "")
        state = "Fechado agora" + (
            f" · abre em {opening[8:10]}/{opening[5:7]} às {opening[11:16]}" if opening else ""
        )
    else:
        state = "Sem atendimento pelo Balcão Virtual"
    return (
        '<!doctype html><html lang="pt-BR"><meta charset="utf-8"><title>Balcão Virtual</title>'
        "<style>body{font:15px/1.4 system-ui,sans-serif;margin:0;padding:12px;color:#1b1b1b}"
        "a{color:#0b4f9c;font-weight:600}p{margin:4px 0}</style>"
        f"<p><strong>{e(str(unit['name']))}</strong></p>"
        f"<p>{e(str(unit['hoursText']))}</p><p>{e(state)}</p>"
        f'<p><a href="{e(str(unit["pageUrl"]))}" target="_blank" rel="noopener">'
        "Entrar no Balcão Virtual</a></p>"
        "</html>"
    )
