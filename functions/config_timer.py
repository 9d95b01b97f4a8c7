"""Every minute (and at start): apply a changed configuration file; a bad one is refused
(domain/usecases/configuration.py)."""

from __future__ import annotations

import logging

import azure.functions as func

from domain.usecases.configuration import APPLIED, sync_configuration
from functions import bootstrap
from functions.triggers import timer

bp = func.Blueprint()
log = logging.getLogger("balcao.config")


@timer(bp, "sync_configuration", "0 * * * * *", run_on_startup=True)
def sync_configuration_timer(timer: func.TimerRequest) -> None:
    app = bootstrap.get()
    outcome = sync_configuration(app.config_file, app.config_store, app.now())
    if outcome.startswith("refused"):
        log.error("configuration %s; the last good configuration stays in force", outcome)
    elif outcome == APPLIED:
        app.config.invalidate()
        log.info("configuration applied")
