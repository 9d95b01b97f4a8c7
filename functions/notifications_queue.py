"""`notifications` queue: Adaptive Cards to each unit's Teams channel (Workflows webhook)."""

from __future__ import annotations

import json
import logging

import azure.functions as func

from domain import services as uc
from functions import dependencies as deps
from functions.http_common import measured

bp = func.Blueprint()
log = logging.getLogger("balcao.notifications")


@bp.function_name("notify_clerks")
@bp.queue_trigger(arg_name="msg", queue_name=uc.NOTIFY_QUEUE, connection="AzureWebJobsStorage")
@measured
def notify_clerks(msg: func.QueueMessage) -> None:
    drain = deps.bus().drain(uc.NOTIFY_QUEUE, 15)  # coalesce a burst into few cards
    sent = uc.deliver_notifications(
        deps.services(), [json.loads(msg.get_body()), *(m.payload for m in drain.items)], deps.now()
    )
    drain.complete()
    log.info("notifications delivered: %d", sent)
