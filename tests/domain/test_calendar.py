"""Unit calendar: real examples (time zones of Brazil, split days, court calendars, closures, text)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from domain.calendar import ClosedReasonKind, UnitCalendar
from domain.closures import Closure, HolidayCalendar
from domain.court_calendar import build_unit_calendar
from domain.errors import InvalidInputError
from domain.hours import TimeRange, WeeklyHours, describe_weekly_hours, format_local_instant, parse_timezone

RIO_BRANCO = ZoneInfo("America/Rio_Branco")  # UTC−5
BRASILIA = ZoneInfo("America/Sao_Paulo")  # UTC−3
NORONHA = ZoneInfo("America/Noronha")  # UTC−2
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")
SPLIT_DAY = {day: [["09:00", "12:00"], ["13:00", "18:00"]] for day in WEEKDAYS}
US = timedelta(microseconds=1)


class FakeHolidaySource:
    """In-memory `RegionalHolidaySource`: national holidays plus per-state ones."""

    def __init__(
        self, national: Mapping[date, str], by_state: Mapping[str, Mapping[date, str]] | None = None
    ) -> None:
        self.national = dict(national)
        self.by_state = {k: dict(v) for k, v in (by_state or {}).items()}
        self.calls: list[tuple[str | None, int]] = []

    def regional_holidays(self, state: str | None, year: int) -> Mapping[date, str]:
        self.calls.append((state, year))
        table = {d: n for d, n in self.national.items() if d.year == year}
        table.update({d: n for d, n in self.by_state.get(state or "", {}).items() if d.year == year})
        return table


NATIONAL_2026_2027 = {
    date(2026, 12, 25): "Natal",
    date(2027, 1, 1): "Confraternização Universal",
    date(2027, 3, 26): "Sexta-feira Santa",
    date(2027, 4, 21): "Tiradentes",
    date(2027, 11, 2): "Finados",
}


def unit_calendar(
    zone: str = "America/Sao_Paulo",
    hours: Mapping[str, Any] | None = None,
    *,
    court: Mapping[str, Any] | None = None,
    source: FakeHolidaySource | None = None,
    **unit: Any,
) -> UnitCalendar:
    config = {"timezone": zone, "hours": SPLIT_DAY if hours is None else hours, **unit}
    return build_unit_calendar(config, court or {}, source)


def local(zone: ZoneInfo, year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=zone)


# ---- time zones ------------------------------------------------------------------------------------


def test_rio_branco_opens_at_13_utc_while_brasilia_is_already_open() -> None:
    hours = {day: [["08:00", "18:00"]] for day in WEEKDAYS}
    rio_branco = unit_calendar("America/Rio_Branco", hours)
    brasilia = unit_calendar("America/Sao_Paulo", hours)
    # Monday 30/11/2026, 12:30 UTC: 07:30 in Rio Branco, 09:30 in Brasília.
    t = datetime(2026, 11, 30, 12, 30, tzinfo=UTC)
    assert brasilia.is_open(t)
    assert not rio_branco.is_open(t)
    opening = rio_branco.next_opening(t)
    assert opening == datetime(2026, 11, 30, 13, 0, tzinfo=UTC)
    assert opening is not None and opening.utcoffset() == timedelta(hours=-5)
    assert (opening.hour, opening.minute) == (8, 0)
    assert not rio_branco.is_open(opening - US)
    assert rio_branco.is_open(opening)
    assert brasilia.next_closing(t) == datetime(2026, 11, 30, 21, 0, tzinfo=UTC)  # 18:00 in Brasília
    assert rio_branco.next_closing(t) == datetime(2026, 11, 30, 23, 0, tzinfo=UTC)  # 18:00 in Rio Branco
    assert rio_branco.next_opening_text(t) == "segunda-feira, 30/11/2026, às 08h00 (horário de Rio Branco)"
    assert rio_branco.closed_reason(t) is not None
    assert rio_branco.closed_reason(t).kind is ClosedReasonKind.OUTSIDE_HOURS  # type: ignore[union-attr]


def test_fernando_de_noronha_is_open_before_brasilia() -> None:
    hours = {day: [["08:00", "14:00"]] for day in WEEKDAYS}
    noronha = unit_calendar("America/Noronha", hours)
    brasilia = unit_calendar("America/Sao_Paulo", hours)
    t = datetime(2026, 12, 1, 10, 30, tzinfo=UTC)  # 08:30 in Noronha, 07:30 in Brasília
    assert noronha.is_open(t)
    assert not brasilia.is_open(t)
    assert brasilia.next_opening(t) == datetime(2026, 12, 1, 11, 0, tzinfo=UTC)
    assert noronha.next_closing(t) == datetime(2026, 12, 1, 16, 0, tzinfo=UTC)
    assert noronha.format_instant(t) == "terça-feira, 01/12/2026, às 08h30 (horário de Fernando de Noronha)"
    assert brasilia.format_instant(t) == "terça-feira, 01/12/2026, às 07h30 (horário de Brasília)"


def test_service_day_is_the_units_local_date() -> None:
    rio_branco = unit_calendar("America/Rio_Branco")
    t = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)  # still 30/11 at 22:00 in Rio Branco
    assert rio_branco.service_day(t) == date(2026, 11, 30)
    assert unit_calendar("America/Noronha").service_day(t) == date(2026, 12, 1)


def test_results_are_in_the_units_zone_whatever_the_zone_of_the_argument() -> None:
    calendar = unit_calendar("America/Rio_Branco")
    t_tokyo = datetime(2026, 11, 30, 21, 0, tzinfo=ZoneInfo("Asia/Tokyo"))  # 12:00 UTC
    opening = calendar.next_opening(t_tokyo)
    assert opening == local(RIO_BRANCO, 2026, 11, 30, 9, 0)
    assert opening is not None and opening.tzinfo == RIO_BRANCO


def test_naive_datetimes_are_refused() -> None:
    calendar = unit_calendar()
    with pytest.raises(ValueError, match="aware"):
        calendar.is_open(datetime(2026, 11, 30, 10, 0))


# ---- a day with 9–12 and 13–18 ---------------------------------------------------------------------


def test_split_day_closes_for_lunch() -> None:
    calendar = unit_calendar("America/Sao_Paulo")
    monday = date(2026, 11, 30)
    assert [(i.start.hour, i.end.hour) for i in calendar.intervals_on(monday)] == [(9, 12), (13, 18)]
    morning = local(BRASILIA, 2026, 11, 30, 10, 0)
    lunch = local(BRASILIA, 2026, 11, 30, 12, 30)
    assert calendar.is_open(morning)
    assert calendar.next_closing(morning) == local(BRASILIA, 2026, 11, 30, 12, 0)
    assert calendar.next_opening(morning) == local(BRASILIA, 2026, 11, 30, 13, 0)
    assert not calendar.is_open(local(BRASILIA, 2026, 11, 30, 12, 0))  # the end is exclusive
    assert calendar.is_open(local(BRASILIA, 2026, 11, 30, 9, 0))  # the start inclusive
    assert not calendar.is_open(lunch)
    assert calendar.next_opening(lunch) == local(BRASILIA, 2026, 11, 30, 13, 0)
    assert calendar.next_closing(lunch) == local(BRASILIA, 2026, 11, 30, 18, 0)
    assert calendar.closed_reason(lunch) is not None
    assert str(calendar.closed_reason(lunch)) == "fora do horário de atendimento"
    assert calendar.closed_reason(morning) is None


def test_friday_evening_next_opening_is_monday() -> None:
    calendar = unit_calendar("America/Sao_Paulo")
    friday_evening = local(BRASILIA, 2026, 12, 4, 18, 0)
    assert calendar.next_opening(friday_evening) == local(BRASILIA, 2026, 12, 7, 9, 0)
    assert calendar.next_closing(friday_evening) == local(BRASILIA, 2026, 12, 7, 12, 0)
    assert calendar.intervals_on(date(2026, 12, 5)) == ()


def test_touching_intervals_are_one_opening_even_across_midnight() -> None:
    hours = {"fri": [["08:00", "12:00"], ["12:00", "24:00"]], "sat": [["00:00", "06:00"]]}
    calendar = unit_calendar("America/Manaus", hours)
    manaus = ZoneInfo("America/Manaus")
    t = local(manaus, 2026, 12, 4, 10, 0)
    assert calendar.next_closing(t) == local(manaus, 2026, 12, 5, 6, 0)
    assert calendar.next_opening(t) == local(manaus, 2026, 12, 11, 8, 0)
    assert calendar.is_open(local(manaus, 2026, 12, 5, 0, 0))


def test_round_the_clock_unit_never_closes_within_the_search_window() -> None:
    calendar = unit_calendar(
        hours={day: [["00:00", "24:00"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    )
    t = local(BRASILIA, 2026, 11, 30, 3, 0)
    assert calendar.is_open(t)
    assert calendar.next_closing(t) is None
    assert calendar.next_opening(t) is None
    assert calendar.hours_text() == "Segunda a domingo, 24 horas"


def test_unit_without_hours_never_opens() -> None:
    calendar = unit_calendar(hours={})
    t = local(BRASILIA, 2026, 11, 30, 10, 0)
    assert not calendar.is_open(t)
    assert calendar.next_opening(t) is None
    assert calendar.next_closing(t) is None
    assert calendar.add_opening_time(t, timedelta(minutes=1)) is None
    assert calendar.hours_text() == "Sem horário de atendimento definido"
    assert calendar.closed_notice(t) == (
        "A unidade está fora do horário de atendimento. Não há abertura prevista nos próximos 400 dias."
    )


def test_search_is_bounded() -> None:
    closure = {
        "start": "2026-11-30T00:00-03:00",
        "end": "2028-03-01T00:00-03:00",
        "message": "Unidade em reforma.",
    }
    short = unit_calendar(closures=[closure])
    t = local(BRASILIA, 2026, 11, 30, 10, 0)
    assert short.next_opening(t) is None
    config = {"timezone": "America/Sao_Paulo", "hours": SPLIT_DAY, "closures": [closure]}
    long = build_unit_calendar(config, {}, None, search_days=500)
    assert long.next_opening(t) == local(BRASILIA, 2028, 3, 1, 9, 0)  # a Wednesday, 457 days later


# ---- court calendars -------------------------------------------------------------------------------


def test_federal_court_is_closed_on_carnival_2027_but_not_on_ash_wednesday() -> None:
    calendar = unit_calendar("America/Sao_Paulo", court={"calendar": "federal"})
    for day in (8, 9):  # Monday and Tuesday of Carnival 2027 (Easter is 28 March)
        t = local(BRASILIA, 2027, 2, day, 10, 0)
        assert not calendar.is_open(t)
        reason = calendar.closed_reason(t)
        assert reason is not None and reason.kind is ClosedReasonKind.HOLIDAY and reason.message == "Carnaval"
        assert calendar.intervals_on(date(2027, 2, day)) == ()
    assert calendar.next_opening(local(BRASILIA, 2027, 2, 8, 10, 0)) == local(BRASILIA, 2027, 2, 10, 9, 0)
    assert calendar.is_open(local(BRASILIA, 2027, 2, 5, 10, 0))


def test_state_court_keeps_carnival_open_unless_configured() -> None:
    t = local(BRASILIA, 2027, 2, 8, 10, 0)
    assert unit_calendar("America/Sao_Paulo", court={"calendar": "state"}).is_open(t)
    configured = unit_calendar(
        "America/Sao_Paulo", court={"calendar": "state", "holidays": [{"rule": "carnival"}]}
    )
    assert not configured.is_open(t)
    assert str(configured.closed_reason(t)) == "Carnaval"


def test_federal_recesso_from_20_december_to_6_january() -> None:
    source = FakeHolidaySource(NATIONAL_2026_2027)
    calendar = unit_calendar("America/Rio_Branco", court={"calendar": "federal"}, source=source)
    friday = local(RIO_BRANCO, 2026, 12, 18, 10, 0)
    assert calendar.is_open(friday)
    assert calendar.next_closing(friday) == local(RIO_BRANCO, 2026, 12, 18, 12, 0)
    evening = local(RIO_BRANCO, 2026, 12, 18, 19, 0)
    assert calendar.next_opening(evening) == local(RIO_BRANCO, 2027, 1, 7, 9, 0)
    assert str(calendar.closed_reason(local(RIO_BRANCO, 2026, 12, 21, 10, 0))) == "Recesso forense"
    assert str(calendar.closed_reason(local(RIO_BRANCO, 2026, 12, 25, 10, 0))) == "Natal; Recesso forense"
    assert str(calendar.closed_reason(local(RIO_BRANCO, 2027, 1, 6, 17, 0))) == "Recesso forense"
    assert calendar.opening_minutes_between(evening, local(RIO_BRANCO, 2027, 1, 7, 0, 0)) == 0
    assert calendar.closed_notice(local(RIO_BRANCO, 2026, 12, 22, 10, 0)) == (
        "A unidade não tem atendimento hoje (Recesso forense). "
        "Próxima abertura: quinta-feira, 07/01/2027, às 09h00 (horário de Rio Branco)."
    )


def test_federal_holy_week_2027_from_wednesday_to_easter_sunday() -> None:
    source = FakeHolidaySource(NATIONAL_2026_2027)
    calendar = unit_calendar("America/Sao_Paulo", court={"calendar": "federal"}, source=source)
    assert calendar.is_open(local(BRASILIA, 2027, 3, 23, 10, 0))  # Tuesday
    for day in (24, 25, 26):  # Wednesday, Thursday, Good Friday
        assert calendar.intervals_on(date(2027, 3, day)) == ()
    assert str(calendar.closed_reason(local(BRASILIA, 2027, 3, 24, 10, 0))) == "Semana Santa"
    assert (
        str(calendar.closed_reason(local(BRASILIA, 2027, 3, 26, 10, 0))) == "Sexta-feira Santa; Semana Santa"
    )
    assert calendar.next_opening(local(BRASILIA, 2027, 3, 23, 18, 0)) == local(BRASILIA, 2027, 3, 29, 9, 0)


def test_federal_fixed_days_of_lei_5010() -> None:
    calendar = unit_calendar("America/Sao_Paulo", court={"calendar": "federal"})
    for day, name in [
        (date(2027, 8, 11), "Dia do Advogado"),
        (date(2027, 11, 1), "Dia de Todos os Santos"),
        (date(2027, 11, 2), "Finados"),
        (date(2027, 12, 8), "Dia da Justiça"),
    ]:
        assert day.weekday() < 5
        assert calendar.holidays.name_on(day) == name
        assert calendar.intervals_on(day) == ()
    assert calendar.intervals_on(date(2027, 8, 12)) != ()


def test_state_holiday_from_the_source_closes_only_units_of_that_state() -> None:
    source = FakeHolidaySource(NATIONAL_2026_2027, {"AC": {date(2027, 6, 15): "Aniversário do Acre"}})
    acre = unit_calendar("America/Rio_Branco", state="AC", source=source)
    amazonas = unit_calendar("America/Manaus", state="AM", source=source)
    assert str(acre.closed_reason(local(RIO_BRANCO, 2027, 6, 15, 10, 0))) == "Aniversário do Acre"
    assert amazonas.is_open(datetime(2027, 6, 15, 10, 0, tzinfo=ZoneInfo("America/Manaus")))
    assert ("AC", 2027) in source.calls


def test_municipal_holidays_yearly_dated_ranges_and_easter_rules() -> None:
    calendar = unit_calendar(
        "America/Manaus",
        municipality="Manaus",
        holidays=[
            {"date": "10-24", "name": "Aniversário de Manaus"},
            {"date": "2027-05-28", "name": "Ponte de Corpus Christi"},
            {"date": "12-08"},
            {"rule": "corpus_christi"},
        ],
    )
    assert calendar.holidays.name_on(date(2028, 10, 24)) == "Aniversário de Manaus"
    assert calendar.holidays.name_on(date(2030, 10, 24)) == "Aniversário de Manaus"
    assert calendar.holidays.name_on(date(2027, 5, 28)) == "Ponte de Corpus Christi"
    assert calendar.holidays.name_on(date(2028, 5, 28)) is None
    assert calendar.holidays.name_on(date(2027, 12, 8)) == "Feriado municipal (Manaus)"
    assert calendar.holidays.name_on(date(2027, 5, 27)) == "Corpus Christi"


def test_a_state_court_may_configure_its_own_recesso() -> None:
    court = {"calendar": "state", "holidays": [{"date": "12-20", "end": "01-06", "name": "Recesso forense"}]}
    calendar = unit_calendar("America/Sao_Paulo", court=court)
    assert date(2026, 12, 31) in calendar.holidays
    assert date(2027, 1, 6) in calendar.holidays
    assert date(2027, 1, 7) not in calendar.holidays
    assert date(2026, 12, 19) not in calendar.holidays


# ---- closures --------------------------------------------------------------------------------------


def test_outage_closes_part_of_a_day_with_its_message() -> None:
    calendar = unit_calendar(
        "America/Sao_Paulo",
        closures=[
            {"start": "2026-12-01T10:00", "end": "2026-12-01T11:30", "message": "Instabilidade no sistema."}
        ],
    )
    assert calendar.is_open(local(BRASILIA, 2026, 12, 1, 9, 59))
    inside = local(BRASILIA, 2026, 12, 1, 10, 0)
    assert not calendar.is_open(inside)
    reason = calendar.closed_reason(inside)
    assert reason is not None and reason.kind is ClosedReasonKind.CLOSURE
    assert reason.message == "Instabilidade no sistema."
    assert calendar.next_closing(local(BRASILIA, 2026, 12, 1, 9, 0)) == local(BRASILIA, 2026, 12, 1, 10, 0)
    assert calendar.next_opening(inside) == local(BRASILIA, 2026, 12, 1, 11, 30)
    assert [
        (i.start.time().isoformat(), i.end.time().isoformat())
        for i in calendar.intervals_on(date(2026, 12, 1))
    ] == [
        ("09:00:00", "10:00:00"),
        ("11:30:00", "12:00:00"),
        ("13:00:00", "18:00:00"),
    ]
    assert calendar.closed_notice(inside) == (
        "Instabilidade no sistema. Próxima abertura: terça-feira, 01/12/2026, às 11h30 (horário de Brasília)."
    )


def test_ponto_facultativo_over_several_days_and_court_wide_closures() -> None:
    court = {
        "closures": [
            {
                "start": "2026-12-02T00:00-03:00",
                "end": "2026-12-03T00:00-03:00",
                "message": "Ponto facultativo.",
            }
        ]
    }
    calendar = unit_calendar("America/Rio_Branco", court=court)
    # The court's closure is an instant range: midnight in Brasília is 22:00 in Rio Branco.
    assert calendar.intervals_on(date(2026, 12, 2)) == ()
    assert [i.start.hour for i in calendar.intervals_on(date(2026, 12, 1))] == [9, 13]
    assert calendar.next_opening(local(RIO_BRANCO, 2026, 12, 1, 20, 0)) == local(
        RIO_BRANCO, 2026, 12, 3, 9, 0
    )


def test_closure_wins_over_hours_and_is_named_before_a_holiday() -> None:
    calendar = UnitCalendar(
        BRASILIA,
        WeeklyHours.from_config(SPLIT_DAY),
        HolidayCalendar(dates={date(2026, 12, 1): "Feriado de teste"}),
        (
            Closure(
                local(BRASILIA, 2026, 11, 30, 0, 0), local(BRASILIA, 2026, 12, 2, 0, 0), "Mudança de prédio."
            ),
        ),
    )
    assert str(calendar.closed_reason(local(BRASILIA, 2026, 12, 1, 10, 0))) == "Mudança de prédio."
    assert calendar.next_opening(local(BRASILIA, 2026, 11, 30, 10, 0)) == local(BRASILIA, 2026, 12, 2, 9, 0)


# ---- durations -------------------------------------------------------------------------------------


def test_opening_minutes_and_deadlines_count_only_opening_hours() -> None:
    calendar = unit_calendar("America/Rio_Branco", court={"calendar": "federal"})
    monday = local(RIO_BRANCO, 2026, 11, 30, 0, 0)
    assert calendar.opening_minutes_between(monday, monday + timedelta(days=7)) == 5 * 8 * 60
    assert calendar.opening_minutes_between(monday + timedelta(days=1), monday) == 0
    friday_17 = local(RIO_BRANCO, 2026, 12, 4, 17, 0)
    assert calendar.add_opening_time(friday_17, timedelta(hours=2)) == local(RIO_BRANCO, 2026, 12, 7, 10, 0)
    assert calendar.add_opening_time(friday_17, timedelta(hours=1)) == local(RIO_BRANCO, 2026, 12, 4, 18, 0)
    assert calendar.add_opening_time(friday_17, timedelta(0)) == friday_17
    # A deadline that reaches the recesso waits for 7 January.
    friday_before = local(RIO_BRANCO, 2026, 12, 18, 17, 0)
    assert calendar.add_opening_time(friday_before, timedelta(hours=1, minutes=30)) == local(
        RIO_BRANCO, 2027, 1, 7, 9, 30
    )
    with pytest.raises(ValueError):
        calendar.add_opening_time(friday_17, timedelta(minutes=-1))


def test_brazilian_dst_days_are_counted_in_real_time() -> None:
    hours = {"sat": [["22:00", "24:00"]], "sun": [["00:00", "06:00"]]}
    calendar = unit_calendar("America/Sao_Paulo", hours)
    # 4 Nov 2018: clocks jumped from 00:00 to 01:00; Sunday's 00:00–06:00 lasted 5 hours.
    sunday = date(2018, 11, 4)
    (interval,) = calendar.intervals_on(sunday)
    assert interval.duration == timedelta(hours=5)
    # 17 Feb 2019: clocks went back from 00:00 to 23:00 on Saturday, whose 22:00–24:00 lasted 3 hours.
    (saturday,) = calendar.intervals_on(date(2019, 2, 16))
    assert saturday.duration == timedelta(hours=3)
    sunday_end = calendar.next_closing(saturday.start)
    assert sunday_end == local(BRASILIA, 2019, 2, 17, 6, 0)
    assert calendar.opening_time_between(saturday.start, local(BRASILIA, 2019, 2, 18, 0, 0)) == timedelta(
        hours=9
    )


# ---- text ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("hours", "text"),
    [
        (SPLIT_DAY, "Segunda a sexta, das 9h às 12h e das 13h às 18h"),
        (
            {**SPLIT_DAY, "sat": [["08:00", "12:00"]]},
            "Segunda a sexta, das 9h às 12h e das 13h às 18h; sábado, das 8h às 12h",
        ),
        ({d: [["08:00", "14:00"]] for d in ("mon", "wed", "fri")}, "Segunda, quarta e sexta, das 8h às 14h"),
        (
            {
                "mon": [["07:30", "13:30"]],
                "tue": [["07:30", "13:30"]],
                "wed": [["12:00", "19:00"]],
                "thu": [["07:30", "13:30"]],
            },
            "Segunda, terça e quinta, das 7h30 às 13h30; quarta, das 12h às 19h",
        ),
        ({"sat": [["01:00", "05:00"]], "sun": [["01:00", "05:00"]]}, "Sábado e domingo, da 1h às 5h"),
        (
            {"seg": [["08:00", "12:00"]], "ter": [["08:00", "12:00"]], "qua": [["08:00", "12:00"]]},
            "Segunda a quarta, das 8h às 12h",
        ),
    ],
)
def test_hours_text_groups_equal_days(hours: Mapping[str, Any], text: str) -> None:
    assert describe_weekly_hours(WeeklyHours.from_config(hours)) == text


def test_format_local_instant_in_pt_br() -> None:
    t = datetime(2026, 11, 30, 13, 0, tzinfo=UTC)
    assert (
        format_local_instant(t, RIO_BRANCO) == "segunda-feira, 30/11/2026, às 08h00 (horário de Rio Branco)"
    )
    assert format_local_instant(t, BRASILIA) == "segunda-feira, 30/11/2026, às 10h00 (horário de Brasília)"
    assert (
        format_local_instant(t, ZoneInfo("America/Cuiaba"))
        == "segunda-feira, 30/11/2026, às 09h00 (horário de Cuiabá)"
    )
    assert (
        format_local_instant(t, ZoneInfo("Asia/Tokyo"), "Tóquio")
        == "segunda-feira, 30/11/2026, às 22h00 (horário de Tóquio)"
    )
    assert format_local_instant(datetime(2026, 12, 5, 4, 5, tzinfo=UTC), BRASILIA).startswith(
        "sábado, 05/12/2026, à 01h05"
    )


def test_timezone_label_can_be_configured() -> None:
    calendar = unit_calendar("America/Rio_Branco", timezone_label="Cruzeiro do Sul")
    text = calendar.format_instant(datetime(2026, 11, 30, 13, 0, tzinfo=UTC))
    assert text == "segunda-feira, 30/11/2026, às 08h00 (horário de Cruzeiro do Sul)"


# ---- validation ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("hours", "fragment", "field"),
    [
        (
            {"mon": [["08:00", "12:00"], ["11:00", "13:00"]]},
            "Intervalos sobrepostos em segunda-feira: 08:00–12:00 e 11:00–13:00",
            "hours.mon",
        ),
        ({"tue": [["12:00", "08:00"]]}, "o fim (08:00) deve ser posterior ao início (12:00)", "hours.tue"),
        ({"wed": [["09:00", "09:00"]]}, "deve ser posterior ao início", "hours.wed"),
        ({"thu": [["25:00", "26:00"]]}, "Horário inválido: '25:00'", "hours.thu"),
        ({"fri": [["8h", "12h"]]}, "Horário inválido: '8h'", "hours.fri"),
        ({"fri": [["08:60", "12:00"]]}, "Horário inválido", "hours.fri"),
        ({"sat": [["24:00", "24:00"]]}, "de 00:00 a 23:59", "hours.sat"),
        ({"monday": [["08:00", "12:00"]]}, "Dia da semana desconhecido: 'monday'", "hours.monday"),
        ({"mon": [["08:00", "12:00"]], "seg": [["13:00", "14:00"]]}, "aparece duas vezes", "hours.seg"),
        ({"mon": "08:00-12:00"}, "deve ser uma lista de intervalos", "hours.mon"),
        ({"mon": [["08:00"]]}, "Use um par", "hours.mon"),
        (["mon"], "dias da semana", "hours"),
    ],
)
def test_bad_hours_are_refused_with_a_clear_message(hours: object, fragment: str, field: str) -> None:
    with pytest.raises(InvalidInputError) as caught:
        WeeklyHours.from_config(hours)
    assert fragment in caught.value.message
    assert field in caught.value.fields


@pytest.mark.parametrize("key", ["Mars/Olympus_Mons", "", None, "../etc/passwd", "America/Sao Paulo"])
def test_unknown_time_zone_is_refused(key: object) -> None:
    with pytest.raises(InvalidInputError) as caught:
        parse_timezone(key)
    assert "fuso horário" in caught.value.message.lower()
    assert "timezone" in caught.value.fields


@pytest.mark.parametrize(
    ("unit", "court", "fragment"),
    [
        ({"state": "XX"}, {}, "Estado (UF) desconhecido: 'XX'"),
        ({}, {"calendar": "municipal"}, "Calendário de tribunal desconhecido"),
        ({"holidays": [{"date": "2027-13-01"}]}, {}, "Data de feriado inválida: '2027-13-01'"),
        ({"holidays": [{"date": "02-30"}]}, {}, "Data de feriado inválida: '02-30'"),
        ({"holidays": [{"name": "Sem data"}]}, {}, "Informe a data do feriado"),
        ({}, {"holidays": [{"rule": "pentecost"}]}, "Regra de feriado desconhecida: 'pentecost'"),
        (
            {"holidays": [{"date": "2027-01-10", "end": "2027-01-01"}]},
            {},
            "o fim (2027-01-01) é anterior ao início",
        ),
        ({"holidays": [{"date": "01-10", "end": "2027-01-11"}]}, {}, "mesmo formato"),
        ({"holidays": "10-24"}, {}, "devem ser uma lista"),
        (
            {"closures": [{"start": "2026-12-01T10:00", "end": "2026-12-01T09:00"}]},
            {},
            "fim (2026-12-01T09:00) deve ser posterior",
        ),
        ({"closures": [{"start": "ontem", "end": "2026-12-01T09:00"}]}, {}, "Data e hora inválidas: 'ontem'"),
        ({"closures": [{"end": "2026-12-01T09:00"}]}, {}, "ISO 8601"),
    ],
)
def test_bad_calendar_configuration_is_refused(
    unit: dict[str, Any], court: dict[str, Any], fragment: str
) -> None:
    with pytest.raises(InvalidInputError) as caught:
        build_unit_calendar({"timezone": "America/Sao_Paulo", "hours": SPLIT_DAY, **unit}, court, None)
    assert fragment in caught.value.message


def test_time_range_rejects_impossible_values() -> None:
    with pytest.raises(InvalidInputError):
        TimeRange(600, 600)
    with pytest.raises(InvalidInputError):
        TimeRange(0, 1441)
    assert str(TimeRange.parse("08:00", "24:00")) == "08:00–24:00"
