"""Event Grid: the events of the court's WhatsApp channel in Azure Communication Services (issue 18),
pushed by the ACS resource's system topic to this function (CloudEvents 1.0, or the Event Grid schema).

- `Microsoft.Communication.AdvancedMessageReceived`: a citizen wrote to the court's number; the
  conversation applies it once (domain/usecases/whatsapp_conversation.py). Text, an interactive reply's
  id (`interactive.buttonReply`/`listReply`, a template's quick-reply `button.payload`), or media
  (refused there with the art. 4 notice).
- `Microsoft.Communication.AdvancedMessageDeliveryStatusUpdated`: the status (sent, delivered, read,
  failed) recorded on the notice whose ACS message id it carries (domain/usecases/delivery_reports.py:
  out of order and replayed, it never moves a status back).

An exception makes the host answer 500, and Event Grid delivers the event again later (at least once:
the use case is idempotent by the ACS message id). The log lines carry the event's type and outcome,
never the number nor the text.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

import azure.functions as func

from domain.usecases.delivery_reports import RANK, report
from domain.usecases.whatsapp_conversation import Received, receive
from functions import bootstrap
from functions.http_common import ConversationJoins

bp = func.Blueprint()
log = logging.getLogger("balcao.whatsapp")

RECEIVED = "Microsoft.Communication.AdvancedMessageReceived"
DELIVERY = "Microsoft.Communication.AdvancedMessageDeliveryStatusUpdated"
MEDIA = frozenset({"image", "audio", "video", "document", "sticker", "location", "contacts", "voice"})


def received(event_id: str, data: dict[str, Any], now: datetime) -> Received:
    """The message of an `AdvancedMessageReceived` event's data."""
    kind = str(data.get("messageType") or "text").lower()
    interactive = data.get("interactive") or data.get("interactiveContent") or {}
    reply = interactive.get("buttonReply") or interactive.get("listReply") or {}
    button = data.get("button") or {}
    at = str(data.get("receivedTimestamp") or data.get("receivedTimeStamp") or "")
    return Received(
        message_id=str(data.get("messageId") or event_id),
        sender=str(data.get("from") or ""),
        received_at=datetime.fromisoformat(at.replace("Z", "+00:00")) if at else now,
        text=str(data.get("content") or button.get("text") or ""),
        option=str(reply.get("id") or button.get("payload") or ""),
        media=kind in MEDIA or bool(data.get("media") or data.get("mediaContent")),
    )


@bp.function_name("whatsapp_events")
@bp.event_grid_trigger(arg_name="event")
def whatsapp_events(event: func.EventGridEvent) -> None:
    kind = str(getattr(event, "event_type", None) or getattr(event, "type", ""))
    data = event.get_json() or {}
    app = bootstrap.get()
    if kind == RECEIVED:
        sent = receive(app.context, received(event.id, data, app.now()), app.now(), ConversationJoins())
        log.info("whatsapp message received: %d replies sent", sent)
    elif kind == DELIVERY:
        status = str(data.get("status") or "").lower()
        outcome = report(app.context, str(data.get("messageId") or ""), status, app.now())
        log.info("whatsapp delivery status %s: %s", status if status in RANK else "?", outcome)
    else:
        log.info("event grid event ignored: %s", kind)
