"""Daily (06:30 UTC, before any unit opens in Brazil): purge the personal data past the retention period
(`BALCAO_RETENTION_DAYS`, 30 by default); the metric rollups stay. See domain/retention.py."""

from __future__ import annotations

import logging

import azure.functions as func

from domain import retention
from functions import dependencies as deps
from functions.http_common import measured

bp = func.Blueprint()
log = logging.getLogger("balcao.retention")


@bp.function_name("purge_personal_data")
@bp.timer_trigger(arg_name="timer", schedule="0 30 6 * * *", run_on_startup=False)
@measured
def purge_personal_data(timer: func.TimerRequest) -> None:
    report = retention.purge_expired(deps.retention_store(), deps.now(), deps.retention_days())
    log.info(
        "personal data purged before %s: %d partitions, %d entities blanked, %d deleted, %d records %s",
        report.cutoff,
        report.partitions,
        report.entities,
        report.deleted,
        report.records,
        report.by_table,
    )
