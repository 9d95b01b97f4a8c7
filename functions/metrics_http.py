"""Indicators API (`/api/metrics/...`): for a unit's clerks, the court's managers and administrators.

    GET /api/metrics/summary?period=today|7|30|60[&court=][&unit=]
    GET /api/metrics/daily?days=7|30|60                       (csv)
    GET /api/metrics/units?period=...                         (csv)
    GET /api/metrics/heatmap?period=...                       (csv)
    GET /api/metrics/dropoff?period=...
    GET /api/metrics/compliance?period=...[&unit=]            (csv)
    GET /api/metrics/breakdown?period=...

Every route takes `court` and `unit` filters. `format=csv` (where marked) answers a spreadsheet file for
pt-BR: UTF-8 with BOM, `;` between fields, decimal comma, dates dd/mm/aaaa, headers in Portuguese.
"""

from __future__ import annotations

import csv
import io
import threading
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

import azure.functions as func

from adapters.metrics_store import TableMetricsStore
from domain import metrics
from domain.auth import Principal
from domain.errors import InvalidInputError
from domain.services import Services
from functions import dependencies as deps
from functions.http_common import endpoint, principal
from functions.http_errors import ok

bp = func.Blueprint()

_store_lock = threading.Lock()
_store: tuple[Any, TableMetricsStore] | None = None


def metrics_store() -> TableMetricsStore:
    """One store per table service client (the composition root builds that once; tests reset it)."""
    global _store
    service = deps.table_service()
    with _store_lock:
        if _store is None or _store[0] is not service:
            _store = (service, TableMetricsStore(service))
        return _store[1]


Report = Callable[..., dict[str, Any]]
Rows = Callable[[dict[str, Any]], tuple[list[str], list[list[Any]]]]


def _answer(
    req: func.HttpRequest, report: Report, key_param: str, csv_name: str = "", rows: Rows | None = None
) -> func.HttpResponse:
    who: Principal = principal(req)
    p = req.params
    fmt = (p.get("format") or "json").lower()
    if fmt not in ("json", "csv") or (fmt == "csv" and rows is None):
        raise InvalidInputError(
            "Formato inválido: use json" + (" ou csv." if rows else "."),
            fields={"format": "json" + (" ou csv" if rows else "")},
        )
    svc: Services = deps.services()
    body = report(
        svc,
        metrics_store(),
        who,
        p.get(key_param, ""),
        deps.now(),
        court=p.get("court", ""),
        unit=p.get("unit", ""),
    )
    if fmt == "csv" and rows is not None:
        header, table = rows(body)
        span = "hoje" if body["period"] == "today" else f"{body['period']}d"
        return csv_response(f"balcao-{csv_name}-{span}-{body['to'].replace('-', '')}.csv", header, table)
    return ok(body, headers={"Cache-Control": "private, max-age=30"})


# --- CSV ------------------------------------------------------------------------------------------

_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> str:
    """pt-BR spreadsheet text: decimal comma, no formula injection from names."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "sim" if value else "não"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".").replace(".", ",") if value % 1 else f"{value:.0f}"
    text = str(value)
    return "'" + text if text.startswith(_FORMULA) else text


def csv_date(iso: str) -> str:
    return datetime.strptime(iso, "%Y-%m-%d").strftime("%d/%m/%Y")


def csv_response(filename: str, header: Sequence[str], rows: Sequence[Sequence[Any]]) -> func.HttpResponse:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([csv_cell(v) for v in row] for row in rows)
    return func.HttpResponse(
        ("\ufeff" + buffer.getvalue()).encode("utf-8"),
        status_code=200,
        mimetype="text/csv",
        charset="utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "private, no-store",
        },
    )


def _units_rows(body: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    header = [
        "Código",
        "Unidade",
        "Seção",
        "Tribunal",
        "Solicitações",
        "Atendimentos",
        "Atendimentos hoje",
        "Fila agora",
        "Espera média (min)",
        "Nota média da pesquisa",
    ]
    return header, [
        [
            u["id"],
            u["name"],
            u["section"],
            u["court"]["name"],
            u["requests"],
            u["served"],
            u["today"],
            u["queue"],
            u["averageWaitMinutes"],
            u["surveyMean"],
        ]
        for u in body["units"]
    ]


def _daily_rows(body: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    header = ["Data", "Solicitações", "Atendimentos", "Espera média (min)"]
    return header, [
        [csv_date(d["date"]), d["requests"], d["served"], d["averageWaitMinutes"]] for d in body["days"]
    ]


def _heatmap_rows(body: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    header = ["Dia da semana", *(f"{h:02d}h" for h in body["hours"])]
    return header, [[day, *counts] for day, counts in zip(body["weekdays"], body["served"], strict=True)]


def _compliance_rows(body: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    header = [
        "Código",
        "Unidade",
        "Tribunal",
        "Minutos de funcionamento",
        "Minutos com servidor(a) on-line",
        "Cobertura (%)",
        "Mediana da espera até a chamada (min)",
        "Chamadas",
        "Chamadas fora da ordem",
        *(f"Fora da ordem: {label}" for label in metrics.ORDER_REASONS.values()),
    ]
    rows = []
    for u in body["units"]:
        coverage = None if u["coverage"] is None else round(u["coverage"] * 100, 1)
        rows.append(
            [
                u["id"],
                u["name"],
                u["court"],
                u["minutesOpen"],
                u["minutesWithClerk"],
                coverage,
                u["medianWaitMinutes"],
                u["calls"],
                u["outOfOrderCalls"],
                *(r["count"] for r in u["outOfOrderReasons"]),
            ]
        )
    return header, rows


# --- routes ---------------------------------------------------------------------------------------


@bp.function_name("metrics_summary")
@bp.route(route="metrics/summary", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint
def metrics_summary(req: func.HttpRequest) -> func.HttpResponse:
    return _answer(req, metrics.summary, "period")


@bp.function_name("metrics_daily")
@bp.route(route="metrics/daily", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint
def metrics_daily(req: func.HttpRequest) -> func.HttpResponse:
    return _answer(req, metrics.daily, "days", "diario", _daily_rows)


@bp.function_name("metrics_units")
@bp.route(route="metrics/units", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint
def metrics_units(req: func.HttpRequest) -> func.HttpResponse:
    return _answer(req, metrics.units_report, "period", "unidades", _units_rows)


@bp.function_name("metrics_heatmap")
@bp.route(route="metrics/heatmap", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint
def metrics_heatmap(req: func.HttpRequest) -> func.HttpResponse:
    return _answer(req, metrics.heatmap, "period", "dia-hora", _heatmap_rows)


@bp.function_name("metrics_dropoff")
@bp.route(route="metrics/dropoff", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint
def metrics_dropoff(req: func.HttpRequest) -> func.HttpResponse:
    return _answer(req, metrics.dropoff, "period")


@bp.function_name("metrics_compliance")
@bp.route(route="metrics/compliance", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint
def metrics_compliance(req: func.HttpRequest) -> func.HttpResponse:
    return _answer(req, metrics.compliance, "period", "conformidade", _compliance_rows)


@bp.function_name("metrics_breakdown")
@bp.route(route="metrics/breakdown", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint
def metrics_breakdown(req: func.HttpRequest) -> func.HttpResponse:
    return _answer(req, metrics.breakdown, "period")
