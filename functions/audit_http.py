"""`GET /api/gestao/audit?unit=<id>&day=YYYYMMDD[&format=csv]`: a unit-day's audit trail.

For the managers of the unit's court and the administrators (functions/authz.py; the use case checks it
again). JSON: `{unit, day, timezone, entries: [{at, who, action, ticketId, reason, status}]}`, times in
the unit's time zone with offset. `format=csv` answers a spreadsheet file for pt-BR (UTF-8 with BOM, `;`,
dd/mm/aaaa hh:mm:ss, headers and actions in Portuguese; text that looks like a formula is quoted).
"""

from __future__ import annotations

import csv
import io

import azure.functions as func

from domain import audit
from domain.errors import InvalidInputError
from functions import dependencies as deps
from functions.http_common import endpoint, principal
from functions.http_errors import ok

bp = func.Blueprint()

CSV_HEADER = ("Data e hora (horário da unidade)", "Quem", "Ação", "Senha", "Motivo", "Situação resultante")
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


@bp.function_name("audit_trail")
@bp.route(route="gestao/audit", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint
def audit_trail(req: func.HttpRequest) -> func.HttpResponse:
    fmt = (req.params.get("format") or "json").lower()
    if fmt not in ("json", "csv"):
        raise InvalidInputError("Formato inválido: use json ou csv.", fields={"format": "json ou csv"})
    trail = audit.audit_day(
        deps.services().config(),
        deps.store(),
        principal(req),
        req.params.get("unit", ""),
        req.params.get("day", ""),
        deps.now(),
    )
    if fmt == "csv":
        return _csv(trail)
    return ok(
        {
            "unit": {"id": trail.unit_id, "name": trail.unit_name, "court": trail.court_id},
            "day": f"{trail.day:%Y-%m-%d}",
            "timezone": trail.timezone,
            "entries": [e.to_json() for e in trail.entries],
        },
        headers={"Cache-Control": "private, no-store"},
    )


def _cell(text: str) -> str:
    return "'" + text if text.startswith(_FORMULA) else text


def _csv(trail: audit.AuditDay) -> func.HttpResponse:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for e in trail.entries:
        writer.writerow(
            [
                e.at.strftime("%d/%m/%Y %H:%M:%S"),
                _cell(audit.WHO_LABELS.get(e.who, e.who)),
                audit.ACTION_LABELS.get(e.action, e.action),
                e.ticket_id,
                _cell(e.reason),
                e.status,
            ]
        )
    name = f"balcao-auditoria-{trail.unit_id}-{trail.day:%Y%m%d}.csv"
    return func.HttpResponse(
        ("\ufeff" + buffer.getvalue()).encode("utf-8"),
        status_code=200,
        mimetype="text/csv",
        charset="utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "private, no-store",
        },
    )
