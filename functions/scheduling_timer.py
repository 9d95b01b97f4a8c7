"""Every minute (UTC): appointments (reminder card before, straight to the front of the line at the
time, days gone by closed) and overdue asynchronous messages (alert and count), for the units that use
them (domain/usecases/appointment_day.py, async_overdue.py)."""

from __future__ import annotations

import logging

import azure.functions as func

from domain.usecases.appointment_day import run_appointments
from domain.usecases.async_overdue import run_overdue
from functions import bootstrap
from functions.triggers import timer

bp = func.Blueprint()
log = logging.getLogger("balcao.scheduling")
EVERY_MINUTE = "0 * * * * *"


@timer(bp, "appointments_upkeep", EVERY_MINUTE)
def appointments_upkeep(timer: func.TimerRequest) -> None:
    if counts := run_appointments(bootstrap.get().context, bootstrap.now()):
        log.info("appointments: %s", counts)


@timer(bp, "async_overdue", EVERY_MINUTE)
def async_overdue(timer: func.TimerRequest) -> None:
    if overdue := run_overdue(bootstrap.get().context, bootstrap.now()):
        log.info("asynchronous messages now overdue: %d", overdue)
