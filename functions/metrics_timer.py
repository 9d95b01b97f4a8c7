"""Every minute: merge the new ticket events into the metric rollups and sample each unit's minute
(open by its calendar? a clerk online? people waiting?). See `domain.metrics`."""

from __future__ import annotations

import logging

import azure.functions as func

from domain import metrics
from functions import dependencies as deps
from functions.http_common import measured
from functions.metrics_http import metrics_store

bp = func.Blueprint()
log = logging.getLogger("balcao.metrics")


@bp.function_name("roll_up_metrics")
@bp.timer_trigger(arg_name="timer", schedule="10 * * * * *")
@measured
def roll_up_metrics(timer: func.TimerRequest) -> None:
    report = metrics.roll_up(deps.services(), metrics_store(), deps.now())
    log.info(
        "metric rollups: %d unit-days, %d events read, %d new, %d writes, %d conflicts",
        report.unit_days,
        report.events_read,
        report.events_new,
        report.writes,
        report.conflicts,
    )
    if report.failed:
        log.warning("metric rollups left for the next pass (conflicts): %s", ", ".join(report.failed))
