"""The asynchronous channel (Res. 372/2021 art. 2 §1; rules in domain/messages.py): the notice and the
form, sending, the citizen's view with the reply, the clerks' inbox with deadline clocks, the reply.

- **Protocol.** Each message gets a protocol number, gapless per unit and year
  (`TJAM-TEFE-VU-2026-000042`), and a token (an HMAC of the message id, as a ticket's): the citizen's
  status page reads the message and, once given, the reply. Message ids have the shape of ticket ids
  (`{unit}.{YYYYMMDD}.{short}`).
- **Deadline clock.** Clerks see, for each open message, the deadline and the time left (or how late).
- **Counts.** Each daily count changes in the same transaction as the message it counts, so it is exact.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from domain.auth import Principal
from domain.config import Option
from domain.errors import ConflictError, NotFoundError
from domain.messages import (
    Clock,
    MessageInput,
    channel_settings,
    count,
    deadline_clock,
    due_at,
    get_message,
    message_key,
    validate_message,
)
from domain.people import REPLY_MAX, ROLES, oab_text, reason_label, record_of
from domain.ports import RowWrite
from domain.tickets import TicketId
from domain.times import iso_utc
from domain.usecases.citizen_notices import offered_channels, queue_citizen_notice
from domain.usecases.citizen_view import UnitRef
from domain.usecases.context import Context
from domain.usecases.notice_subjects import contacts_fields, record_contacts
from domain.usecases.unit_day import commit_records
from domain.validation import clean_text

ANSWERED, OPEN = "answered", "open"


@dataclass(frozen=True)
class ChannelInfo:
    """What the citizen's page shows before the form: the notice, the response time, the limit."""

    unit: UnitRef
    enabled: bool
    response_hours: float
    opening_hours_only: bool
    response_time_text: str  # "" when the unit does not answer messages
    max_length: int
    reasons: tuple[Option, ...]
    hours_text: str


def channel_info(ctx: Context, unit_id: str) -> ChannelInfo:
    unit = ctx.unit(unit_id)
    settings = unit.async_channel
    enabled = unit.active and settings.enabled
    hours = f"{settings.response_hours:g}".replace(".", ",")
    counting = " de expediente" if settings.opening_hours_only else ""
    return ChannelInfo(
        UnitRef.of(unit),
        enabled,
        settings.response_hours,
        settings.opening_hours_only,
        f"Resposta em até {hours} horas{counting}." if enabled else "",
        settings.max_length,
        tuple(unit.reasons),
        ctx.calendars(unit).hours_text(),
    )


@dataclass(frozen=True)
class Sent:
    message_id: str
    protocol: str
    token: str
    due_at: datetime  # in the unit's zone


def send_message(ctx: Context, unit_id: str, data: MessageInput, now: datetime) -> Sent:
    """Validate (nothing stored if it fails), number the protocol, and store the message with its
    deadline and the day's count in one transaction."""
    unit = ctx.unit(unit_id)
    settings = channel_settings(unit)
    message = validate_message(unit, data, offered_channels(ctx, unit), ctx.push_hosts)
    zone = ZoneInfo(unit.timezone)
    local = now.astimezone(zone)
    day, year = f"{local:%Y%m%d}", f"{local:%Y}"
    due = due_at(ctx.calendars(unit), settings, now)
    tid = TicketId.new(unit.id, local.date())
    protocol: list[str] = []
    records = ctx.messages
    person = message.person

    def build() -> list[RowWrite]:
        counter = records.get(unit.id, f"c.{year}")
        seq = int(counter.fields.get("value", 0) if counter else 0) + 1
        protocol[:] = [f"{unit.id.upper()}-{year}-{seq:06d}"]
        numbered = (
            RowWrite(f"c.{year}", {"value": seq}, "create")
            if counter is None
            else RowWrite(counter.key, {"value": seq}, "replace", counter.etag)
        )
        fields = {
            "messageId": str(tid),
            "protocol": protocol[0],
            "status": OPEN,
            "receivedAt": iso_utc(now),
            "dueAt": iso_utc(due),
            **record_of(person),
            "text": message.text,
            "overdueAlerted": False,
            **contacts_fields(message.contacts),
        }
        return [
            numbered,
            count(records, unit.id, day, received=1),
            RowWrite(f"m.{day}.{tid.short}", fields, "create"),
        ]

    commit_records(ctx, records, unit.id, build)
    message_id = str(tid)
    return Sent(message_id, protocol[0], ctx.keys.sign(message_id), due.astimezone(zone))


@dataclass(frozen=True)
class Reply:
    text: str
    answered_at: datetime  # in the unit's zone


@dataclass(frozen=True)
class MessageView:
    """The citizen's view: the protocol, what they sent, the deadline, and the reply once given."""

    message_id: str
    protocol: str
    unit: UnitRef
    status: str  # open | answered
    status_text: str
    received_at: datetime  # in the unit's zone
    due_at: datetime
    due_text: str
    reason: str
    text: str
    reply: Reply | None


def local(value: object, zone: ZoneInfo) -> datetime:
    return datetime.fromisoformat(str(value)).astimezone(zone)


def message_view(ctx: Context, message_id: str, token: str) -> MessageView:
    tid, _ = message_key(message_id)
    ctx.keys.verify(message_id, token)
    unit = ctx.unit(tid.unit_id)
    f = get_message(ctx.messages, message_id).fields
    zone = ZoneInfo(unit.timezone)
    due = datetime.fromisoformat(str(f["dueAt"]))
    answered = f.get("status") == ANSWERED
    return MessageView(
        message_id,
        str(f["protocol"]),
        UnitRef.of(unit),
        ANSWERED if answered else OPEN,
        "Respondida" if answered else "Aguardando resposta da unidade",
        local(f["receivedAt"], zone),
        due.astimezone(zone),
        ctx.calendars(unit).format_instant(due),
        reason_label(unit, f.get("reason")),
        str(f.get("text", "")),
        Reply(str(f.get("replyText", "")), local(f["answeredAt"], zone)) if answered else None,
    )


@dataclass(frozen=True)
class InboxItem:
    """A message in the clerks' inbox, with what the citizen declared."""

    message_id: str
    protocol: str
    received_at: datetime
    due_at: datetime
    due_text: str
    name: str
    role: str
    oab: str
    process_number: str
    reason: str
    text: str
    status: str  # open | answered


@dataclass(frozen=True)
class OpenItem(InboxItem):
    deadline: Clock


@dataclass(frozen=True)
class AnsweredItem(InboxItem):
    reply: str
    answered_at: datetime
    answered_by: str
    answered_on_time: bool


@dataclass(frozen=True)
class InboxCounts:
    open: int
    overdue: int
    due_soon: int

    @staticmethod
    def of(items: list[OpenItem]) -> InboxCounts:
        """The open messages, and how many of them are past their deadline or close to it."""
        states = [i.deadline.state for i in items]
        return InboxCounts(len(items), states.count("overdue"), states.count("due_soon"))


@dataclass(frozen=True)
class Inbox:
    """The inbox of a unit; without the channel (`enabled` False) it is empty and has no counts."""

    unit: UnitRef
    enabled: bool
    response_hours: float | None
    opening_hours_only: bool | None
    counts: InboxCounts | None
    open: list[OpenItem]
    answered: list[AnsweredItem]


def inbox(ctx: Context, unit_id: str, clerk: Principal, now: datetime, days: int = 30) -> Inbox:
    """The clerks' inbox: every open message (oldest deadline first) with its deadline clock, then the
    messages answered in the last `days` days."""
    unit = ctx.unit(unit_id)
    clerk.require_clerk(unit.id)
    if not (unit.active and unit.async_channel.enabled):
        return Inbox(UnitRef.of(unit), False, None, None, None, [], [])
    settings = unit.async_channel
    zone = ZoneInfo(unit.timezone)
    calendar = ctx.calendars(unit)
    since = now.astimezone(zone).date() - timedelta(days=days)
    rows = {r.key: r for r in ctx.messages.query(unit.id, "m.", "m.~", where={"status": OPEN})}
    rows.update({r.key: r for r in ctx.messages.query(unit.id, f"m.{since:%Y%m%d}", "m.~")})
    open_items: list[OpenItem] = []
    answered_items: list[AnsweredItem] = []
    for row in rows.values():
        f = row.fields
        due = datetime.fromisoformat(str(f["dueAt"]))
        head = (
            str(f["messageId"]),
            str(f["protocol"]),
            local(f["receivedAt"], zone),
            due.astimezone(zone),
            calendar.format_instant(due),
            str(f.get("name", "")),
            ROLES.get(str(f.get("role", "")), ""),
            oab_text(f),
            str(f.get("processNumber", "")),
            reason_label(unit, f.get("reason")),
            str(f.get("text", "")),
        )
        if f.get("status") == ANSWERED:
            answered_items.append(
                AnsweredItem(
                    *head,
                    ANSWERED,
                    str(f.get("replyText", "")),
                    local(f["answeredAt"], zone),
                    str(f.get("answeredBy", "")),
                    bool(f.get("answeredOnTime")),
                )
            )
        else:
            open_items.append(OpenItem(*head, OPEN, deadline_clock(calendar, settings, due, now)))
    open_items.sort(key=lambda i: (i.due_at.isoformat(), i.protocol))
    answered_items.sort(key=lambda i: i.answered_at.isoformat(), reverse=True)
    return Inbox(
        UnitRef.of(unit),
        True,
        settings.response_hours,
        settings.opening_hours_only,
        InboxCounts.of(open_items),
        open_items,
        answered_items,
    )


@dataclass(frozen=True)
class ReplyResult:
    message_id: str
    status: str
    on_time: bool
    protocol: str


def reply(
    ctx: Context, unit_id: str, message_id: str, clerk: Principal, text: str, now: datetime
) -> ReplyResult:
    """A clerk answers; the citizen reads the reply on the status page. One reply per message."""
    unit = ctx.unit(unit_id)
    clerk.require_clerk(unit.id)
    channel_settings(unit)
    tid, key = message_key(message_id)
    if tid.unit_id != unit.id:
        raise NotFoundError("Mensagem não encontrada.")
    answer = clean_text(text, field="text", label="a resposta", max_len=REPLY_MAX, required=True)
    day = f"{now.astimezone(ZoneInfo(unit.timezone)):%Y%m%d}"
    outcome: list[ReplyResult] = []
    told: list[bool] = []
    records = ctx.messages

    def build() -> list[RowWrite]:
        row = get_message(records, message_id)
        if row.fields.get("status") == ANSWERED:
            raise ConflictError("Esta mensagem já foi respondida.")
        on_time = now <= datetime.fromisoformat(str(row.fields["dueAt"]))
        outcome[:] = [ReplyResult(message_id, ANSWERED, on_time, str(row.fields["protocol"]))]
        told[:] = [bool(record_contacts(row.fields))]
        fields = {
            "status": ANSWERED,
            "replyText": answer,
            "answeredAt": iso_utc(now),
            "answeredBy": clerk.email,
            "answeredOnTime": on_time,
        }
        counts = {"answered": 1, "answeredOnTime": 1} if on_time else {"answered": 1}
        return [RowWrite(key, fields, "merge", row.etag), count(records, unit.id, day, **counts)]

    commit_records(ctx, records, unit.id, build)
    if told[0]:  # told on the channels chosen when writing (a replay is sent once: its dedup key)
        queue_citizen_notice(ctx, "reply", message_id)
    return outcome[0]
