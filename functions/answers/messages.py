"""Answers of the asynchronous channel (every page repeats the art. 4 notice)."""

from __future__ import annotations

from domain.messages import NOTICE
from domain.usecases import async_channel as ac
from domain.usecases import async_overdue
from functions.answers import Answer, answer_of, present
from functions.links import Links

ChannelInfo = answer_of(ac.ChannelInfo, add={"notice": (str, "enabled")})
MessageSent = answer_of(
    ac.Sent, "MessageSent", add={"status_url": (str, "token"), "status": (str, ""), "notice": (str, "")}
)
MessageView = answer_of(ac.MessageView, add={"notice": (str, "")})
Inbox = answer_of(
    ac.Inbox,
    optional=("response_hours", "opening_hours_only"),
    types={"counts": ac.InboxCounts | dict[str, int]},
)
Replied = answer_of(ac.ReplyResult, "Replied")
UnitCounts = answer_of(async_overdue.UnitCounts, rename={"first": "from"})
AsyncMetrics = answer_of(async_overdue.AsyncIndicators, "AsyncMetrics", types={"units": list[UnitCounts]})  # type: ignore[valid-type]


def channel_info(c: ac.ChannelInfo) -> Answer:
    return present(ChannelInfo, c, notice=NOTICE)


def message_sent(s: ac.Sent, links: Links) -> Answer:
    return present(MessageSent, s, status_url=links.message(s.message_id), status=ac.OPEN, notice=NOTICE)


def message_view(v: ac.MessageView) -> Answer:
    return present(MessageView, v, notice=NOTICE)


def inbox(b: ac.Inbox) -> Answer:
    """Without the channel: no response time, and counts of nothing (`{}`)."""
    return present(Inbox, b, omit_none=("response_hours", "opening_hours_only"), counts=b.counts or {})
