"""Court calendars and municipal holidays, computed in pure code, and the builder of a unit's calendar.

Closed days of a unit come from four places, in this order (the order names are joined in):

1. national and state holidays, from a `RegionalHolidaySource` (the adapter over the `holidays`
   package, `adapters.holiday_source`);
2. the court's calendar kind (`court["calendar"]`):
   - ``"federal"``: Lei 5.010/1966, art. 62 — 20 December to 6 January (recesso), Holy Week from
     Wednesday to Easter Sunday, Carnival Monday and Tuesday, 11 August, 1 and 2 November, 8 December;
   - ``"state"`` (the default): nothing beyond the court's own list (state courts decide their recess
     and "pontos facultativos" themselves: put them in ``court["holidays"]``);
3. the court's own list (``court["holidays"]``);
4. the unit's municipal holidays (``unit["holidays"]``).

A holiday entry in configuration is one of::

    {"date": "2026-09-15", "name": "..."}                    one date
    {"date": "06-15", "name": "..."}                         every year
    {"date": "12-20", "end": "01-06", "name": "..."}         every year, a range (may cross New Year)
    {"date": "2026-12-21", "end": "2026-12-23", "name": ...} a range of dates
    {"rule": "corpus_christi", "name": "..."}                every year, a day counted from Easter

Easter is computed with the anonymous Gregorian algorithm (Meeus/Jones/Butcher), so no table of years
needs maintaining.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Protocol

from domain.calendar import DEFAULT_SEARCH_DAYS, UnitCalendar
from domain.closures import HolidayCalendar, YearlyHolidays, parse_closures
from domain.errors import InvalidInputError
from domain.hours import WeeklyHours, parse_timezone

# fmt: off
BRAZILIAN_STATES = frozenset((
    "AC", "AL", "AM", "AP", "BA", "CE", "DF", "ES", "GO", "MA", "MG", "MS", "MT", "PA",
    "PB", "PE", "PI", "PR", "RJ", "RN", "RO", "RR", "RS", "SC", "SE", "SP", "TO",
))
# fmt: on


class RegionalHolidaySource(Protocol):
    """National holidays of Brazil plus those of one state (UF), for one year, named in pt-BR.

    `state` None means national holidays only. Implementations must be deterministic (the same
    answer for the same arguments) and may cache.
    """

    def regional_holidays(self, state: str | None, year: int) -> Mapping[date, str]: ...


def easter_sunday(year: int) -> date:
    """Easter Sunday of the Gregorian calendar (anonymous algorithm: Meeus/Jones/Butcher)."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    el = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * el) // 451
    month, day = divmod(h + el - 7 * m + 114, 31)
    return date(year, month, day + 1)


# Days counted from Easter Sunday, by rule name, with the name told to the citizen.
EASTER_RULES: dict[str, tuple[tuple[int, ...], str]] = {
    "carnival": ((-48, -47), "Carnaval"),
    "carnival_monday": ((-48,), "Carnaval"),
    "carnival_tuesday": ((-47,), "Carnaval"),
    "ash_wednesday": ((-46,), "Quarta-feira de Cinzas"),
    "holy_week": ((-4, -3, -2, -1, 0), "Semana Santa"),
    "holy_thursday": ((-3,), "Quinta-feira Santa"),
    "good_friday": ((-2,), "Sexta-feira Santa"),
    "easter": ((0,), "Páscoa"),
    "corpus_christi": ((60,), "Corpus Christi"),
}


@dataclass(frozen=True)
class DateRangeHoliday:
    """Closed from `start` to `end`, both inclusive, in those years only."""

    start: date
    end: date
    name: str

    def dates_in(self, year: int) -> list[date]:
        first, last = max(self.start, date(year, 1, 1)), min(self.end, date(year, 12, 31))
        return [first + timedelta(days=i) for i in range((last - first).days + 1)]


@dataclass(frozen=True)
class YearlyHoliday:
    """Closed every year from (month, day) to (end_month, end_day), inclusive; a range whose end comes
    before its start crosses New Year (20 Dec – 6 Jan). 29 February counts only in leap years."""

    month: int
    day: int
    end_month: int
    end_day: int
    name: str

    def dates_in(self, year: int) -> list[date]:
        start, end = (self.month, self.day), (self.end_month, self.end_day)
        spans = [(start, end)] if start <= end else [((1, 1), end), (start, (12, 31))]
        result: list[date] = []
        for (m1, d1), (m2, d2) in spans:
            first, last = _clamped(year, m1, d1, up=True), _clamped(year, m2, d2, up=False)
            result.extend(first + timedelta(days=i) for i in range((last - first).days + 1))
        return result


def _clamped(year: int, month: int, day: int, *, up: bool) -> date:
    """date(year, month, day), with 29 February moved to 1 March (up) or 28 February (down)
    outside leap years, so that a range keeps its meaning and a lone 29 February vanishes."""
    try:
        return date(year, month, day)
    except ValueError:
        return date(year, 3, 1) if up else date(year, 2, 28)


@dataclass(frozen=True)
class EasterHoliday:
    """Closed on days counted from Easter Sunday (Carnival is -48 and -47)."""

    offsets: tuple[int, ...]
    name: str

    def dates_in(self, year: int) -> list[date]:
        easter = easter_sunday(year)
        return [d for d in (easter + timedelta(days=o) for o in self.offsets) if d.year == year]


HolidayRule = DateRangeHoliday | YearlyHoliday | EasterHoliday


def rules_source(rules: Sequence[HolidayRule]) -> YearlyHolidays:
    """A per-year source of closed days from rules (first name wins within one source)."""
    frozen = tuple(rules)

    def in_year(year: int) -> Mapping[date, str]:
        table: dict[date, str] = {}
        for rule in frozen:
            for day in rule.dates_in(year):
                table.setdefault(day, rule.name)
        return table

    return in_year


FEDERAL_JUSTICE_RULES: tuple[HolidayRule, ...] = (
    YearlyHoliday(12, 20, 1, 6, "Recesso forense"),
    EasterHoliday(EASTER_RULES["holy_week"][0], "Semana Santa"),
    EasterHoliday(EASTER_RULES["carnival"][0], "Carnaval"),
    YearlyHoliday(8, 11, 8, 11, "Dia do Advogado"),
    YearlyHoliday(11, 1, 11, 1, "Dia de Todos os Santos"),
    YearlyHoliday(11, 2, 11, 2, "Finados"),
    YearlyHoliday(12, 8, 12, 8, "Dia da Justiça"),
)
"""Lei 5.010/1966, art. 62: holidays of the federal justice besides those fixed by law."""


def federal_justice_holidays(year: int) -> dict[date, str]:
    """The closed days of Lei 5.010/1966, art. 62 that fall in `year`."""
    return dict(rules_source(FEDERAL_JUSTICE_RULES)(year))


class CourtCalendarKind(StrEnum):
    FEDERAL = "federal"
    STATE = "state"


COURT_CALENDAR_RULES: dict[CourtCalendarKind, tuple[HolidayRule, ...]] = {
    CourtCalendarKind.FEDERAL: FEDERAL_JUSTICE_RULES,
    CourtCalendarKind.STATE: (),
}


# --------------------------------------------------------------------------------------------------
# Configuration

_FULL_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_MONTH_DAY_RE = re.compile(r"^(\d{2})-(\d{2})$")
_MAX_RANGE_DAYS = 366


def _date_error(raw: object, field_name: str) -> InvalidInputError:
    return InvalidInputError(
        f"Data de feriado inválida: '{raw}'. Use AAAA-MM-DD (uma data) ou MM-DD (todos os anos).",
        fields={field_name: "data inválida"},
    )


def _parse_holiday_date(raw: object, field_name: str) -> date | tuple[int, int]:
    if isinstance(raw, date):
        return raw
    if not isinstance(raw, str):
        raise _date_error(raw, field_name)
    text = raw.strip()
    if _FULL_DATE_RE.match(text):
        try:
            return date.fromisoformat(text)
        except ValueError as exc:
            raise _date_error(raw, field_name) from exc
    match = _MONTH_DAY_RE.match(text)
    if match:
        month, day = int(match.group(1)), int(match.group(2))
        try:
            date(2000, month, day)  # a leap year, so that 02-29 is accepted
        except ValueError as exc:
            raise _date_error(raw, field_name) from exc
        return month, day
    raise _date_error(raw, field_name)


def parse_holiday_entry(entry: object, *, default_name: str, field_name: str) -> HolidayRule:
    """One holiday entry from configuration (see the module docstring)."""
    if isinstance(entry, str | date):
        entry = {"date": entry}
    if not isinstance(entry, Mapping):
        raise InvalidInputError(
            "Cada feriado deve ter uma data (date) ou uma regra (rule) e um nome (name).",
            fields={field_name: "formato inválido"},
        )
    raw_name = entry.get("name")
    if raw_name is not None and not isinstance(raw_name, str):
        raise InvalidInputError(
            "O nome do feriado deve ser um texto.", fields={f"{field_name}.name": "inválido"}
        )
    name = (raw_name or "").strip()
    if "rule" in entry:
        rule = entry.get("rule")
        if not isinstance(rule, str) or rule not in EASTER_RULES:
            known = ", ".join(EASTER_RULES)
            raise InvalidInputError(
                f"Regra de feriado desconhecida: '{rule}'. Use uma destas: {known}.",
                fields={f"{field_name}.rule": "regra desconhecida"},
            )
        offsets, rule_name = EASTER_RULES[rule]
        return EasterHoliday(offsets, name or rule_name)
    if "date" not in entry:
        raise InvalidInputError(
            "Informe a data do feriado (date: AAAA-MM-DD ou MM-DD) ou uma regra (rule).",
            fields={f"{field_name}.date": "obrigatório"},
        )
    name = name or default_name
    start = _parse_holiday_date(entry.get("date"), f"{field_name}.date")
    end = _parse_holiday_date(entry.get("end", entry.get("date")), f"{field_name}.end")
    if isinstance(start, date) and isinstance(end, date):
        if end < start:
            raise InvalidInputError(
                f"Período de feriado inválido: o fim ({end.isoformat()}) é anterior ao início "
                f"({start.isoformat()}).",
                fields={f"{field_name}.end": "fim antes do início"},
            )
        if (end - start).days >= _MAX_RANGE_DAYS:
            raise InvalidInputError(
                "Período de feriado longo demais (mais de um ano). Use um fechamento (closures).",
                fields={f"{field_name}.end": "longo demais"},
            )
        return DateRangeHoliday(start, end, name)
    if isinstance(start, tuple) and isinstance(end, tuple):
        return YearlyHoliday(start[0], start[1], end[0], end[1], name)
    raise InvalidInputError(
        "O início e o fim do feriado devem ter o mesmo formato (AAAA-MM-DD ou MM-DD).",
        fields={f"{field_name}.end": "formato diferente do início"},
    )


def parse_holiday_entries(entries: object, *, default_name: str, field_name: str) -> tuple[HolidayRule, ...]:
    """A list of holiday entries from configuration; None means none."""
    if entries is None:
        return ()
    if isinstance(entries, str | bytes) or not isinstance(entries, Sequence):
        raise InvalidInputError("Os feriados devem ser uma lista.", fields={field_name: "formato inválido"})
    return tuple(
        parse_holiday_entry(entry, default_name=default_name, field_name=f"{field_name}[{i}]")
        for i, entry in enumerate(entries)
    )


def parse_state(raw: object) -> str | None:
    """A Brazilian state code (UF) such as "AC", or None when absent."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    code = raw.strip().upper() if isinstance(raw, str) else ""
    if code not in BRAZILIAN_STATES:
        raise InvalidInputError(
            f"Estado (UF) desconhecido: '{raw}'. Use a sigla, por exemplo AC, AM, DF ou SP.",
            fields={"state": "UF desconhecida"},
        )
    return code


def parse_court_calendar_kind(raw: object) -> CourtCalendarKind:
    if raw is None:
        return CourtCalendarKind.STATE
    try:
        return CourtCalendarKind(str(raw).strip().lower())
    except ValueError as exc:
        raise InvalidInputError(
            f"Calendário de tribunal desconhecido: '{raw}'. Use 'federal' ou 'state'.",
            fields={"calendar": "desconhecido"},
        ) from exc


def build_unit_calendar(
    unit_config: Mapping[str, object],
    court_config: Mapping[str, object],
    holiday_source: RegionalHolidaySource | None,
    *,
    search_days: int = DEFAULT_SEARCH_DAYS,
) -> UnitCalendar:
    """The calendar of a unit from its configuration and its court's.

    unit: ``{"timezone": "America/Rio_Branco", "state": "AC", "municipality": "Rio Branco",
    "hours": {...}, "holidays": [...], "closures": [{"start": iso, "end": iso, "message": "..."}],
    "timezone_label": optional}``; court: ``{"calendar": "federal" | "state", "holidays": [...],
    "closures": [...]}`` (court closures apply to every unit of the court). `holiday_source` None
    leaves out national and state holidays (tests, or a court that lists them itself).
    Bad configuration raises `InvalidInputError` with a pt-BR message.
    """
    zone = parse_timezone(unit_config.get("timezone"))
    state = parse_state(unit_config.get("state"))
    hours = WeeklyHours.from_config(unit_config.get("hours"))
    kind = parse_court_calendar_kind(court_config.get("calendar"))
    court_rules = parse_holiday_entries(
        court_config.get("holidays"), default_name="Feriado do tribunal", field_name="court.holidays"
    )
    municipality = unit_config.get("municipality")
    municipal_name = "Feriado municipal"
    if isinstance(municipality, str) and municipality.strip():
        municipal_name = f"Feriado municipal ({municipality.strip()})"
    municipal_rules = parse_holiday_entries(
        unit_config.get("holidays"), default_name=municipal_name, field_name="holidays"
    )
    sources: list[YearlyHolidays] = []
    if holiday_source is not None:
        source = holiday_source

        def regional(year: int) -> Mapping[date, str]:
            return source.regional_holidays(state, year)

        sources.append(regional)
    for rules in (COURT_CALENDAR_RULES[kind], court_rules, municipal_rules):
        if rules:
            sources.append(rules_source(rules))
    court_closures = parse_closures(court_config.get("closures"), zone, field_name="court.closures")
    unit_closures = parse_closures(unit_config.get("closures"), zone, field_name="closures")
    label = unit_config.get("timezone_label")
    return UnitCalendar(
        timezone=zone,
        hours=hours,
        holidays=HolidayCalendar(sources),
        closures=court_closures + unit_closures,
        search_days=search_days,
        timezone_label=label if isinstance(label, str) else "",
    )
