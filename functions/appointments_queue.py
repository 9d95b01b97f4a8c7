"""`appointment-requests` queue: the meeting of an appointment, created ahead of time through the same
provider port as the queue's meetings (domain/usecases/appointment_day.py `prepare_meeting`)."""

from __future__ import annotations

import logging

import azure.functions as func

from domain.ports import APPOINTMENT_QUEUE
from domain.usecases.appointment_day import prepare_meeting
from functions import bootstrap
from functions.triggers import last_try, payload, queue

bp = func.Blueprint()
log = logging.getLogger("balcao.appointments")


@queue(bp, "prepare_appointment_meeting", APPOINTMENT_QUEUE)
def prepare_appointment_meeting(msg: func.QueueMessage) -> None:
    appointment_id = str(payload(msg)["appointmentId"])
    status = prepare_meeting(bootstrap.get().context, appointment_id, last_try(msg))
    log.info("meeting for appointment: %s (try %s)", status, msg.dequeue_count)
