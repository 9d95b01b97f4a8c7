"""`notifications` queue: Adaptive Cards to each unit's Teams channel (Workflows webhook)."""

from __future__ import annotations

import logging

import azure.functions as func

from domain.ports import NOTIFY_QUEUE
from domain.usecases.notices import deliver_notifications
from functions import bootstrap
from functions.triggers import Recent, payload, queue

bp = func.Blueprint()
log = logging.getLogger("balcao.notifications")
RECENT = Recent(window_s=1.0)  # cards within a second (one poll of the host): a burst, in few posts


@queue(bp, "notify_clerks", NOTIFY_QUEUE)
def notify_clerks(msg: func.QueueMessage) -> None:
    app = bootstrap.get()
    batch = app.bus.drain(NOTIFY_QUEUE, 15 if RECENT.busy() else 0)  # coalesce a burst into few cards
    sent = deliver_notifications(app.context, [payload(msg), *(m.payload for m in batch.items)], app.now())
    batch.complete()
    log.info("notifications delivered: %d", sent)
