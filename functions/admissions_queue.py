"""`join-requests` queue: admit citizens to their unit's line in batches (one transaction per unit)."""

from __future__ import annotations

import json
import logging

import azure.functions as func

from domain import services as uc
from functions import dependencies as deps
from functions.http_common import measured

bp = func.Blueprint()
log = logging.getLogger("balcao.admission")
BATCH = 48  # the trigger message plus what is waiting, up to one transaction's worth


@bp.function_name("admit_join_requests")
@bp.queue_trigger(arg_name="msg", queue_name=uc.JOIN_QUEUE, connection="AzureWebJobsStorage")
@measured
def admit_join_requests(msg: func.QueueMessage) -> None:
    first = json.loads(msg.get_body())
    drain = deps.bus().drain(uc.JOIN_QUEUE, BATCH - 1)
    outcome = uc.admit(deps.services(), [first, *(m.payload for m in drain.items)], deps.now())
    drain.complete()
    log.info(
        "admitted batch: %d messages, %d new",
        len(outcome),
        sum(1 for s in outcome.values() if s == "waiting"),
    )
