"""Public unit directory: `GET /api/units` and `GET /api/units/{unit}` (art. 5: published with hours)."""

from __future__ import annotations

import html

import azure.functions as func

from domain.usecases import directory
from functions import bootstrap, limits
from functions.answers import respond
from functions.answers import tickets as answers
from functions.http_common import pressure
from functions.http_errors import ok
from functions.operations import Operation, Param
from functions.triggers import Blueprint

bp = Blueprint()
PUBLIC_CACHE = {"Cache-Control": "public, max-age=5"}


@bp.http(
    "GET units",
    Operation(
        "Lista as unidades com horário, situação e fila",
        "público",
        answer=answers.UnitList,
        query=(Param("court", "Tribunal (id)"), Param("section", "Seção ou comarca"), Param("q", "Busca")),
    ),
)
def list_units(req: func.HttpRequest) -> func.HttpResponse:
    app, p = bootstrap.get(), req.params
    units = directory.list_units(
        app.context, app.now(), p.get("court", ""), p.get("section", ""), p.get("q", "")
    )
    return respond(
        answers.UnitList(units=[answers.unit_summary(u, app.links) for u in units]), headers=PUBLIC_CACHE
    )


@bp.http("GET units/{unit}", Operation("Uma unidade", "público", answer=answers.UnitSummary))
def get_unit(req: func.HttpRequest) -> func.HttpResponse:
    app = bootstrap.get()
    unit = directory.get_unit(app.context, req.route_params["unit"], app.now())
    return respond(answers.unit_summary(unit, app.links), headers=PUBLIC_CACHE)


@bp.http(
    "GET units/{unit}/embed",
    Operation("Cartão HTML da unidade para o site do tribunal (iframe)", "público", media="text/html"),
)
def unit_embed(req: func.HttpRequest) -> func.HttpResponse:
    """A small HTML card a court's site can show in an iframe (Res. 372 art. 5: the link and hours)."""
    app = bootstrap.get()
    unit = directory.get_unit(app.context, req.route_params["unit"], app.now())
    return func.HttpResponse(
        render_embed(unit, app.links.unit_page(unit.id)),
        mimetype="text/html",
        charset="utf-8",
        headers={
            "Cache-Control": "public, max-age=30",
            "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
        },
    )


@bp.http(
    "GET units/{unit}/challenge",
    Operation(
        "Desafio de verificação (ALTCHA) para entrar na fila ou agendar",
        "público",
        description="Prova de trabalho pedida perto do limite da unidade (resposta 428): resolva e envie "
        "o resultado no cabeçalho X-Balcao-Proof. Vale 10 minutos e uma única vez.",
    ),
)
def unit_challenge(req: func.HttpRequest) -> func.HttpResponse:
    """A challenge for `unit`, harder the closer the unit is to its cap (functions/proof.py)."""
    app = bootstrap.get()
    unit = app.context.unit(req.route_params["unit"])
    level = pressure(limits.JOIN, limits.client_address(req.headers), unit)
    made = bootstrap.proofs().challenge(unit.id, level)  # expiry in wall time, as the check reads it
    return ok(made, headers={"Cache-Control": "no-store"})


ONLY_IN_HOURS = "O Balcão Virtual atende somente durante o horário de expediente."


def render_embed(unit: directory.UnitSummary, page_url: str) -> str:
    """The unit's card for a court's page (Res. 372 art. 5): name, hours and that the counter serves only
    then, the state now, the link (when it serves), and how else to reach the unit."""
    e = html.escape
    wait = unit.estimated_wait
    if unit.open_now:
        minutes = f"{wait.min_minutes} a {wait.max_minutes} min"
        state = f"Aberto agora · {unit.people_waiting} na fila · espera estimada de {minutes}"
    elif unit.active:
        opening = unit.next_opening
        state = "Fechado agora" + (f" · abre em {opening:%d/%m} às {opening:%H:%M}" if opening else "")
    else:
        state = "Sem atendimento pelo Balcão Virtual"
    contacts = [f"Telefone: {p}" for p in unit.phones] + [f"E-mail: {m}" for m in unit.emails]
    others = [*unit.alternatives, *contacts] if not unit.open_now else contacts
    link = (
        f'<p><a href="{e(page_url)}" target="_blank" rel="noopener">Entrar no Balcão Virtual</a></p>'
        if unit.active
        else ""
    )
    listed = "".join(f"<li>{e(item)}</li>" for item in others)
    return (
        '<!doctype html><html lang="pt-BR"><meta charset="utf-8"><title>Balcão Virtual</title>'
        "<style>body{font:15px/1.4 system-ui,sans-serif;margin:0;padding:12px;color:#1b1b1b}"
        "a{color:#0b4f9c;font-weight:600}p,ul{margin:4px 0}ul{padding-left:18px}</style>"
        f"<p><strong>{e(unit.name)}</strong></p>"
        f"<p>{e(unit.hours_text)}</p><p>{e(ONLY_IN_HOURS)}</p><p>{e(state)}</p>{link}"
        + (f"<p>Outras formas de contato:</p><ul>{listed}</ul>" if listed else "")
        + "</html>"
    )
