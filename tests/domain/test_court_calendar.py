"""Court calendar rules: Easter, Lei 5.010/1966 art. 62, holiday entries from configuration."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from dateutil.easter import easter as reference_easter  # test-only oracle (a dependency of `holidays`)
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.court_calendar import (
    DateRangeHoliday,
    EasterHoliday,
    YearlyHoliday,
    easter_sunday,
    federal_justice_holidays,
    parse_holiday_entry,
    rules_source,
)


@pytest.mark.parametrize(
    ("year", "expected"),
    [
        (1818, date(1818, 3, 22)),  # earliest possible
        (1943, date(1943, 4, 25)),  # latest possible
        (2000, date(2000, 4, 23)),
        (2024, date(2024, 3, 31)),
        (2025, date(2025, 4, 20)),
        (2026, date(2026, 4, 5)),
        (2027, date(2027, 3, 28)),
        (2038, date(2038, 4, 25)),
    ],
)
def test_easter_known_years(year: int, expected: date) -> None:
    assert easter_sunday(year) == expected


@settings(max_examples=300, deadline=None)
@given(st.integers(1583, 4099))
def test_easter_agrees_with_dateutil(year: int) -> None:
    easter = easter_sunday(year)
    assert easter == reference_easter(year)
    assert easter.weekday() == 6


def test_federal_justice_2027() -> None:
    table = federal_justice_holidays(2027)
    recesso = {d for d, name in table.items() if name == "Recesso forense"}
    assert recesso == {date(2027, 1, d) for d in range(1, 7)} | {date(2027, 12, d) for d in range(20, 32)}
    assert {d for d, n in table.items() if n == "Carnaval"} == {date(2027, 2, 8), date(2027, 2, 9)}
    assert {d for d, n in table.items() if n == "Semana Santa"} == {date(2027, 3, d) for d in range(24, 29)}
    assert table[date(2027, 8, 11)] == "Dia do Advogado"
    assert table[date(2027, 11, 1)] == "Dia de Todos os Santos"
    assert table[date(2027, 11, 2)] == "Finados"
    assert table[date(2027, 12, 8)] == "Dia da Justiça"
    assert len(table) == 18 + 2 + 5 + 4
    assert all(d.year == 2027 for d in table)


def test_federal_carnival_2026_and_holy_week_2026() -> None:
    table = federal_justice_holidays(2026)
    assert table[date(2026, 2, 16)] == table[date(2026, 2, 17)] == "Carnaval"
    assert date(2026, 2, 18) not in table  # Ash Wednesday is not in art. 62
    assert {d for d, n in table.items() if n == "Semana Santa"} == {date(2026, 4, d) for d in range(1, 6)}


def test_yearly_ranges_cross_new_year_and_respect_leap_days() -> None:
    recesso = YearlyHoliday(12, 20, 1, 6, "Recesso")
    assert recesso.dates_in(2027)[:6] == [date(2027, 1, d) for d in range(1, 7)]
    assert recesso.dates_in(2027)[6:] == [date(2027, 12, d) for d in range(20, 32)]
    leap = YearlyHoliday(2, 29, 2, 29, "Dia bissexto")
    assert leap.dates_in(2027) == []
    assert leap.dates_in(2028) == [date(2028, 2, 29)]
    to_leap = YearlyHoliday(2, 27, 2, 29, "Fim de fevereiro")
    assert to_leap.dates_in(2027) == [date(2027, 2, 27), date(2027, 2, 28)]


def test_dated_range_is_cut_per_year() -> None:
    holiday = DateRangeHoliday(date(2026, 12, 30), date(2027, 1, 2), "Mudança")
    assert holiday.dates_in(2026) == [date(2026, 12, 30), date(2026, 12, 31)]
    assert holiday.dates_in(2027) == [date(2027, 1, 1), date(2027, 1, 2)]
    assert holiday.dates_in(2028) == []


def test_rules_source_keeps_the_first_name_per_day() -> None:
    source = rules_source([EasterHoliday((0,), "Páscoa"), EasterHoliday((-7, 0), "Semana")])
    assert source(2027) == {date(2027, 3, 21): "Semana", date(2027, 3, 28): "Páscoa"}


@pytest.mark.parametrize(
    ("entry", "year", "expected"),
    [
        ("06-15", 2030, {date(2030, 6, 15): "Feriado"}),
        ({"date": "2027-01-20", "name": "São Sebastião"}, 2027, {date(2027, 1, 20): "São Sebastião"}),
        ({"rule": "ash_wednesday"}, 2027, {date(2027, 2, 10): "Quarta-feira de Cinzas"}),
        (
            {"rule": "corpus_christi", "name": "Corpus Christi (ponto facultativo)"},
            2026,
            {date(2026, 6, 4): "Corpus Christi (ponto facultativo)"},
        ),
    ],
)
def test_parse_holiday_entry(entry: object, year: int, expected: dict[date, str]) -> None:
    rule = parse_holiday_entry(entry, default_name="Feriado", field_name="holidays[0]")
    assert rules_source([rule])(year) == expected


def test_easter_offsets_that_fall_in_another_year_are_ignored() -> None:
    rule = EasterHoliday((-100, 300), "Longe")
    assert rule.dates_in(2027) == []
    assert easter_sunday(2027) - timedelta(days=100) < date(2027, 1, 1)
