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
from domain.rollups import ORDER_REASONS, PASSING_RULES
from domain.usecases import metrics_reports as mr
from domain.usecases.context import Context
from domain.usecases.metrics_scope import ReportQuery
from functions import bootstrap
from functions.answers import Answer, present, respond
from functions.answers import metrics as answers
from functions.csv_export import csv_response
from functions.http_common import principal
from functions.operations import COURT, FORMAT, FORMAT_JSON, PERIOD, UNIT, Operation, Param
from functions.triggers import Blueprint

bp = Blueprint()

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
        bp.http(f"GET metrics/{self.name}", self.operation())(serve)

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


Column = tuple[str, Callable[[Any], Any]]  # a spreadsheet column: its header and its value of a row


def laid_out(columns: tuple[Column, ...], items: Any) -> Table:
    """A spreadsheet from its columns: each header written beside the value it heads."""
    return [header for header, _ in columns], [[value(item) for _, value in columns] for item in items]


UNIT_COLUMNS: tuple[Column, ...] = (
    ("Código", lambda u: u.id),
    ("Unidade", lambda u: u.name),
    ("Seção", lambda u: u.section),
    ("Tribunal", lambda u: u.court.name),
    ("Solicitações", lambda u: u.requests),
    ("Atendimentos", lambda u: u.served),
    ("Atendimentos hoje", lambda u: u.today),
    ("Fila agora", lambda u: u.queue),
    ("Espera média (min)", lambda u: u.average_wait_minutes),
    ("Nota média da pesquisa", lambda u: u.survey_mean),
)


def units_rows(report: mr.UnitsReport) -> Table:
    return laid_out(UNIT_COLUMNS, report.rows)


def daily_rows(report: mr.Daily) -> Table:
    header = ["Data", "Solicitações", "Atendimentos", "Espera média (min)"]
    return header, [[f"{d.date:%d/%m/%Y}", d.requests, d.served, d.average_wait_minutes] for d in report.rows]


def heatmap_rows(report: mr.Heatmap) -> Table:
    header = ["Dia da semana", *(f"{h:02d}h" for h in report.hours)]
    return header, [[day, *counts] for day, counts in zip(report.weekdays, report.served, strict=True)]


def _count_column(header: str, counts: Callable[[Any], list[mr.Tally]], index: int) -> Column:
    return header, lambda u: counts(u)[index].count


COMPLIANCE_COLUMNS: tuple[Column, ...] = (
    ("Código", lambda u: u.id),
    ("Unidade", lambda u: u.name),
    ("Tribunal", lambda u: u.court),
    ("Minutos de funcionamento", lambda u: u.minutes_open),
    ("Minutos com servidor(a) on-line", lambda u: u.minutes_with_clerk),
    ("Cobertura (%)", lambda u: None if u.coverage is None else round(u.coverage * 100, 1)),
    ("Mediana da espera até a chamada (min)", lambda u: u.median_wait_minutes),
    ("Chamadas", lambda u: u.calls),
    ("Chamadas fora da ordem", lambda u: u.out_of_order_calls),
    *(
        _count_column(f"Fora da ordem: {label}", lambda u: u.out_of_order_reasons, i)
        for i, label in enumerate(ORDER_REASONS.values())
    ),
    ("Prioridade preterida", lambda u: u.passed_priority_calls),
    *(
        _count_column(f"Prioridade preterida: {ORDER_REASONS[key]}", lambda u: u.passed_priority_rules, i)
        for i, key in enumerate(PASSING_RULES)
    ),
)


def compliance_rows(report: mr.Compliance) -> Table:
    return laid_out(COMPLIANCE_COLUMNS, report.rows)


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
