"""`meeting-requests` queue: one meeting per attendance, created when the clerk calls the citizen."""

from __future__ import annotations

import json
import logging

import azure.functions as func

from domain import services as uc
from functions import dependencies as deps
from functions.http_common import measured

bp = func.Blueprint()
log = logging.getLogger("balcao.meetings")
MAX_DEQUEUE = 5  # host.json extensions.queues.maxDequeueCount


@bp.function_name("create_meeting")
@bp.queue_trigger(arg_name="msg", queue_name=uc.MEETING_QUEUE, connection="AzureWebJobsStorage")
@measured
def create_meeting(msg: func.QueueMessage) -> None:
    payload = json.loads(msg.get_body())
    last_try = (msg.dequeue_count or 1) >= MAX_DEQUEUE
    status = uc.attach_meeting(
        deps.services(), str(payload["ticketId"]), deps.now(), last_try, clock=deps.now
    )
    log.info("meeting for ticket: %s (try %s)", status, msg.dequeue_count)
