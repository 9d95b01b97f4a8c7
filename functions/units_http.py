"""Public unit directory: `GET /api/units` and `GET /api/units/{unit}` (art. 5: published with hours)."""

from __future__ import annotations

import html

import azure.functions as func

from domain.usecases import directory
from functions import bootstrap
from functions.answers import respond
from functions.answers.tickets import UnitList, UnitSummary
from functions.triggers import http_route

bp = func.Blueprint()
PUBLIC_CACHE = {"Cache-Control": "public, max-age=5"}


@http_route(bp, "list_units", "units", "GET")
def list_units(req: func.HttpRequest) -> func.HttpResponse:
    app, p = bootstrap.get(), req.params
    units = directory.list_units(
        app.context, app.now(), p.get("court", ""), p.get("section", ""), p.get("q", "")
    )
    return respond(UnitList(units=[UnitSummary.of(u, app.links) for u in units]), headers=PUBLIC_CACHE)


@http_route(bp, "get_unit", "units/{unit}", "GET")
def get_unit(req: func.HttpRequest) -> func.HttpResponse:
    app = bootstrap.get()
    unit = directory.get_unit(app.context, req.route_params["unit"], app.now())
    return respond(UnitSummary.of(unit, app.links), headers=PUBLIC_CACHE)


@http_route(bp, "unit_embed", "units/{unit}/embed", "GET")
def unit_embed(req: func.HttpRequest) -> func.HttpResponse:
    """A small HTML card a court's site can show in an iframe (Res. 372 art. 5: the link and hours)."""
    app = bootstrap.get()
    unit = UnitSummary.of(directory.get_unit(app.context, req.route_params["unit"], app.now()), app.links)
    return func.HttpResponse(
        render_embed(unit),
        mimetype="text/html",
        charset="utf-8",
        headers={
            "Cache-Control": "public, max-age=30",
            "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
        },
    )


def render_embed(unit: UnitSummary) -> str:
    e = html.escape
    wait = unit.estimated_wait
    if unit.open_now:
        minutes = f"{wait.min_minutes} a {wait.max_minutes} min"
        state = f"Aberto agora · {unit.people_waiting} na fila · espera estimada de {minutes}"
    elif unit.active:
        opening = unit.next_opening or ""
        state = "Fechado agora" + (
            f" · abre em {opening[8:10]}/{opening[5:7]} às {opening[11:16]}" if opening else ""
        )
    else:
        state = "Sem atendimento pelo Balcão Virtual"
    return (
        '<!doctype html><html lang="pt-BR"><meta charset="utf-8"><title>Balcão Virtual</title>'
        "<style>body{font:15px/1.4 system-ui,sans-serif;margin:0;padding:12px;color:#1b1b1b}"
        "a{color:#0b4f9c;font-weight:600}p{margin:4px 0}</style>"
        f"<p><strong>{e(unit.name)}</strong></p>"
        f"<p>{e(unit.hours_text)}</p><p>{e(state)}</p>"
        f'<p><a href="{e(unit.page_url)}" target="_blank" rel="noopener">'
        "Entrar no Balcão Virtual</a></p>"
        "</html>"
    )
