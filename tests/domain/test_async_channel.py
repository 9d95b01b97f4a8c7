"""The asynchronous channel's rules: text only, the length limit, and the deadline clock across closed
days (counting only opening hours when the unit says so)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.calendar import UnitCalendar
from domain.closures import HolidayCalendar
from domain.config import RESPONSE_HOURS_MAX, AsyncChannelConfig, UnitConfig
from domain.errors import InvalidInputError
from domain.hours import TimeRange, WeeklyHours
from domain.messages import MessageInput, deadline_clock, due_at, validate_message

MANAUS = ZoneInfo("America/Manaus")
HOURS = WeeklyHours(tuple((TimeRange(8 * 60, 14 * 60),) if d < 5 else () for d in range(7)))
CHRISTMAS = {date(2026, 12, 25): "Natal"}
CALENDAR = UnitCalendar(MANAUS, HOURS, HolidayCalendar(dates=CHRISTMAS))


def unit(**channel: object) -> UnitConfig:
    return UnitConfig.model_validate(
        {
            "id": "tjam-tefe-vu",
            "court": "tjam",
            "name": "Vara Única",
            "timezone": "America/Manaus",
            "asyncChannel": {"enabled": True, "maxLength": 500, **channel},
        }
    )


def message(
    text: str = "Bom dia. Gostaria de saber se a audiência de amanhã foi mantida.", **kw: object
) -> MessageInput:
    data: dict[str, object] = {
        "name": "Raimundo Nonato",
        "role": "parte",
        "reason": "orientacao",
        "consent": True,
    }
    data.update(kw)
    return MessageInput(text=text, **data)  # type: ignore[arg-type]


# ------------------------------------------------------------------------------------------------ text only


def test_a_plain_message_passes() -> None:
    clean = validate_message(unit(), message("Linha 1\n\nLinha 2 \u200b com  espaços"))
    assert clean.text == "Linha 1\n\nLinha 2 com espaços"


@pytest.mark.parametrize(
    ("kw", "field", "words"),
    [
        ({"attachments": 1}, "attachments", "anexos não são aceitos"),
        ({"text": "veja: data:application/pdf;base64,JVBERi0xLjQK"}, "text", "arquivo codificado"),
        ({"text": "<b>urgente</b> por favor"}, "text", "sem HTML"),
        ({"text": "clique <a href='x'>aqui</a>"}, "text", "sem HTML"),
        ({"text": "&lt;script&gt;"}, "text", "sem HTML"),
        ({"text": "x" * 501}, "text", "501 caracteres; o limite desta unidade é 500"),
        ({"text": "   "}, "text", "Escreva a sua mensagem"),
    ],
)
def test_attachments_html_and_over_long_text_are_refused_with_a_clear_message(
    kw: dict[str, object], field: str, words: str
) -> None:
    with pytest.raises(InvalidInputError) as refused:
        validate_message(unit(), message(**kw))  # type: ignore[arg-type]
    problem = refused.value
    assert field in problem.fields
    assert words in problem.message + json.dumps(problem.fields, ensure_ascii=False)


def test_a_limit_counts_characters_not_bytes() -> None:
    validate_message(unit(), message("á" * 500))  # 1000 bytes in UTF-8, 500 characters


def test_comparisons_and_arrows_are_not_html() -> None:
    validate_message(unit(), message("O prazo é < 5 dias e o valor > R$ 100 -> correto?"))


# ------------------------------------------------------------------------------------------------ deadline


def test_the_clock_stops_over_the_weekend_when_counting_opening_hours() -> None:
    settings = AsyncChannelConfig(responseHours=8, openingHoursOnly=True)
    friday_noon = datetime(2026, 12, 11, 12, 0, tzinfo=MANAUS)  # 2 h before closing
    due = due_at(CALENDAR, settings, friday_noon)
    assert due == datetime(2026, 12, 14, 14, 0, tzinfo=MANAUS)  # 2 h Friday + 6 h Monday
    wall = due_at(CALENDAR, AsyncChannelConfig(responseHours=8, openingHoursOnly=False), friday_noon)
    assert wall == datetime(2026, 12, 11, 20, 0, tzinfo=MANAUS)


def test_the_clock_skips_a_holiday() -> None:
    settings = AsyncChannelConfig(responseHours=12, openingHoursOnly=True)
    thursday = datetime(2026, 12, 24, 13, 0, tzinfo=MANAUS)  # 1 h left; Friday 25 is Christmas
    assert due_at(CALENDAR, settings, thursday) == datetime(2026, 12, 29, 13, 0, tzinfo=MANAUS)


def test_a_message_sent_while_closed_starts_counting_at_the_opening() -> None:
    settings = AsyncChannelConfig(responseHours=2, openingHoursOnly=True)
    saturday = datetime(2026, 12, 12, 9, 0, tzinfo=MANAUS)
    assert due_at(CALENDAR, settings, saturday) == datetime(2026, 12, 14, 10, 0, tzinfo=MANAUS)


def test_the_clerks_clock_counts_down_in_opening_hours_and_then_counts_the_delay() -> None:
    settings = AsyncChannelConfig(responseHours=8, openingHoursOnly=True)
    due = datetime(2026, 12, 14, 14, 0, tzinfo=MANAUS)
    saturday = deadline_clock(CALENDAR, settings, due, datetime(2026, 12, 12, 10, 0, tzinfo=MANAUS))
    assert (saturday.state, saturday.minutes_left) == ("on_time", 6 * 60)  # Monday's 6 hours
    assert saturday.text == "Restam 6h de expediente"
    soon = deadline_clock(CALENDAR, settings, due, datetime(2026, 12, 14, 12, 30, tzinfo=MANAUS))
    assert (soon.state, soon.minutes_left) == ("due_soon", 90)
    late = deadline_clock(CALENDAR, settings, due, datetime(2026, 12, 15, 9, 0, tzinfo=MANAUS))
    assert (late.state, late.minutes_left) == ("overdue", -60)  # closed overnight: 1 h of Tuesday
    assert late.text == "Prazo vencido há 1h de expediente"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 60 * 24 * 30), st.floats(0.25, RESPONSE_HOURS_MAX))
def test_the_deadline_leaves_exactly_the_stated_opening_time(offset_min: int, hours: float) -> None:
    received = datetime(2026, 12, 1, tzinfo=UTC) + timedelta(minutes=offset_min)
    settings = AsyncChannelConfig(responseHours=hours, openingHoursOnly=True)
    due = due_at(CALENDAR, settings, received)
    assert CALENDAR.opening_time_between(received, due) == timedelta(hours=hours)
    assert due.date() not in CALENDAR.holidays
    clock = deadline_clock(CALENDAR, settings, due, received)
    assert clock.state != "overdue" and abs(clock.minutes_left - hours * 60) <= 1
    assert deadline_clock(CALENDAR, settings, due, due).state == "overdue"
