"""Answers of the asynchronous channel."""

from __future__ import annotations

from pydantic import Field

from domain.messages import NOTICE
from domain.usecases import async_channel as ac
from domain.usecases.async_overdue import AsyncCounts, AsyncIndicators
from functions.answers import Answer, CourtRef, Option, iso, iso_date
from functions.links import Links


class ChannelInfo(Answer):
    unit: CourtRef
    enabled: bool
    notice: str
    response_hours: float = Field(serialization_alias="responseHours")
    opening_hours_only: bool = Field(serialization_alias="openingHoursOnly")
    response_time_text: str = Field(serialization_alias="responseTimeText")
    max_length: int = Field(serialization_alias="maxLength")
    reasons: list[Option]
    hours_text: str = Field(serialization_alias="hoursText")

    @staticmethod
    def of(c: ac.ChannelInfo) -> ChannelInfo:
        return ChannelInfo(
            unit=CourtRef.of(c.unit),
            enabled=c.enabled,
            notice=NOTICE,
            response_hours=c.response_hours,
            opening_hours_only=c.opening_hours_only,
            response_time_text=c.response_time_text,
            max_length=c.max_length,
            reasons=Option.all(c.reasons),
            hours_text=c.hours_text,
        )


class MessageSent(Answer):
    message_id: str = Field(serialization_alias="messageId")
    protocol: str
    token: str
    status_url: str = Field(serialization_alias="statusUrl")
    due_at: str = Field(serialization_alias="dueAt")
    status: str
    notice: str

    @staticmethod
    def of(s: ac.Sent, links: Links) -> MessageSent:
        return MessageSent(
            message_id=s.message_id,
            protocol=s.protocol,
            token=s.token,
            status_url=links.message(s.message_id),
            due_at=iso(s.due_at),
            status=ac.OPEN,
            notice=NOTICE,
        )


class ReplyText(Answer):
    text: str
    answered_at: str = Field(serialization_alias="answeredAt")


class MessageView(Answer):
    message_id: str = Field(serialization_alias="messageId")
    protocol: str
    unit: CourtRef
    status: str
    status_text: str = Field(serialization_alias="statusText")
    received_at: str = Field(serialization_alias="receivedAt")
    due_at: str = Field(serialization_alias="dueAt")
    due_text: str = Field(serialization_alias="dueText")
    reason: str
    text: str
    reply: ReplyText | None
    notice: str

    @staticmethod
    def of(v: ac.MessageView) -> MessageView:
        return MessageView(
            message_id=v.message_id,
            protocol=v.protocol,
            unit=CourtRef.of(v.unit),
            status=v.status,
            status_text=v.status_text,
            received_at=iso(v.received_at),
            due_at=iso(v.due_at),
            due_text=v.due_text,
            reason=v.reason,
            text=v.text,
            reply=ReplyText(text=v.reply.text, answered_at=iso(v.reply.answered_at)) if v.reply else None,
            notice=NOTICE,
        )


class Deadline(Answer):
    state: str
    minutes_left: int = Field(serialization_alias="minutesLeft")
    text: str


class InboxItem(Answer):
    message_id: str = Field(serialization_alias="messageId")
    protocol: str
    received_at: str = Field(serialization_alias="receivedAt")
    due_at: str = Field(serialization_alias="dueAt")
    due_text: str = Field(serialization_alias="dueText")
    name: str
    role: str
    oab: str
    process_number: str = Field(serialization_alias="processNumber")
    reason: str
    text: str
    status: str
    reply: str | None = None
    answered_at: str | None = Field(default=None, serialization_alias="answeredAt")
    answered_by: str | None = Field(default=None, serialization_alias="answeredBy")
    answered_on_time: bool | None = Field(default=None, serialization_alias="answeredOnTime")
    deadline: Deadline | None = None

    @staticmethod
    def of(i: ac.InboxItem) -> InboxItem:
        fields: dict[str, object] = {
            "message_id": i.message_id,
            "protocol": i.protocol,
            "received_at": iso(i.received_at),
            "due_at": iso(i.due_at),
            "due_text": i.due_text,
            "name": i.name,
            "role": i.role,
            "oab": i.oab,
            "process_number": i.process_number,
            "reason": i.reason,
            "text": i.text,
        }
        if i.answered is not None:
            a = i.answered
            fields.update(
                status=ac.ANSWERED,
                reply=a.text,
                answered_at=iso(a.answered_at),
                answered_by=a.answered_by,
                answered_on_time=a.on_time,
            )
        else:
            clock = i.deadline
            fields["status"] = ac.OPEN
            if clock is not None:
                fields["deadline"] = Deadline(
                    state=clock.state, minutes_left=clock.minutes_left, text=clock.text
                )
        return InboxItem.model_validate(fields)


class InboxCounts(Answer):
    open: int
    overdue: int
    due_soon: int = Field(serialization_alias="dueSoon")


class Inbox(Answer):
    unit: CourtRef
    enabled: bool
    response_hours: float | None = Field(default=None, serialization_alias="responseHours")
    opening_hours_only: bool | None = Field(default=None, serialization_alias="openingHoursOnly")
    counts: InboxCounts | dict[str, int]
    open: list[InboxItem]
    answered: list[InboxItem]

    @staticmethod
    def of(b: ac.Inbox) -> Inbox:
        items = {
            "open": [InboxItem.of(i) for i in b.open or ()],
            "answered": [InboxItem.of(i) for i in b.answered or ()],
        }
        if not b.enabled:
            return Inbox.model_validate(
                {"unit": CourtRef.of(b.unit), "enabled": False, "counts": {}, **items}
            )
        return Inbox.model_validate(
            {
                "unit": CourtRef.of(b.unit),
                "enabled": True,
                "response_hours": b.response_hours,
                "opening_hours_only": b.opening_hours_only,
                "counts": InboxCounts(
                    open=len(b.open or ()), overdue=b.count("overdue"), due_soon=b.count("due_soon")
                ),
                **items,
            }
        )


class Replied(Answer):
    message_id: str = Field(serialization_alias="messageId")
    status: str
    on_time: bool = Field(serialization_alias="onTime")
    protocol: str

    @staticmethod
    def of(r: ac.ReplyResult) -> Replied:
        return Replied(message_id=r.message_id, status=ac.ANSWERED, on_time=r.on_time, protocol=r.protocol)


class Counts(Answer):
    received: int
    answered: int
    answered_on_time: int = Field(serialization_alias="answeredOnTime")
    overdue: int
    open_now: int = Field(serialization_alias="openNow")
    overdue_now: int = Field(serialization_alias="overdueNow")

    @staticmethod
    def fields_of(c: AsyncCounts) -> dict[str, int]:
        return {
            "received": c.received,
            "answered": c.answered,
            "answered_on_time": c.answered_on_time,
            "overdue": c.overdue,
            "open_now": c.open_now,
            "overdue_now": c.overdue_now,
        }


class UnitCountsFirst(Answer):
    """`unit` first, then the counts, then `from` (the order the page's table uses)."""

    unit: CourtRef
    received: int
    answered: int
    answered_on_time: int = Field(serialization_alias="answeredOnTime")
    overdue: int
    open_now: int = Field(serialization_alias="openNow")
    overdue_now: int = Field(serialization_alias="overdueNow")
    first: str = Field(serialization_alias="from")


class AsyncMetrics(Answer):
    days: int
    to: str
    total: Counts
    units: list[UnitCountsFirst]

    @staticmethod
    def of(m: AsyncIndicators) -> AsyncMetrics:
        return AsyncMetrics(
            days=m.days,
            to=iso_date(m.to),
            total=Counts.model_validate(Counts.fields_of(m.total)),
            units=[
                UnitCountsFirst.model_validate(
                    {"unit": CourtRef.of(u.unit), **Counts.fields_of(u.counts), "first": iso_date(u.first)}
                )
                for u in m.units
            ],
        )
