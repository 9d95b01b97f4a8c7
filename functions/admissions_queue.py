"""`join-requests` queue: admit citizens to their unit's line in batches (one transaction per unit)."""

from __future__ import annotations

import logging

import azure.functions as func

from domain.ports import JOIN_QUEUE
from domain.usecases import admission
from functions import bootstrap
from functions.triggers import Recent, payload, queue

bp = func.Blueprint()
log = logging.getLogger("balcao.admission")
# In a burst, the trigger message plus what is waiting, up to four transactions' worth (the drain takes
# pages of 32 while they come back full: a long queue gives large batches, a short one stops early).
BATCH = 4 * admission.CHUNK
RECENT = Recent(window_s=1.0)  # joins within a second (one poll of the host): a burst


@queue(bp, "admit_join_requests", JOIN_QUEUE)
def admit_join_requests(msg: func.QueueMessage) -> None:
    app = bootstrap.get()
    first = payload(msg)
    batch = app.bus.drain(JOIN_QUEUE, BATCH - 1 if RECENT.busy() else 0)
    outcome = admission.admit(app.context, [first, *(m.payload for m in batch.items)], app.now())
    batch.complete()
    log.info(
        "admitted batch: %d messages, %d new",
        len(outcome),
        sum(1 for s in outcome.values() if s == "waiting"),
    )
