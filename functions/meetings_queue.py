"""`meeting-requests` queue: one meeting per attendance, created when the clerk calls the citizen."""

from __future__ import annotations

import logging

import azure.functions as func

from domain.ports import MEETING_QUEUE
from domain.usecases.meetings import attach_meeting
from functions import bootstrap
from functions.triggers import last_try, payload, queue

bp = func.Blueprint()
log = logging.getLogger("balcao.meetings")


@queue(bp, "create_meeting", MEETING_QUEUE)
def create_meeting(msg: func.QueueMessage) -> None:
    app = bootstrap.get()
    ticket_id = str(payload(msg)["ticketId"])
    status = attach_meeting(app.context, ticket_id, app.now(), last_try(msg), clock=app.clock)
    log.info("meeting for ticket: %s (try %s)", status, msg.dequeue_count)
