"""`citizen-notices` queue: a notice to a citizen off the page (issue 13) on every channel the ticket has
(domain/usecases/citizen_notices.py). The log line says what happened per channel, never the contact."""

from __future__ import annotations

import logging

import azure.functions as func

from domain.ports import CITIZEN_NOTICE_QUEUE
from domain.usecases.citizen_notices import deliver_citizen_notice
from functions import bootstrap
from functions.triggers import payload, queue

bp = func.Blueprint()
log = logging.getLogger("balcao.citizen_notices")


@queue(bp, "notify_citizen", CITIZEN_NOTICE_QUEUE)
def notify_citizen(msg: func.QueueMessage) -> None:
    app = bootstrap.get()
    message = payload(msg)
    deliveries = deliver_citizen_notice(app.context, message, app.now())
    said = ", ".join(f"{d.channel} {d.outcome}" for d in deliveries) or "nothing to send"
    log.info("citizen notice %s: %s", message.get("kind"), said)
