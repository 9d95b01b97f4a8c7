"""Every minute (and at start): apply a changed configuration file; a bad one is refused."""

from __future__ import annotations

import logging

import azure.functions as func

from adapters.config_source import sync_configuration
from functions import dependencies as deps
from functions.http_common import measured

bp = func.Blueprint()
log = logging.getLogger("balcao.config")


@bp.function_name("sync_configuration")
@bp.timer_trigger(arg_name="timer", schedule="0 * * * * *", run_on_startup=True)
@measured
def sync_configuration_timer(timer: func.TimerRequest) -> None:
    outcome = sync_configuration(deps.config_source(), deps.config_store(), deps.now())
    if outcome.startswith("refused"):
        log.error("configuration %s; the last good configuration stays in force", outcome)
    elif outcome == "applied":
        deps.configuration().invalidate()
        log.info("configuration applied")
