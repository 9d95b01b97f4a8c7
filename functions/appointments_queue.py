"""`appointment-requests` queue: the meeting of an appointment, created ahead of time through the same
provider port as the queue's meetings (domain/scheduling.py `prepare_meeting`)."""

from __future__ import annotations

import json
import logging

import azure.functions as func

from domain import scheduling
from functions import dependencies as deps
from functions import records
from functions.http_common import measured

bp = func.Blueprint()
log = logging.getLogger("balcao.appointments")
MAX_DEQUEUE = 5  # host.json extensions.queues.maxDequeueCount


@bp.function_name("prepare_appointment_meeting")
@bp.queue_trigger(arg_name="msg", queue_name=scheduling.APPOINTMENT_QUEUE, connection="AzureWebJobsStorage")
@measured
def prepare_appointment_meeting(msg: func.QueueMessage) -> None:
    payload = json.loads(msg.get_body())
    last_try = (msg.dequeue_count or 1) >= MAX_DEQUEUE
    status = scheduling.prepare_meeting(
        deps.services(), records.appointments(), str(payload["appointmentId"]), last_try
    )
    log.info("meeting for appointment: %s (try %s)", status, msg.dequeue_count)
