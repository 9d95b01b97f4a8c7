"""Notices to the clerks of a unit (the `notifications` queue): what happened (a citizen called, a
meeting failed, nobody online, a colleague invited, an appointment about to start, a message overdue),
sent as queue messages by the use cases and delivered as cards to the unit's Teams channel, once per
dedup key.

Queue messages carry no personal data. A citizen's call carries its card's fields (display number,
priority class, clerk, links: what the call knows), so its delivery reads nothing; the other notices
about a ticket read the card's fields from the ticket when they are delivered.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from domain.config import UnitConfig
from domain.errors import IN_FLIGHT, TransientProviderError
from domain.ordering import CLASS_LABELS, classify
from domain.people import ROLES, reason_label
from domain.ports import NOTIFY_QUEUE, Notification
from domain.usecases.context import Context
from domain.usecases.unit_day import service_day

# Fields a card takes from its queue message as they are (no citizen data: staff names, times,
# protocol numbers, meeting links, counts and the text of errors).
MESSAGE_FIELDS = (
    "error",
    "queue",
    "message_id",
    "summary",
    "dequeue_count",
    "waiting_count",
    "minutes_unattended",
    "starts_at_text",
    "appointment_kind",
    "reason",
    "join_url",
    "clerk_join_url",
    "invitee_name",
    "invitee_role",
    "invited_by",
    "protocol",
    "received_at_text",
    "due_at_text",
    "overdue_text",
    "display_number",
    "priority",
    "clerk_name",
)


def send_notice(
    ctx: Context, kind: str, unit_id: str, dedup_key: str, ticket_id: str = "", **fields: Any
) -> None:
    """Queue a notice for the clerks of `unit_id` (the same `dedup_key` twice is delivered once)."""
    payload: dict[str, Any] = {"kind": kind, "unitId": unit_id}
    if ticket_id:
        payload["ticketId"] = ticket_id
    payload["dedupKey"] = dedup_key
    payload.update(fields)
    ctx.bus.send(NOTIFY_QUEUE, payload)


def deliver_notifications(ctx: Context, messages: Sequence[Mapping[str, Any]], now: datetime) -> int:
    """Render and send notices to each unit's Teams channel, once per dedup key of a unit-day, whatever
    worker (instance) the message reaches: the notifier claims each key with the slot of its post (one
    transaction with the shared window), marks it done after, and releases it when sending fails
    (ClerkNotifier). A message whose key another worker is sending now is retried later
    (TransientProviderError, reason IN_FLIGHT), when that send has ended one way or the other.

    Returns how many were sent; a unit without a webhook configured is skipped."""
    by_unit: dict[str, list[Notification]] = defaultdict(list)
    batch: set[tuple[str, str]] = set()
    for msg in messages:
        unit = ctx.config().unit(str(msg.get("unitId", "")))
        if unit is None:
            continue
        key = str(msg.get("dedupKey") or "")
        if key:
            key = f"{unit.id}.{service_day(unit, now)}.{key}"  # a key is one unit-day's
            if (unit.id, key) in batch:
                continue  # the same notice twice in this batch
            batch.add((unit.id, key))
        by_unit[unit.id].append(
            Notification(
                kind=str(msg["kind"]),
                unit_id=unit.id,
                unit_name=unit.name,
                data=notification_data(ctx, unit, msg),
                dedup_key=key,
            )
        )
    sent = 0
    in_flight: TransientProviderError | None = None
    for unit_id, notes in by_unit.items():
        url = ctx.webhook_url_for(ctx.unit(unit_id))
        if not url:
            continue
        try:
            sent += ctx.notifier.send(url, notes)
        except TransientProviderError as exc:
            if exc.details.get("reason") != IN_FLIGHT:
                raise
            in_flight = exc  # the other units' cards go first
    if in_flight is not None:
        raise in_flight
    return sent


def notification_data(ctx: Context, unit: UnitConfig, msg: Mapping[str, Any]) -> dict[str, Any]:
    """The fields of a card (adapters/cards.py names them): the display number, the class label, the
    links; never a name, an OAB or a process number (a Teams channel is out of the purge's reach)."""
    data: dict[str, Any] = {key: msg[key] for key in MESSAGE_FIELDS if key in msg}
    ticket_id = msg.get("ticketId")
    if ticket_id:
        data["ticket_id"] = str(ticket_id)
    if ticket_id and "display_number" not in msg:
        t = ctx.store.get_ticket(str(ticket_id)) or {}
        grounds = json.loads(t.get("grounds") or "[]")
        data.update(
            display_number=t.get("display", ""),
            role=ROLES.get(t.get("role", ""), ""),
            reason=reason_label(unit, t.get("reason", "")),
            priority=CLASS_LABELS[classify(grounds)],
            clerk_name=clerk_name(ctx, t.get("calledBy", "")),
            join_url=t.get("joinUrl", ""),
            clerk_join_url=t.get("clerkJoinUrl", ""),
        )
    return data


def clerk_name(ctx: Context, email: str) -> str:
    """The staff member's name from the configuration (the e-mail when not listed)."""
    member = next((m for m in ctx.config().staff if m.email == email), None)
    return member.name if member else email
