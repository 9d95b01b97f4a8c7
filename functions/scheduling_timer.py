"""Every minute (UTC): appointments (reminder card before, straight to the front of the line at the
time, days gone by closed) and overdue asynchronous messages (alert and count), for the units that use
them (domain/scheduling.py, domain/async_channel.py)."""

from __future__ import annotations

import logging

import azure.functions as func

from domain import async_channel, scheduling
from functions import dependencies as deps
from functions import records
from functions.http_common import measured

bp = func.Blueprint()
log = logging.getLogger("balcao.scheduling")


@bp.function_name("appointments_upkeep")
@bp.timer_trigger(arg_name="timer", schedule="0 * * * * *", run_on_startup=False)
@measured
def appointments_upkeep(timer: func.TimerRequest) -> None:
    counts = scheduling.run_appointments(deps.services(), records.appointments(), deps.now())
    if counts:
        log.info("appointments: %s", counts)


@bp.function_name("async_overdue")
@bp.timer_trigger(arg_name="timer", schedule="0 * * * * *", run_on_startup=False)
@measured
def async_overdue(timer: func.TimerRequest) -> None:
    overdue = async_channel.run_overdue(deps.services(), records.messages(), deps.now())
    if overdue:
        log.info("asynchronous messages now overdue: %d", overdue)
