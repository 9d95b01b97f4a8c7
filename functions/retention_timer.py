"""Daily (06:30 UTC, before any unit opens in Brazil): purge the personal data past the retention period
(`BALCAO_RETENTION_DAYS`, 30 by default); the metric rollups stay. See domain/usecases/retention.py."""

from __future__ import annotations

import logging

import azure.functions as func

from domain.usecases.retention import purge_expired
from functions import bootstrap
from functions.triggers import timer

bp = func.Blueprint()
log = logging.getLogger("balcao.retention")


@timer(bp, "purge_personal_data", "0 30 6 * * *")
def purge_personal_data(timer: func.TimerRequest) -> None:
    app = bootstrap.get()
    report = purge_expired(app.context, app.now(), app.retention_days)
    log.info(
        "personal data purged before %s: %d partitions, %d entities blanked, %d deleted, %d records %s",
        report.cutoff,
        report.partitions,
        report.entities,
        report.deleted,
        report.records,
        report.by_table,
    )
