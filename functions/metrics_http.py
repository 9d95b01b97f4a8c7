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
from functions.answers import metrics as answers
from functions.answers import respond
from functions.csv_export import csv_date, csv_response
from functions.http_common import principal
from functions.triggers import http_route

bp = func.Blueprint()

R = TypeVar("R")
A = TypeVar("A", bound=answers.Report)
Table = tuple[list[str], list[list[Any]]]


@dataclass(frozen=True)
class Report(Generic[R, A]):
    """A report route: the use case, its answer, the query parameter of its period, and how it is laid
    out as a spreadsheet (when it can be)."""

    run: Callable[[Context, ReportQuery, datetime], R]
    present: Callable[[R], A]
    period_param: str = "period"
    csv_name: str = ""
    rows: Callable[[A], Table] | None = None

    def answer(self, req: func.HttpRequest) -> func.HttpResponse:
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
        body = self.present(self.run(app.context, query, app.now()))
        if fmt == "csv" and self.rows is not None:
            header, table = self.rows(body)
            span = "hoje" if body.period == "today" else f"{body.period}d"
            return csv_response(
                f"balcao-{self.csv_name}-{span}-{body.to.replace('-', '')}.csv", header, table
            )
        return respond(body, headers={"Cache-Control": "private, max-age=30"})


def units_rows(body: answers.UnitsReport) -> Table:
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
        for u in body.units
    ]


def daily_rows(body: answers.Daily) -> Table:
    header = ["Data", "Solicitações", "Atendimentos", "Espera média (min)"]
    return header, [[csv_date(d.date), d.requests, d.served, d.average_wait_minutes] for d in body.days]


def heatmap_rows(body: answers.Heatmap) -> Table:
    header = ["Dia da semana", *(f"{h:02d}h" for h in body.hours)]
    return header, [[day, *counts] for day, counts in zip(body.weekdays, body.served, strict=True)]


def compliance_rows(body: answers.Compliance) -> Table:
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
    for u in body.units:
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


SUMMARY = Report(mr.summary, answers.Summary.of)
DAILY = Report(mr.daily, answers.Daily.of, "days", "diario", daily_rows)
UNITS = Report(mr.units_report, answers.UnitsReport.of, "period", "unidades", units_rows)
HEATMAP = Report(mr.heatmap, answers.Heatmap.of, "period", "dia-hora", heatmap_rows)
DROPOFF = Report(mr.dropoff, answers.Dropoff.of)
COMPLIANCE = Report(mr.compliance, answers.Compliance.of, "period", "conformidade", compliance_rows)
BREAKDOWN = Report(mr.breakdown, answers.Breakdown.of)


@http_route(bp, "metrics_summary", "metrics/summary", "GET")
def metrics_summary(req: func.HttpRequest) -> func.HttpResponse:
    return SUMMARY.answer(req)


@http_route(bp, "metrics_daily", "metrics/daily", "GET")
def metrics_daily(req: func.HttpRequest) -> func.HttpResponse:
    return DAILY.answer(req)


@http_route(bp, "metrics_units", "metrics/units", "GET")
def metrics_units(req: func.HttpRequest) -> func.HttpResponse:
    return UNITS.answer(req)


@http_route(bp, "metrics_heatmap", "metrics/heatmap", "GET")
def metrics_heatmap(req: func.HttpRequest) -> func.HttpResponse:
    return HEATMAP.answer(req)


@http_route(bp, "metrics_dropoff", "metrics/dropoff", "GET")
def metrics_dropoff(req: func.HttpRequest) -> func.HttpResponse:
    return DROPOFF.answer(req)


@http_route(bp, "metrics_compliance", "metrics/compliance", "GET")
def metrics_compliance(req: func.HttpRequest) -> func.HttpResponse:
    return COMPLIANCE.answer(req)


@http_route(bp, "metrics_breakdown", "metrics/breakdown", "GET")
def metrics_breakdown(req: func.HttpRequest) -> func.HttpResponse:
    return BREAKDOWN.answer(req)
