"""The asynchronous channel's rules (Res. 372/2021 art. 2 §1): a unit in an area with poor connectivity
answers text messages within a stated time instead of (or besides) video.

- **Text only.** A message is plain text of at most `maxLength` characters. Attachments, files encoded
  in the text (`data:` URIs) and HTML are refused with a pt-BR problem that says why, *before* anything
  is stored. Every page shows the art. 4 notice: the Balcão Virtual does not receive petitions.
- **Deadline clock.** The unit states its response time (`responseHours`); with `openingHoursOnly` it
  counts only the unit's opening hours (weekly hours minus holidays and closures,
  `Calendar.add_opening_time`), so a message sent on a Friday afternoon is not overdue on Monday
  morning.

Records (`UnitRecords`, one partition per unit): `m.{YYYYMMDD}.{short}` the messages, `c.{YYYY}` the
protocol counter, `k.{YYYYMMDD}` the daily counts (received, answered, answered on time, became
overdue), each changed in the transaction of the message it counts.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from domain.config import AsyncChannelConfig, UnitConfig
from domain.contacts import PUSH_HOSTS, NoticeRequest, parse_notices
from domain.errors import InvalidInputError, NotFoundError
from domain.people import Person, PersonInput, Problems, check_person
from domain.ports import Calendar, Row, RowWrite, UnitRecords
from domain.records import record_key, require_record
from domain.tickets import TicketId
from domain.validation import clean_text, normalize_text

NOTICE = (
    "O Balcão Virtual não recebe petições nem documentos (Resolução CNJ nº 372/2021, art. 4º, "
    "parágrafo único): para peticionar, use o sistema de processo eletrônico do tribunal. Este canal "
    "recebe apenas mensagens de texto, sem anexos, para dúvidas e orientações da unidade."
)
ATTACHMENTS_REFUSED = (
    "Este canal recebe apenas texto: anexos não são aceitos. Petições e documentos devem ser enviados "
    "pelo sistema de processo eletrônico do tribunal."
)

# Tags, comments and entities of HTML; the text is shown as text anyway, but a message that carries
# markup was not written for this channel (and is refused rather than silently changed).
_HTML = re.compile(r"<\s*/?\s*[A-Za-z!][^<>]*>|&(#\d+|#x[0-9A-Fa-f]+|[A-Za-z]{2,8});")
_DATA_URI = re.compile(r"data:[\w.+-]+/[\w.+-]+;base64,", re.IGNORECASE)


@dataclass(frozen=True)
class MessageInput(PersonInput):
    text: str = ""
    attachments: int = 0  # how many attachments the request tried to send (always refused)
    notices: tuple[NoticeRequest, ...] = ()  # how to be told of the reply (issue 13)


@dataclass(frozen=True)
class Message:
    person: Person
    text: str
    contacts: Mapping[str, str] = field(default_factory=dict)  # channel → contact (personal data)


def channel_settings(unit: UnitConfig) -> AsyncChannelConfig:
    """The unit's channel, or NotFoundError when it does not answer messages."""
    if not (unit.active and unit.async_channel.enabled):
        raise NotFoundError("Esta unidade não atende por mensagens (canal assíncrono).")
    return unit.async_channel


def validate_message(
    unit: UnitConfig,
    data: MessageInput,
    offered: Collection[str] = (),
    push_hosts: Collection[str] = PUSH_HOSTS,
) -> Message:
    """The message as it will be stored, or InvalidInputError naming every problem. Pure: nothing is
    read or written before this passes. `offered`: the notice channels the unit offers (the reply)."""
    settings = channel_settings(unit)
    if data.attachments:
        raise InvalidInputError(ATTACHMENTS_REFUSED, fields={"attachments": "anexos não são aceitos"})
    text = text_only(data.text or "", settings.max_length, "o limite desta unidade é")
    problems = Problems()
    person = check_person(unit, data, problems)
    no_contacts: dict[str, str] = {}
    contacts = problems.check(
        lambda: parse_notices(data.notices, offered, push_hosts), "notices", no_contacts
    )
    problems.raise_if_any()
    return Message(person, text, contacts)


def text_only(raw: str, max_length: int, limit: str) -> str:
    """A text as it will be stored, or InvalidInputError: no encoded file, no HTML, not empty, at most
    `max_length` characters. The channel's refusal rules, shared by the attendance by chat."""
    raw = normalize_text(raw)  # the rules below see what would be stored (issue 16)
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
    if len(text) > max_length:
        raise InvalidInputError(
            f"A mensagem tem {len(text):,} caracteres; {limit} {max_length:,}. Resuma o texto.".replace(
                ",", "."
            ),
            fields={"text": f"no máximo {max_length} caracteres"},
        )
    return text


# ------------------------------------------------------------------------------------------------
# The deadline clock


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
        return Clock("overdue", -late, f"Prazo vencido há {duration_text(late)}{unit_word}")
    total = settings.response_hours * 60
    state = "due_soon" if left <= total / 4 else "on_time"
    return Clock(state, minutes, f"Restam {duration_text(minutes)}{unit_word}")


def duration_text(minutes: int) -> str:
    """`2h05`, `3h`, `40 min`"""
    hours, mins = divmod(max(0, minutes), 60)
    if hours and mins:
        return f"{hours}h{mins:02d}"
    if hours:
        return f"{hours}h"
    return f"{mins} min"


# ------------------------------------------------------------------------------------------------
# Records


def message_key(message_id: str) -> tuple[TicketId, str]:
    return record_key("m", message_id)


def get_message(records: UnitRecords, message_id: str) -> Row:
    return require_record(records, "m", message_id, "Mensagem não encontrada.")


def count(records: UnitRecords, unit_id: str, day: str, **increments: int) -> RowWrite:
    """The daily counts of `day` with `increments` added (guarded by the counts' ETag)."""
    row = records.get(unit_id, f"k.{day}")
    fields = {k: int(v) for k, v in (row.fields if row else {}).items() if isinstance(v, int)}
    for name, n in increments.items():
        fields[name] = fields.get(name, 0) + n
    if row is None:
        return RowWrite(f"k.{day}", fields, "create")
    return RowWrite(row.key, fields, "replace", row.etag)
