"""Every minute: merge the new ticket events into the metric rollups and sample each unit's minute
(open by its calendar? a clerk online? people waiting?). See domain/usecases/metrics_rollup.py."""

from __future__ import annotations

import logging

import azure.functions as func

from domain.usecases.metrics_rollup import roll_up
from functions import bootstrap
from functions.triggers import timer

bp = func.Blueprint()
log = logging.getLogger("balcao.metrics")


@timer(bp, "roll_up_metrics", "10 * * * * *")
def roll_up_metrics(timer: func.TimerRequest) -> None:
    app = bootstrap.get()
    report = roll_up(app.context, app.now())
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
