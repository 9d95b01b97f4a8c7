"""Every minute (UTC): enforce each unit's hours in its own time zone, expire stale entries, alert
when an open unit has nobody answering (domain/usecases/upkeep.py)."""

from __future__ import annotations

import logging

import azure.functions as func

from domain.usecases.upkeep import run_upkeep
from functions import bootstrap
from functions.triggers import timer

bp = func.Blueprint()
log = logging.getLogger("balcao.upkeep")


@timer(bp, "queue_upkeep", "0 * * * * *")
def queue_upkeep(timer: func.TimerRequest) -> None:
    app = bootstrap.get()
    for report in run_upkeep(app.context, app.now()):
        if report.transitions or report.alerted:
            log.info(
                "upkeep %s %s: %s%s",
                report.unit_id,
                report.day,
                report.transitions,
                " (coverage alert)" if report.alerted else "",
            )
