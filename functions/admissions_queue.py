"""`join-requests` queue: admit citizens to their unit's line in batches (one transaction per unit and
chunk of ≤ 49 tickets, guarded by the state's ETag).

In a burst the batches grow two ways: an invocation drains what is waiting (pages of 32 while they come
back full, up to four transactions' worth), and the invocations running at the same time in this
worker are admitted together (functions/batching.py: group commit), instead of one after the other on
the same state with a message or two each."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import azure.functions as func

from domain.ports import JOIN_QUEUE
from domain.usecases import admission
from functions import bootstrap
from functions.batching import GroupCommit
from functions.triggers import Recent, payload, queue

bp = func.Blueprint()
log = logging.getLogger("balcao.admission")
BATCH = 4 * admission.CHUNK  # the most one invocation takes (its message and what it drains)
RECENT = Recent(window_s=1.0)  # joins within a second (one poll of the host): a burst


def _admit(requests: list[Mapping[str, Any]]) -> list[str]:
    app = bootstrap.get()
    outcome = admission.admit(app.context, requests, app.now())
    return [outcome.get(str(request.get("ticketId")), "") for request in requests]


GROUP: GroupCommit[Mapping[str, Any], str] = GroupCommit(_admit, max_items=8 * admission.CHUNK)


@queue(bp, "admit_join_requests", JOIN_QUEUE)
def admit_join_requests(msg: func.QueueMessage) -> None:
    app = bootstrap.get()
    first = payload(msg)
    batch = app.bus.drain(JOIN_QUEUE, BATCH - 1 if RECENT.busy() else 0)
    statuses = GROUP.submit([first, *(m.payload for m in batch.items)])
    batch.complete()
    log.info("admitted batch: %d messages, %d new", len(statuses), sum(1 for s in statuses if s == "waiting"))
