"""What became of a WhatsApp notice after it was sent (issue 18): ACS reports it through Event Grid
(`AdvancedMessageDeliveryStatusUpdated`: sent, delivered, read or failed), and the status is recorded on
the notice it belongs to, on the ticket (`notices`, the entry whose `ref` is the ACS message id) and in
the audit trail.

- **Found by the ACS message id.** When a notice goes out on WhatsApp, `keep_receipt` keeps a row
  `receipt.{message id}` → ticket id and kind in the conversations store (no number, no text: the
  daily purge forgets it with idle conversations). A report for an id with no receipt (a reply of the
  conversation, or one sent before this existed) is ignored.
- **At least once and out of order.** The statuses rank sent < delivered < read < failed, and a status
  is recorded only when it ranks above the one on the notice: a "delivered" after "read" changes
  nothing, a replayed report changes nothing, "failed" is recorded once. The check is made inside the
  unit-day's ETag-guarded change (domain/usecases/unit_day.py), so two instances applying two reports
  of one message cannot both write.
- **A failed delivery** makes the citizen not reachable on WhatsApp, as a "gone" channel does: the
  channel leaves the ticket's `reach` and `channelLost` tells the page, so the presence rules treat a
  citizen with no other channel as one to watch (DESIGN.md §6). The contact is kept: the same number is
  the conversation's, and a template Meta has not approved yet fails without the number being wrong.
- **A report before the notice is recorded** (the send returned, the ticket is written a moment later)
  is retried by Event Grid (`once.in_flight`) for `RECENT_MS` after the send, then ignored.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from domain.errors import ConcurrentUpdateError
from domain.queue import QueueState
from domain.tickets import AttendanceAction, AttendanceEvent, Status, TicketId, TicketWrite
from domain.times import ms
from domain.usecases import once
from domain.usecases.context import Context
from domain.usecases.unit_day import NoChange, mutate, ticket_day

RANK: Mapping[str, int] = {"sent": 1, "delivered": 2, "read": 3, "failed": 4}
LABELS: Mapping[str, str] = {"sent": "enviado", "delivered": "entregue", "read": "lido", "failed": "falhou"}
RECENT_MS = 120_000
CHANNEL = "whatsapp"
RECORDED, UNCHANGED, UNKNOWN = "recorded", "unchanged", "unknown"


def receipt_key(message_id: str) -> str:
    return f"receipt.{message_id}"


def keep_receipt(ctx: Context, message_id: str, ticket_id: str, kind: str, now: datetime) -> None:
    """After a WhatsApp notice was sent: remember which ticket's notice the ACS message id is."""
    store = ctx.conversations
    if store is None or not message_id:
        return
    try:  # one write: a create, refused when it exists
        store.save(receipt_key(message_id), {"ticketId": ticket_id, "kind": kind, "lastMs": ms(now)}, None)
    except ConcurrentUpdateError:
        pass  # kept already (a replayed send): the same ticket and kind


def report(ctx: Context, message_id: str, status: str, now: datetime) -> str:
    """Record a delivery status on its notice: "recorded", "unchanged" or "unknown" (module docstring)."""
    status = status.strip().lower()
    store = ctx.conversations
    if status not in RANK or store is None or not message_id:
        return UNKNOWN
    receipt, _ = store.load(receipt_key(message_id))
    if receipt is None:
        return UNKNOWN
    ticket_id, kind = str(receipt["ticketId"]), str(receipt.get("kind") or "")
    sent_ms = int(receipt.get("lastMs") or 0)
    tid = TicketId.parse(ticket_id)

    def change(state: QueueState) -> tuple[str, list[TicketWrite]]:
        stored = ctx.store.get_ticket(ticket_id)
        log = json.loads(str(stored.get("notices") or "[]")) if stored else []
        entry = next((e for e in log if e.get("ref") == message_id), None)
        if stored is None or entry is None:
            if ms(now) - sent_ms < RECENT_MS:
                raise once.in_flight()  # sent a moment ago: the ticket's record is being written
            raise NoChange(UNCHANGED)
        if RANK.get(str(entry.get("status") or "sent"), 1) >= RANK[status]:
            raise NoChange(UNCHANGED)
        entry["status"] = status
        if status == "failed":
            drop_reach(state, tid.short, [CHANNEL])
        event = notice_event(ticket_id, stored, now, f"aviso {kind} (whatsapp: {LABELS[status]})")
        return RECORDED, [TicketWrite(ticket_id, {"notices": json.dumps(log)}, event=event)]

    return mutate(ctx, tid.unit_id, ticket_day(tid), change)


def drop_reach(state: QueueState, short: str, channels: list[str]) -> None:
    """The ticket is no longer reachable on `channels` (the first one is told to the page as lost)."""
    reach = state.reach.get(short)
    if reach is not None and channels:
        reach.channels = [c for c in reach.channels if c not in channels]
        reach.lost = channels[0]


def notice_event(ticket_id: str, stored: Mapping[str, Any], now: datetime, reason: str) -> AttendanceEvent:
    """The audit trail's `notice` event of a ticket (by the system)."""
    status = Status(stored["status"])
    return AttendanceEvent(ticket_id, AttendanceAction.NOTICE, status, now, "system", reason)
