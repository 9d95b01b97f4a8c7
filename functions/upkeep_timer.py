"""Every minute (UTC): enforce each unit's hours in its own time zone, expire stale entries, alert
when an open unit has nobody answering (domain/upkeep.py)."""

from __future__ import annotations

import logging

import azure.functions as func

from domain.upkeep import run_upkeep
from functions import dependencies as deps
from functions.http_common import measured

bp = func.Blueprint()
log = logging.getLogger("balcao.upkeep")


@bp.function_name("queue_upkeep")
@bp.timer_trigger(arg_name="timer", schedule="0 * * * * *", run_on_startup=False)
@measured
def queue_upkeep(timer: func.TimerRequest) -> None:
    for report in run_upkeep(deps.services(), deps.now()):
        if report.transitions or report.alerted:
            log.info(
                "upkeep %s %s: %s%s",
                report.unit_id,
                report.day,
                report.transitions,
                " (coverage alert)" if report.alerted else "",
            )
