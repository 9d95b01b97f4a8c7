"""`join-requests` queue: admit citizens to their unit's line in batches (one transaction per unit)."""

from __future__ import annotations

import logging

import azure.functions as func

from domain.ports import JOIN_QUEUE
from domain.usecases import admission
from functions import bootstrap
from functions.triggers import payload, queue

bp = func.Blueprint()
log = logging.getLogger("balcao.admission")
BATCH = 48  # the trigger message plus what is waiting, up to one transaction's worth


@queue(bp, "admit_join_requests", JOIN_QUEUE)
def admit_join_requests(msg: func.QueueMessage) -> None:
    app = bootstrap.get()
    first = payload(msg)
    batch = app.bus.drain(JOIN_QUEUE, BATCH - 1)
    outcome = admission.admit(app.context, [first, *(m.payload for m in batch.items)], app.now())
    batch.complete()
    log.info(
        "admitted batch: %d messages, %d new",
        len(outcome),
        sum(1 for s in outcome.values() if s == "waiting"),
    )
