"""National and state holidays from the `holidays` package (the real package: it needs no network)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from adapters.holiday_source import PackageHolidaySource
from domain.court_calendar import build_unit_calendar
from domain.errors import InvalidInputError

RIO_BRANCO = ZoneInfo("America/Rio_Branco")


def test_acre_2027_has_national_and_state_holidays_in_pt_br() -> None:
    table = PackageHolidaySource().regional_holidays("AC", 2027)
    assert table[date(2027, 6, 15)] == "Aniversário do Acre"
    assert table[date(2027, 4, 21)] == "Tiradentes"
    assert table[date(2027, 3, 26)] == "Sexta-feira Santa"
    assert table[date(2027, 11, 20)] == "Dia Nacional de Zumbi e da Consciência Negra"
    assert date(2027, 2, 8) not in table  # Carnival is a "ponto facultativo" (optional category)
    assert all(day.year == 2027 for day in table)


def test_national_only_without_a_state() -> None:
    table = PackageHolidaySource().regional_holidays(None, 2027)
    assert date(2027, 6, 15) not in table
    assert table[date(2027, 12, 25)] == "Natal"


def test_optional_category_brings_carnival() -> None:
    table = PackageHolidaySource(categories=("public", "optional")).regional_holidays("SP", 2027)
    assert table[date(2027, 2, 8)] == "Carnaval"
    assert table[date(2027, 5, 27)] == "Corpus Christi"


def test_tables_are_cached_per_state_and_year_and_read_only() -> None:
    source = PackageHolidaySource()
    first = source.regional_holidays("ac", 2027)
    assert source.regional_holidays("AC", 2027) is first
    assert source.regional_holidays("AM", 2027) is not first
    assert source.regional_holidays("AC", 2028) is not first
    with pytest.raises(TypeError):
        first[date(2027, 1, 2)] = "Feriado inventado"  # type: ignore[index]


def test_unknown_state_is_refused_in_pt_br() -> None:
    with pytest.raises(InvalidInputError) as caught:
        PackageHolidaySource().regional_holidays("XX", 2027)
    assert "Estado (UF) desconhecido" in caught.value.message


def test_rio_branco_federal_unit_built_with_the_package() -> None:
    unit = {
        "timezone": "America/Rio_Branco",
        "state": "AC",
        "municipality": "Rio Branco",
        "hours": {d: [["08:00", "14:00"]] for d in ("mon", "tue", "wed", "thu", "fri")},
        "holidays": [{"date": "12-28", "name": "Aniversário de Rio Branco"}],
    }
    calendar = build_unit_calendar(unit, {"calendar": "federal"}, PackageHolidaySource())
    state_holiday = datetime(2027, 6, 15, 10, 0, tzinfo=RIO_BRANCO)  # a Tuesday
    assert not calendar.is_open(state_holiday)
    assert calendar.closed_notice(state_holiday) == (
        "A unidade não tem atendimento hoje (Aniversário do Acre). "
        "Próxima abertura: quarta-feira, 16/06/2027, às 08h00 (horário de Rio Branco)."
    )
    assert str(calendar.closed_reason(datetime(2027, 2, 9, 10, 0, tzinfo=RIO_BRANCO))) == "Carnaval"
    assert calendar.holidays.name_on(date(2026, 12, 25)) == "Natal; Recesso forense"
    assert calendar.holidays.name_on(date(2027, 12, 28)) == "Recesso forense; Aniversário de Rio Branco"
    assert calendar.is_open(datetime(2027, 6, 16, 8, 0, tzinfo=RIO_BRANCO))
