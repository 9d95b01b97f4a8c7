"""Indicators API (`/api/metrics/...`): for a unit's clerks, the court's managers and administrators.

    GET /api/metrics/summary?period=today|7|30|60[&court=][&unit=]
    GET /api/metrics/daily?days=7|30|60                       (csv)
    GET /api/metrics/units?period=...                         (csv)
    GET /api/metrics/heatmap?period=...                       (csv)
    GET /api/metrics/dropoff?period=...
    GET /api/metrics/compliance?period=...[&unit=]            (csv)
    GET /api/metrics/breakdown?period=...

Every route takes `court` and `unit` filters. `format=csv` (where marked) answers a spreadsheet file
(functions/csv_export.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

import azure.functions as func

from domain.errors import InvalidInputError
from domain.rollups import ORDER_REASONS
from domain.usecases import metrics_reports as mr
from domain.usecases.context import Context
from domain.usecases.metrics_scope import ReportQuery
from functions import bootstrap
from functions.answers import Answer, present, respond
from functions.answers import metrics as answers
from functions.csv_export import csv_response
from functions.http_common import principal
from functions.operations import COURT, FORMAT, FORMAT_JSON, PERIOD, UNIT, Operation, Param
from functions.triggers import http_route

bp = func.Blueprint()

R = TypeVar("R", bound=mr.Report)
Table = tuple[list[str], list[list[Any]]]


@dataclass(frozen=True)
class Report(Generic[R]):
    """A report route: the use case, its answer model, the query parameter of its period, and how it
    is laid out as a spreadsheet (when it can be)."""

    name: str  # metrics/<name>, function metrics_<name>
    summary: str
    run: Callable[[Context, ReportQuery, datetime], R]
    answer: type[Answer]
    period_param: str = "period"
    csv_name: str = ""
    rows: Callable[[R], Table] | None = None

    def operation(self) -> Operation:
        period = PERIOD if self.period_param == "period" else Param("days", "Dias", ("7", "30", "60"))
        formats = FORMAT if self.rows else FORMAT_JSON
        return Operation(
            self.summary,
            "indicadores",
            answer=self.answer,
            query=(period, COURT, UNIT, formats),
            csv=bool(self.rows),
        )

    def register(self) -> None:
        """The report's function (`metrics_<name>` at GET /api/metrics/<name>)."""

        def serve(req: func.HttpRequest) -> func.HttpResponse:
            return self.serve(req)

        serve.__name__ = serve.__qualname__ = f"metrics_{self.name}"
        http_route(bp, serve.__name__, "GET", f"metrics/{self.name}", self.operation())(serve)

    def serve(self, req: func.HttpRequest) -> func.HttpResponse:
        who = principal(req)
        p = req.params
        fmt = (p.get("format") or "json").lower()
        if fmt not in ("json", "csv") or (fmt == "csv" and self.rows is None):
            raise InvalidInputError(
                "Formato inválido: use json" + (" ou csv." if self.rows else "."),
                fields={"format": "json" + (" ou csv" if self.rows else "")},
            )
        app = bootstrap.get()
        query = ReportQuery(who, p.get(self.period_param, ""), p.get("court", ""), p.get("unit", ""))
        result = self.run(app.context, query, app.now())
        if fmt == "csv" and self.rows is not None:
            header, table = self.rows(result)
            span = "hoje" if result.period == "today" else f"{result.period}d"
            return csv_response(f"balcao-{self.csv_name}-{span}-{result.last:%Y%m%d}.csv", header, table)
        return respond(present(self.answer, result), headers={"Cache-Control": "private, max-age=30"})


def units_rows(report: mr.UnitsReport) -> Table:
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
            u.id,
            u.name,
            u.section,
            u.court.name,
            u.requests,
            u.served,
            u.today,
            u.queue,
            u.average_wait_minutes,
            u.survey_mean,
        ]
        for u in report.units
    ]


def daily_rows(report: mr.Daily) -> Table:
    header = ["Data", "Solicitações", "Atendimentos", "Espera média (min)"]
    return header, [[f"{d.date:%d/%m/%Y}", d.requests, d.served, d.average_wait_minutes] for d in report.days]


def heatmap_rows(report: mr.Heatmap) -> Table:
    header = ["Dia da semana", *(f"{h:02d}h" for h in report.hours)]
    return header, [[day, *counts] for day, counts in zip(report.weekdays, report.served, strict=True)]


def compliance_rows(report: mr.Compliance) -> Table:
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
        *(f"Fora da ordem: {label}" for label in ORDER_REASONS.values()),
    ]
    rows = []
    for u in report.units:
        coverage = None if u.coverage is None else round(u.coverage * 100, 1)
        rows.append(
            [
                u.id,
                u.name,
                u.court,
                u.minutes_open,
                u.minutes_with_clerk,
                coverage,
                u.median_wait_minutes,
                u.calls,
                u.out_of_order_calls,
                *(r.count for r in u.out_of_order_reasons),
            ]
        )
    return header, rows


REPORTS: tuple[Report[Any], ...] = (
    Report("summary", "Indicadores do período", mr.summary, answers.Summary),
    Report("daily", "Série diária", mr.daily, answers.Daily, "days", "diario", daily_rows),
    Report("units", "Por unidade", mr.units_report, answers.UnitsReport, "period", "unidades", units_rows),
    Report(
        "heatmap", "Dia da semana × hora", mr.heatmap, answers.Heatmap, "period", "dia-hora", heatmap_rows
    ),
    Report("dropoff", "Desistências", mr.dropoff, answers.Dropoff),
    Report(
        "compliance",
        "Cumprimento do horário (Res. 372 art. 1º)",
        mr.compliance,
        answers.Compliance,
        "period",
        "conformidade",
        compliance_rows,
    ),
    Report("breakdown", "Por assunto e perfil", mr.breakdown, answers.Breakdown),
)
for report in REPORTS:
    report.register()
