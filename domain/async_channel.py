"""The asynchronous channel (Res. 372/2021 art. 2 §1): a unit in an area with poor connectivity answers
text messages within a stated time instead of (or besides) video.

- **Text only.** A message is plain text of at most `maxLength` characters. Attachments, files encoded
  in the text (`data:` URIs) and HTML are refused with a pt-BR problem that says why, *before* anything
  is stored. Every page shows the art. 4 notice: the Balcão Virtual does not receive petitions.
- **Protocol.** Each message gets a protocol number, gapless per unit and year
  (`TJAM-TEFE-VU-2026-000042`), and a token (an HMAC of the message id, as a ticket's): the
  citizen's status page reads the message and, once given, the reply. Message ids have the shape of
  ticket ids (`{unit}.{YYYYMMDD}.{short}`), so the citizen's routes live under `/api/tickets/...`.
- **Deadline clock.** The unit states its response time (`responseHours`); with `openingHoursOnly` it
  counts only the unit's opening hours (weekly hours minus holidays and closures,
  `Calendar.add_opening_time`), so a message sent on a Friday afternoon is not overdue on Monday
  morning. Clerks see, for each open message, the deadline and the time left (or how late it is).
- **Overdue.** The minute timer alerts the unit's Teams channel once per overdue message
  (`async_overdue` card, no citizen data) and counts it.
- **Counts.** Per unit and local day (`k.{YYYYMMDD}`): received, answered, answered on time, became
  overdue. Each count changes in the same transaction as the message it counts, so it is exact
  (`async_indicators` reads them for the indicators API).

Storage (`UnitRecords`, one partition per unit): `m.{YYYYMMDD}.{short}` the messages,
`c.{YYYY}` the protocol counter, `k.{YYYYMMDD}` the daily counts.
"""

from __future__ import annotations

import random
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from domain.auth import Principal
from domain.config import AsyncChannelConfig, Configuration, UnitConfig
from domain.errors import (
    ConcurrentUpdateError,
    ConflictError,
    ForbiddenError,
    InvalidInputError,
    NotFoundError,
)
from domain.ports import Calendar, Row, RowWrite, UnitRecords
from domain.records import record_key, require_record
from domain.services import NOTIFY_QUEUE, ROLES, Services, _now_iso, _oab_text
from domain.tickets import TicketId
from domain.validation import clean_text, normalize_oab, normalize_process_number

MAX_ATTEMPTS = 30
MAX_REPLY = 5000

NOTICE = (
    "O Balcão Virtual não recebe petições nem documentos (Resolução CNJ nº 372/2021, art. 4º, "
    "parágrafo único): para peticionar, use o sistema de processo eletrônico do tribunal. Este canal "
    "recebe apenas mensagens de texto, sem anexos, para dúvidas e orientações da unidade."
)

# Tags, comments and entities of HTML; the text is shown as text anyway, but a message that carries
# markup was not written for this channel (and is refused rather than silently changed).
_HTML = re.compile(r"<\s*/?\s*[A-Za-z!][^<>]*>|&(#\d+|#x[0-9A-Fa-f]+|[A-Za-z]{2,8});")
_DATA_URI = re.compile(r"data:[\w.+-]+/[\w.+-]+;base64,", re.IGNORECASE)


@dataclass(frozen=True)
class MessageInput:
    name: str
    role: str
    reason: str
    text: str
    consent: bool
    oab_number: str = ""
    oab_state: str = ""
    process_number: str = ""
    attachments: int = 0  # how many attachments the request tried to send (always refused)


def _settings(unit: UnitConfig) -> AsyncChannelConfig:
    if not (unit.active and unit.async_channel.enabled):
        raise NotFoundError("Esta unidade não atende por mensagens (canal assíncrono).")
    return unit.async_channel


def validate_message(unit: UnitConfig, data: MessageInput) -> dict[str, Any]:
    """The message as it will be stored, or InvalidInputError naming every problem. Pure: nothing is
    read or written before this passes."""
    settings = _settings(unit)
    problems: dict[str, str] = {}
    out: dict[str, Any] = {}
    if data.attachments:
        raise InvalidInputError(
            "Este canal recebe apenas texto: anexos não são aceitos. Petições e documentos devem ser "
            "enviados pelo sistema de processo eletrônico do tribunal.",
            fields={"attachments": "anexos não são aceitos"},
        )
    raw = data.text or ""
    if _DATA_URI.search(raw):
        raise InvalidInputError(
            "Este canal recebe apenas texto: a mensagem contém um arquivo codificado, e anexos não são "
            "aceitos.",
            fields={"text": "arquivo codificado no texto"},
        )
    if _HTML.search(raw):
        raise InvalidInputError(
            "Envie apenas texto, sem marcações HTML (como <b> ou <a>).",
            fields={"text": "envie apenas texto, sem HTML"},
        )
    text = clean_text(raw, field="text", label="a mensagem", max_len=10**6, required=False)
    if not text:
        raise InvalidInputError("Escreva a sua mensagem.", fields={"text": "campo obrigatório"})
    if len(text) > settings.max_length:
        raise InvalidInputError(
            f"A mensagem tem {len(text):,} caracteres; o limite desta unidade é {settings.max_length:,}. "
            "Resuma o texto.".replace(",", "."),
            fields={"text": f"no máximo {settings.max_length} caracteres"},
        )
    out["text"] = text

    def check(fn: Callable[[], Any], key: str) -> None:
        try:
            out[key] = fn()
        except InvalidInputError as exc:
            problems.update(exc.fields or {key: exc.message})

    check(lambda: clean_text(data.name, field="name", label="seu nome", max_len=120, required=True), "name")
    if data.role not in ROLES:
        problems["role"] = "escolha parte, advogado ou outro"
    out["role"] = data.role
    out["oab"] = ("", "")
    if data.role == "advogado":
        check(lambda: normalize_oab(data.oab_number, data.oab_state), "oab")
    out["processNumber"] = ""
    if data.process_number.strip():
        check(lambda: normalize_process_number(data.process_number), "processNumber")
    if data.reason not in {r.id for r in unit.reasons}:
        problems["reason"] = "escolha um dos assuntos da lista"
    out["reason"] = data.reason
    if not data.consent:
        problems["consent"] = "é preciso concordar com o uso dos dados para o atendimento"
    if problems:
        first = next(iter(problems))
        raise InvalidInputError(f"Verifique os dados informados ({first}).", fields=problems)
    return out


# ------------------------------------------------------------------------------------------------
# The deadline clock (pure)


def due_at(calendar: Calendar, settings: AsyncChannelConfig, received: datetime) -> datetime:
    """When the answer is due: `responseHours` after receipt, in opening hours if so configured."""
    span = timedelta(hours=settings.response_hours)
    if settings.opening_hours_only:
        due = calendar.add_opening_time(received, span)
        if due is not None:
            return due
    return received + span


@dataclass(frozen=True)
class Clock:
    """Where a message stands against its deadline at an instant."""

    state: str  # "on_time" | "due_soon" (a quarter or less of the time left) | "overdue"
    minutes_left: int  # negative when overdue: how late (opening minutes if the unit counts those)
    text: str  # pt-BR


def deadline_clock(calendar: Calendar, settings: AsyncChannelConfig, due: datetime, now: datetime) -> Clock:
    overdue = now >= due
    if settings.opening_hours_only:
        left = (
            calendar.opening_minutes_between(now, due)
            if not overdue
            else -calendar.opening_minutes_between(due, now)
        )
        unit_word = " de expediente"
    else:
        left = (due - now).total_seconds() / 60
        unit_word = ""
    minutes = int(left) if left >= 0 else -int(-left)
    if overdue:
        late = max(0, -minutes)
        return Clock("overdue", -late, f"Prazo vencido há {_duration(late)}{unit_word}")
    total = settings.response_hours * 60
    state = "due_soon" if left <= total / 4 else "on_time"
    return Clock(state, minutes, f"Restam {_duration(minutes)}{unit_word}")


def _duration(minutes: int) -> str:
    hours, mins = divmod(max(0, minutes), 60)
    if hours and mins:
        return f"{hours}h{mins:02d}"
    if hours:
        return f"{hours}h"
    return f"{mins} min"


# ------------------------------------------------------------------------------------------------
# Use cases


def _message_key(message_id: str) -> tuple[TicketId, str]:
    return record_key("m", message_id)


def _get(records: UnitRecords, message_id: str) -> Row:
    return require_record(records, "m", message_id, "Mensagem não encontrada.")


def _count(records: UnitRecords, unit_id: str, day: str, **increments: int) -> RowWrite:
    """The daily counts of `day` with `increments` added (guarded by the counts' ETag)."""
    row = records.get(unit_id, f"k.{day}")
    fields = {k: int(v) for k, v in (row.fields if row else {}).items() if isinstance(v, int)}
    for name, n in increments.items():
        fields[name] = fields.get(name, 0) + n
    if row is None:
        return RowWrite(f"k.{day}", fields, "create")
    return RowWrite(row.key, fields, "replace", row.etag)


def _commit_retrying(records: UnitRecords, unit_id: str, build: Callable[[], list[RowWrite]]) -> None:
    for attempt in range(MAX_ATTEMPTS):
        writes = build()
        try:
            records.commit(unit_id, writes)
            return
        except ConcurrentUpdateError:
            time.sleep(random.uniform(0, min(0.2, 0.005 * 2 ** min(attempt, 6))))
    raise ConcurrentUpdateError()


@dataclass(frozen=True)
class Sent:
    message_id: str
    protocol: str
    token: str
    status_url: str
    due_at: datetime

    def to_json(self) -> dict[str, Any]:
        return {
            "messageId": self.message_id,
            "protocol": self.protocol,
            "token": self.token,
            "statusUrl": self.status_url,
            "dueAt": self.due_at.isoformat(),
            "status": "open",
            "notice": NOTICE,
        }


def channel_info(svc: Services, unit_id: str) -> dict[str, Any]:
    """What the citizen's page shows before the form: the notice, the response time, the limit."""
    unit = svc.unit(unit_id)
    settings = unit.async_channel
    enabled = unit.active and settings.enabled
    hours = f"{settings.response_hours:g}".replace(".", ",")
    counting = " de expediente" if settings.opening_hours_only else ""
    return {
        "unit": {"id": unit.id, "name": unit.name},
        "enabled": enabled,
        "notice": NOTICE,
        "responseHours": settings.response_hours,
        "openingHoursOnly": settings.opening_hours_only,
        "responseTimeText": f"Resposta em até {hours} horas{counting}." if enabled else "",
        "maxLength": settings.max_length,
        "reasons": [{"id": r.id, "label": r.label} for r in unit.reasons],
        "hoursText": svc.calendar_for(unit).hours_text(),
    }


def send_message(
    svc: Services, records: UnitRecords, unit_id: str, data: MessageInput, now: datetime
) -> Sent:
    """Validate (nothing stored if it fails), number the protocol, and store the message with its
    deadline and the day's count in one transaction."""
    unit = svc.unit(unit_id)
    settings = _settings(unit)
    clean = validate_message(unit, data)
    zone = ZoneInfo(unit.timezone)
    local = now.astimezone(zone)
    day, year = f"{local:%Y%m%d}", f"{local:%Y}"
    due = due_at(svc.calendar_for(unit), settings, now)
    tid = TicketId.new(unit.id, local.date())
    protocol: list[str] = []

    def build() -> list[RowWrite]:
        counter = records.get(unit.id, f"c.{year}")
        seq = int(counter.fields.get("value", 0) if counter else 0) + 1
        protocol[:] = [f"{unit.id.upper()}-{year}-{seq:06d}"]
        count = (
            RowWrite(f"c.{year}", {"value": seq}, "create")
            if counter is None
            else RowWrite(counter.key, {"value": seq}, "replace", counter.etag)
        )
        fields = {
            "messageId": str(tid),
            "protocol": protocol[0],
            "status": "open",
            "receivedAt": _now_iso(now),
            "dueAt": _now_iso(due),
            "name": clean["name"],
            "role": clean["role"],
            "oabNumber": clean["oab"][0],
            "oabState": clean["oab"][1],
            "processNumber": clean["processNumber"],
            "reason": clean["reason"],
            "text": clean["text"],
            "overdueAlerted": False,
        }
        return [
            count,
            _count(records, unit.id, day, received=1),
            RowWrite(f"m.{day}.{tid.short}", fields, "create"),
        ]

    _commit_retrying(records, unit.id, build)
    message_id = str(tid)
    return Sent(
        message_id,
        protocol[0],
        svc.keys.sign(message_id),
        f"{svc.public_base_url}/api/tickets/{message_id}/message",
        due.astimezone(zone),
    )


def message_view(svc: Services, records: UnitRecords, message_id: str, token: str) -> dict[str, Any]:
    """The citizen's view: the protocol, what they sent, the deadline, and the reply once given."""
    tid, _ = _message_key(message_id)
    svc.keys.verify(message_id, token)
    unit = svc.unit(tid.unit_id)
    f = _get(records, message_id).fields
    zone = ZoneInfo(unit.timezone)
    calendar = svc.calendar_for(unit)
    due = datetime.fromisoformat(str(f["dueAt"]))
    answered = f.get("status") == "answered"
    return {
        "messageId": message_id,
        "protocol": f["protocol"],
        "unit": {"id": unit.id, "name": unit.name},
        "status": "answered" if answered else "open",
        "statusText": "Respondida" if answered else "Aguardando resposta da unidade",
        "receivedAt": _local(f["receivedAt"], zone),
        "dueAt": due.astimezone(zone).isoformat(),
        "dueText": calendar.format_instant(due),
        "reason": _reason_label(unit, f.get("reason")),
        "text": f.get("text", ""),
        "reply": {"text": f.get("replyText", ""), "answeredAt": _local(f["answeredAt"], zone)}
        if answered
        else None,
        "notice": NOTICE,
    }


def _local(value: Any, zone: ZoneInfo) -> str:
    return datetime.fromisoformat(str(value)).astimezone(zone).isoformat()


def _reason_label(unit: UnitConfig, reason: Any) -> str:
    return next((r.label for r in unit.reasons if r.id == reason), str(reason or ""))


def inbox(
    svc: Services, records: UnitRecords, unit_id: str, clerk: Principal, now: datetime, days: int = 30
) -> dict[str, Any]:
    """The clerks' inbox: every open message (oldest deadline first) with its deadline clock, then the
    messages answered in the last `days` days."""
    unit = svc.unit(unit_id)
    clerk.require_clerk(unit.id)
    head: dict[str, Any] = {"unit": {"id": unit.id, "name": unit.name}}
    if not (unit.active and unit.async_channel.enabled):
        return {**head, "enabled": False, "open": [], "answered": [], "counts": {}}
    settings = unit.async_channel
    zone = ZoneInfo(unit.timezone)
    calendar = svc.calendar_for(unit)
    since = now.astimezone(zone).date() - timedelta(days=days)
    rows = {r.key: r for r in records.query(unit.id, "m.", "m.~", where={"status": "open"})}
    rows.update({r.key: r for r in records.query(unit.id, f"m.{since:%Y%m%d}", "m.~")})
    open_items, answered_items = [], []
    for row in rows.values():
        f = row.fields
        due = datetime.fromisoformat(str(f["dueAt"]))
        item: dict[str, Any] = {
            "messageId": f["messageId"],
            "protocol": f["protocol"],
            "receivedAt": _local(f["receivedAt"], zone),
            "dueAt": due.astimezone(zone).isoformat(),
            "dueText": calendar.format_instant(due),
            "name": f.get("name", ""),
            "role": ROLES.get(str(f.get("role", "")), ""),
            "oab": _oab_text(f),
            "processNumber": f.get("processNumber", ""),
            "reason": _reason_label(unit, f.get("reason")),
            "text": f.get("text", ""),
        }
        if f.get("status") == "answered":
            item.update(
                status="answered",
                reply=f.get("replyText", ""),
                answeredAt=_local(f["answeredAt"], zone),
                answeredBy=f.get("answeredBy", ""),
                answeredOnTime=bool(f.get("answeredOnTime")),
            )
            answered_items.append(item)
        else:
            clock = deadline_clock(calendar, settings, due, now)
            item.update(
                status="open",
                deadline={"state": clock.state, "minutesLeft": clock.minutes_left, "text": clock.text},
            )
            open_items.append(item)
    open_items.sort(key=lambda i: (i["dueAt"], i["protocol"]))
    answered_items.sort(key=lambda i: i["answeredAt"], reverse=True)
    return {
        **head,
        "enabled": True,
        "responseHours": settings.response_hours,
        "openingHoursOnly": settings.opening_hours_only,
        "counts": {
            "open": len(open_items),
            "overdue": sum(1 for i in open_items if i["deadline"]["state"] == "overdue"),
            "dueSoon": sum(1 for i in open_items if i["deadline"]["state"] == "due_soon"),
        },
        "open": open_items,
        "answered": answered_items,
    }


def reply(
    svc: Services,
    records: UnitRecords,
    unit_id: str,
    message_id: str,
    clerk: Principal,
    text: str,
    now: datetime,
) -> dict[str, Any]:
    """A clerk answers; the citizen reads the reply on the status page. One reply per message."""
    unit = svc.unit(unit_id)
    clerk.require_clerk(unit.id)
    _settings(unit)
    tid, key = _message_key(message_id)
    if tid.unit_id != unit.id:
        raise NotFoundError("Mensagem não encontrada.")
    answer = clean_text(text, field="text", label="a resposta", max_len=MAX_REPLY, required=True)
    day = f"{now.astimezone(ZoneInfo(unit.timezone)):%Y%m%d}"
    outcome: dict[str, Any] = {}

    def build() -> list[RowWrite]:
        row = _get(records, message_id)
        if row.fields.get("status") == "answered":
            raise ConflictError("Esta mensagem já foi respondida.")
        on_time = now <= datetime.fromisoformat(str(row.fields["dueAt"]))
        outcome.update(onTime=on_time, protocol=row.fields["protocol"])
        fields = {
            "status": "answered",
            "replyText": answer,
            "answeredAt": _now_iso(now),
            "answeredBy": clerk.email,
            "answeredOnTime": on_time,
        }
        counts = {"answered": 1, "answeredOnTime": 1} if on_time else {"answered": 1}
        return [RowWrite(key, fields, "merge", row.etag), _count(records, unit.id, day, **counts)]

    _commit_retrying(records, unit.id, build)
    return {"messageId": message_id, "status": "answered", **outcome}


# ------------------------------------------------------------------------------------------------
# Overdue messages (minute timer) and the indicators


def run_overdue(svc: Services, records: UnitRecords, now: datetime) -> int:
    """Alert each unit's Teams channel once per message that passed its deadline unanswered, and count
    it on the day it became overdue. Returns how many became overdue in this pass."""
    total = 0
    for unit in svc.config().units:
        if not (unit.active and unit.async_channel.enabled):
            continue
        zone = ZoneInfo(unit.timezone)
        calendar = svc.calendar_for(unit)
        for row in records.query(unit.id, "m.", "m.~", where={"status": "open", "overdueAlerted": False}):
            due = datetime.fromisoformat(str(row.fields["dueAt"]))
            if now < due:
                continue
            late = deadline_clock(calendar, unit.async_channel, due, now)
            svc.bus.send(
                NOTIFY_QUEUE,
                {
                    "kind": "async_overdue",
                    "unitId": unit.id,
                    "dedupKey": f"overdue.{row.key}",
                    "protocol": row.fields["protocol"],
                    "received_at_text": calendar.format_instant(
                        datetime.fromisoformat(str(row.fields["receivedAt"]))
                    ),
                    "due_at_text": calendar.format_instant(due),
                    "overdue_text": late.text,
                },
            )
            if _mark_overdue(records, unit.id, row.key, f"{due.astimezone(zone):%Y%m%d}", now):
                total += 1
    return total


def _mark_overdue(records: UnitRecords, unit_id: str, key: str, day: str, now: datetime) -> bool:
    marked = [False]

    def build() -> list[RowWrite]:
        row = records.get(unit_id, key)
        if row is None or row.fields.get("status") != "open" or row.fields.get("overdueAlerted"):
            marked[0] = False
            return []
        marked[0] = True
        return [
            RowWrite(key, {"overdueAlerted": True, "overdueAt": _now_iso(now)}, "merge", row.etag),
            _count(records, unit_id, day, overdue=1),
        ]

    _commit_retrying(records, unit_id, build)
    return marked[0]


COUNTS = ("received", "answered", "answeredOnTime", "overdue")


def async_indicators(
    config: Configuration,
    records: UnitRecords,
    units: tuple[UnitConfig, ...],
    now: datetime,
    days: int,
) -> dict[str, Any]:
    """Counts of the last `days` local days (today included) for the given units (already filtered by
    what the caller may read), per unit and in total, plus what is open and overdue now."""
    if days < 1 or days > 366:
        raise InvalidInputError("Período inválido.", fields={"days": "de 1 a 366 dias"})
    total = dict.fromkeys((*COUNTS, "openNow", "overdueNow"), 0)
    per_unit = []
    for unit in units:
        if not unit.async_channel.enabled:
            continue
        today = now.astimezone(ZoneInfo(unit.timezone)).date()
        first = today - timedelta(days=days - 1)
        sums = dict.fromkeys(COUNTS, 0)
        for row in records.query(unit.id, f"k.{first:%Y%m%d}", f"k.{today:%Y%m%d}"):
            for name in COUNTS:
                sums[name] += int(row.fields.get(name, 0) or 0)
        open_rows = records.query(unit.id, "m.", "m.~", where={"status": "open"})
        sums["openNow"] = len(open_rows)
        sums["overdueNow"] = sum(
            1 for r in open_rows if now >= datetime.fromisoformat(str(r.fields["dueAt"]))
        )
        for name, n in sums.items():
            total[name] += n
        per_unit.append({"unit": {"id": unit.id, "name": unit.name}, **sums, "from": first.isoformat()})
    return {"days": days, "to": now.astimezone(UTC).date().isoformat(), "total": total, "units": per_unit}


def readable_units(config: Configuration, who: Principal, court: str, unit: str) -> tuple[UnitConfig, ...]:
    """The units whose indicators `who` may read (the same rule as the other indicators)."""
    if unit:
        found = config.unit(unit)
        if found is None:
            raise NotFoundError("Unidade não encontrada.")
        if not who.can_read_unit(found.id, found.court):
            raise ForbiddenError("Você não tem acesso aos indicadores desta unidade.")
        return (found,)
    units = tuple(
        u for u in config.units if (not court or u.court == court) and who.can_read_unit(u.id, u.court)
    )
    if not units:
        raise ForbiddenError("Você não tem acesso a estes indicadores.")
    return units
