"""`GET /api/gestao/audit?unit=<id>&day=YYYYMMDD[&format=csv]`: a unit-day's audit trail.

For the managers of the unit's court and the administrators (functions/authz.py; the use case checks it
again). JSON: `{unit, day, timezone, entries: [{at, who, action, ticketId, reason, status}]}`, times in
the unit's time zone with offset. `format=csv` answers a spreadsheet file for pt-BR
(functions/csv_export.py; dd/mm/aaaa hh:mm:ss, headers and actions in Portuguese).
"""

from __future__ import annotations

import azure.functions as func

from domain.errors import InvalidInputError
from domain.usecases import audit
from functions import bootstrap
from functions.answers import audit as answers
from functions.answers import present, respond
from functions.csv_export import csv_response
from functions.http_common import principal
from functions.operations import FORMAT, Operation, Param
from functions.triggers import Blueprint

bp = Blueprint()

CSV_HEADER = ("Data e hora (horário da unidade)", "Quem", "Ação", "Senha", "Motivo", "Situação resultante")


@bp.http(
    "GET gestao/audit",
    Operation(
        "Trilha de auditoria de uma unidade-dia",
        "administração",
        answer=answers.AuditTrail,
        query=(
            Param("unit", "Unidade (id)", required=True),
            Param("day", "Dia AAAAMMDD (padrão: hoje no fuso da unidade)", pattern=r"^\d{8}$"),
            FORMAT,
        ),
        csv=True,
    ),
)
def audit_trail(req: func.HttpRequest) -> func.HttpResponse:
    fmt = (req.params.get("format") or "json").lower()
    if fmt not in ("json", "csv"):
        raise InvalidInputError("Formato inválido: use json ou csv.", fields={"format": "json ou csv"})
    app = bootstrap.get()
    trail = audit.audit_day(
        app.context, principal(req), req.params.get("unit", ""), req.params.get("day", ""), app.now()
    )
    if fmt == "csv":
        return trail_csv(trail)
    return respond(present(answers.AuditTrail, trail), headers={"Cache-Control": "private, no-store"})


def trail_csv(trail: audit.AuditDay) -> func.HttpResponse:
    rows = [
        [
            e.at.strftime("%d/%m/%Y %H:%M:%S"),
            audit.WHO_LABELS.get(e.who, e.who),
            audit.ACTION_LABELS.get(e.action, e.action),
            e.ticket_id,
            e.reason,
            e.status,
        ]
        for e in trail.entries
    ]
    return csv_response(f"balcao-auditoria-{trail.unit.id}-{trail.day:%Y%m%d}.csv", CSV_HEADER, rows)
