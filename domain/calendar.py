"""The calendar of one unit: when its virtual counter is open (CNJ Res. 372/2021, art. 3 and 5).

A unit is open during its weekly opening intervals, read in the unit's own IANA time zone, except on
closed days (holidays: national, state, court, municipal) and during ad-hoc closures (an outage, a
"ponto facultativo"). Closed days and closures always win over weekly hours.

Pure: no clock, no environment, no SDK. Every instant comes in as an aware datetime; every instant
going out is an aware datetime in the unit's zone. Internally everything is computed in UTC and in the
unit's zone, never in the process's local time, so results do not depend on the host's `TZ`.

Conventions:

- Opening intervals are half-open: with hours 08:00–12:00 the unit is open at 08:00:00 and closed at
  12:00:00. "24:00" may end an interval (end of the day).
- Touching intervals are one continuous opening: 08:00–12:00 plus 12:00–18:00, or 18:00–24:00 plus the
  next day's 00:00–06:00, never "close" at the joint.
- Holidays close the whole local calendar day of the unit (`service_day`).
- Closures are instants (start inclusive, end exclusive) and may span days.
- Wall times that do not exist or happen twice (daylight-saving changes; Brazil had them, at
  midnight, until 2019) are read as zoneinfo reads them with ``fold=0``.
- Searches look at most `search_days` days ahead (400 by default) and return ``None`` beyond that:
  a unit closed for good never opens, and a unit open round the clock never closes.
- Returned datetimes carry the unit's zone (their `isoformat()` has the local offset, their
  `.date()` is the service day). Compare and subtract them in UTC where DST exists: Python does
  arithmetic between datetimes of one zone in wall time, and a time in a DST fold never equals a
  datetime of another zone (PEP 495). Brazil has no DST since 2019, but the calendar does not
  assume it.

Holidays reach the calendar as data (`HolidayCalendar`): fixed dates and per-year tables. The
national and state tables come from an adapter (`adapters.holiday_source`); the court's rules and the
municipal holidays are computed in `domain.court_calendar`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from itertools import pairwise
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from domain.errors import InvalidInputError

MINUTES_PER_DAY = 24 * 60
DEFAULT_SEARCH_DAYS = 400

DAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
"""Configuration keys of the weekdays, Monday first (Python's `date.weekday()` order)."""

_DAY_ALIASES: dict[str, int] = (
    {key: i for i, key in enumerate(DAY_KEYS)}
    | {key: i for i, key in enumerate(("seg", "ter", "qua", "qui", "sex", "sab", "dom"))}
    | {"sáb": 5}
)

_SHORT_DAY_NAMES = ("segunda", "terça", "quarta", "quinta", "sexta", "sábado", "domingo")
WEEKDAY_NAMES = tuple(f"{name}-feira" if i < 5 else name for i, name in enumerate(_SHORT_DAY_NAMES))
"""Full pt-BR weekday names, Monday first: "segunda-feira" ... "domingo"."""

# How a citizen calls the time of a Brazilian zone; other zones fall back to their city's name.
_ZONE_LABELS = {
    "America/Sao_Paulo": "Brasília",
    "America/Noronha": "Fernando de Noronha",
    "America/Rio_Branco": "Rio Branco",
    "America/Eirunepe": "Eirunepé",
    "America/Manaus": "Manaus",
    "America/Porto_Velho": "Porto Velho",
    "America/Boa_Vista": "Boa Vista",
    "America/Cuiaba": "Cuiabá",
    "America/Campo_Grande": "Campo Grande",
    "America/Belem": "Belém",
    "America/Santarem": "Santarém",
    "America/Araguaina": "Araguaína",
    "America/Fortaleza": "Fortaleza",
    "America/Recife": "Recife",
    "America/Maceio": "Maceió",
    "America/Bahia": "Salvador",
    "Brazil/East": "Brasília",
    "Brazil/West": "Manaus",
    "Brazil/Acre": "Rio Branco",
    "Brazil/DeNoronha": "Fernando de Noronha",
}

_TIME_RE = re.compile(r"^(\d{1,2}):(\d{2})$")

YearlyHolidays = Callable[[int], Mapping[date, str]]
"""A source of closed days asked one year at a time: year -> {date in that year: name in pt-BR}."""


# --------------------------------------------------------------------------------------------------
# Time zone, times of day, weekly hours


def parse_timezone(key: object) -> ZoneInfo:
    """The IANA zone named `key` ("America/Rio_Branco"), or `InvalidInputError` in pt-BR."""
    if not isinstance(key, str) or not key.strip():
        raise InvalidInputError(
            "Informe o fuso horário da unidade (nome IANA, por exemplo America/Sao_Paulo).",
            fields={"timezone": "obrigatório"},
        )
    try:
        return ZoneInfo(key.strip())
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidInputError(
            f"Fuso horário desconhecido: '{key}'. Use um nome IANA, por exemplo America/Sao_Paulo.",
            fields={"timezone": "desconhecido"},
        ) from exc


def zone_label(zone: ZoneInfo) -> str:
    """The place that names a zone's time in pt-BR: "Brasília", "Rio Branco", "Fernando de Noronha"."""
    key = zone.key
    if key in _ZONE_LABELS:
        return _ZONE_LABELS[key]
    return key.rsplit("/", 1)[-1].replace("_", " ")


def parse_time_of_day(text: object, *, field_name: str = "hours", allow_end_of_day: bool = False) -> int:
    """Minutes since midnight of "HH:MM" (00:00–23:59; "24:00" too when `allow_end_of_day`)."""
    match = _TIME_RE.match(text.strip()) if isinstance(text, str) else None
    if match is not None:
        hours, minutes = int(match.group(1)), int(match.group(2))
        value = hours * 60 + minutes
        if minutes < 60 and (value < MINUTES_PER_DAY or (allow_end_of_day and value == MINUTES_PER_DAY)):
            return value
    limit = "24:00" if allow_end_of_day else "23:59"
    raise InvalidInputError(
        f"Horário inválido: '{text}'. Use o formato HH:MM, de 00:00 a {limit}.",
        fields={field_name: "horário inválido"},
    )


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@dataclass(frozen=True, order=True)
class TimeRange:
    """One opening interval of a weekday, in minutes since local midnight: [start, end), end ≤ 1440."""

    start: int
    end: int

    def __post_init__(self) -> None:
        if not (0 <= self.start < MINUTES_PER_DAY and 0 < self.end <= MINUTES_PER_DAY):
            raise InvalidInputError(f"Intervalo fora do dia: {self}.", fields={"hours": "intervalo inválido"})
        if self.end <= self.start:
            raise InvalidInputError(
                f"Intervalo inválido: o fim ({_clock(self.end)}) deve ser posterior ao início "
                f"({_clock(self.start)}).",
                fields={"hours": "fim antes do início"},
            )

    @classmethod
    def parse(cls, start: str, end: str) -> TimeRange:
        return cls(parse_time_of_day(start), parse_time_of_day(end, allow_end_of_day=True))

    def __str__(self) -> str:
        return f"{_clock(self.start)}–{_clock(self.end)}"


@dataclass(frozen=True)
class WeeklyHours:
    """Opening intervals for each weekday (index 0 is Monday), sorted and not overlapping."""

    days: tuple[tuple[TimeRange, ...], ...] = ((),) * 7

    def __post_init__(self) -> None:
        if len(self.days) != 7:
            raise InvalidInputError("O horário semanal deve ter os sete dias da semana.")
        normalized = tuple(tuple(sorted(ranges)) for ranges in self.days)
        for weekday, ranges in enumerate(normalized):
            for before, after in pairwise(ranges):
                if after.start < before.end:
                    raise InvalidInputError(
                        f"Intervalos sobrepostos em {WEEKDAY_NAMES[weekday]}: {before} e {after}.",
                        fields={f"hours.{DAY_KEYS[weekday]}": "intervalos sobrepostos"},
                    )
        object.__setattr__(self, "days", normalized)

    def on(self, weekday: int) -> tuple[TimeRange, ...]:
        """The intervals of a weekday (0 = Monday)."""
        return self.days[weekday]

    @property
    def is_empty(self) -> bool:
        return not any(self.days)

    @classmethod
    def from_config(cls, config: object) -> WeeklyHours:
        """Parse ``{"mon": [["08:00", "12:00"], ["13:00", "18:00"]], ..., "sat": []}``.

        Keys are mon..sun (pt-BR seg..dom are accepted too); a missing day is closed. An interval is
        a pair ``["HH:MM", "HH:MM"]`` or ``{"start": ..., "end": ...}``; the end may be "24:00".
        Errors raise `InvalidInputError` with a pt-BR message naming the day.
        """
        if config is None:
            return cls()
        if not isinstance(config, Mapping):
            raise InvalidInputError(
                "O horário de atendimento deve associar dias da semana a listas de intervalos.",
                fields={"hours": "formato inválido"},
            )
        days: list[list[TimeRange]] = [[] for _ in range(7)]
        seen: dict[int, str] = {}
        for raw_key, raw_ranges in config.items():
            key = str(raw_key).strip().lower()
            if key not in _DAY_ALIASES:
                raise InvalidInputError(
                    f"Dia da semana desconhecido: '{raw_key}'. Use mon, tue, wed, thu, fri, sat ou sun.",
                    fields={f"hours.{raw_key}": "dia desconhecido"},
                )
            weekday = _DAY_ALIASES[key]
            if weekday in seen:
                raise InvalidInputError(
                    f"{WEEKDAY_NAMES[weekday].capitalize()} aparece duas vezes no horário "
                    f"('{seen[weekday]}' e '{raw_key}').",
                    fields={f"hours.{raw_key}": "dia repetido"},
                )
            seen[weekday] = str(raw_key)
            days[weekday] = _parse_day_ranges(raw_ranges, weekday, f"hours.{raw_key}")
        return cls(tuple(tuple(ranges) for ranges in days))


def _parse_day_ranges(raw: object, weekday: int, field_name: str) -> list[TimeRange]:
    day = WEEKDAY_NAMES[weekday]
    if raw is None:
        return []
    if isinstance(raw, str | bytes) or not isinstance(raw, Sequence):
        raise InvalidInputError(
            f'O horário de {day} deve ser uma lista de intervalos, por exemplo [["08:00", "12:00"]].',
            fields={field_name: "formato inválido"},
        )
    ranges: list[TimeRange] = []
    for item in raw:
        if isinstance(item, Mapping):
            pair: tuple[object, object] = (item.get("start"), item.get("end"))
        elif isinstance(item, Sequence) and not isinstance(item, str | bytes) and len(item) == 2:
            pair = (item[0], item[1])
        else:
            raise InvalidInputError(
                f'Intervalo inválido em {day}: \'{item}\'. Use um par ["HH:MM", "HH:MM"].',
                fields={field_name: "intervalo inválido"},
            )
        start = parse_time_of_day(pair[0], field_name=field_name)
        end = parse_time_of_day(pair[1], field_name=field_name, allow_end_of_day=True)
        if end <= start:
            raise InvalidInputError(
                f"Intervalo inválido em {day}: o fim ({_clock(end)}) deve ser posterior ao início "
                f"({_clock(start)}).",
                fields={field_name: "fim antes do início"},
            )
        ranges.append(TimeRange(start, end))
    ranges.sort()
    for before, after in pairwise(ranges):
        if after.start < before.end:
            raise InvalidInputError(
                f"Intervalos sobrepostos em {day}: {before} e {after}.",
                fields={field_name: "intervalos sobrepostos"},
            )
    return ranges


# --------------------------------------------------------------------------------------------------
# Closed days and closures


def _join_names(names: Iterable[str]) -> str:
    unique: list[str] = []
    for name in names:
        if name and name not in unique:
            unique.append(name)
    return "; ".join(unique)


class HolidayCalendar:
    """Closed days of a unit, each with the name told to the citizen ("Carnaval", "Recesso forense").

    Built from fixed dates and from per-year sources (`YearlyHolidays`), asked lazily one year at a
    time and remembered. When several sources name the same day, the names are joined with "; "
    (as the `holidays` package does), in source order (fixed dates first).
    """

    __slots__ = ("_by_year", "_dates", "_sources")

    def __init__(
        self, sources: Iterable[YearlyHolidays] = (), dates: Mapping[date, str] | None = None
    ) -> None:
        self._sources = tuple(sources)
        self._dates = dict(dates or {})
        self._by_year: dict[int, dict[date, str]] = {}

    def in_year(self, year: int) -> Mapping[date, str]:
        """Every closed day of `year` with its name."""
        table = self._by_year.get(year)
        if table is None:
            names: dict[date, list[str]] = {}
            for day, name in self._dates.items():
                if day.year == year:
                    names.setdefault(day, []).append(name)
            for source in self._sources:
                for day, name in source(year).items():
                    if day.year == year:
                        names.setdefault(day, []).append(name)
            table = {day: _join_names(day_names) or "Feriado" for day, day_names in sorted(names.items())}
            self._by_year[year] = table
        return table

    def name_on(self, day: date) -> str | None:
        """The holiday's name if `day` is a closed day, else None."""
        return self.in_year(day.year).get(day)

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.name_on(day) is not None


DEFAULT_CLOSURE_MESSAGE = "Atendimento suspenso temporariamente."


def _aware(t: datetime, what: str) -> datetime:
    if t.tzinfo is None or t.utcoffset() is None:
        raise ValueError(f"{what} must be an aware datetime: the calendar never guesses a time zone")
    return t


@dataclass(frozen=True)
class Closure:
    """An ad-hoc closure: from `start` (inclusive) to `end` (exclusive), told with `message` (pt-BR)."""

    start: datetime
    end: datetime
    message: str = DEFAULT_CLOSURE_MESSAGE

    def __post_init__(self) -> None:
        _aware(self.start, "Closure.start")
        _aware(self.end, "Closure.end")
        if self.end.astimezone(UTC) <= self.start.astimezone(UTC):
            raise InvalidInputError(
                "Fechamento inválido: o fim deve ser posterior ao início.",
                fields={"closures": "fim antes do início"},
            )
        object.__setattr__(self, "message", (self.message or "").strip() or DEFAULT_CLOSURE_MESSAGE)

    def covers(self, t: datetime) -> bool:
        u = _aware(t, "t").astimezone(UTC)
        return self.start.astimezone(UTC) <= u < self.end.astimezone(UTC)

    @classmethod
    def from_config(cls, item: object, zone: ZoneInfo, *, field_name: str = "closures") -> Closure:
        """Parse ``{"start": iso, "end": iso, "message": "..."}``; an ISO time without offset is read
        in the unit's zone."""
        if not isinstance(item, Mapping):
            raise InvalidInputError(
                "Cada fechamento deve ter início (start), fim (end) e mensagem (message).",
                fields={field_name: "formato inválido"},
            )
        start = _parse_instant(item.get("start"), zone, f"{field_name}.start")
        end = _parse_instant(item.get("end"), zone, f"{field_name}.end")
        message = item.get("message")
        if message is not None and not isinstance(message, str):
            raise InvalidInputError(
                "A mensagem do fechamento deve ser um texto.", fields={field_name: "mensagem"}
            )
        if end.astimezone(UTC) <= start.astimezone(UTC):
            raise InvalidInputError(
                f"Fechamento inválido: o fim ({item.get('end')}) deve ser posterior ao início "
                f"({item.get('start')}).",
                fields={field_name: "fim antes do início"},
            )
        return cls(start, end, message or DEFAULT_CLOSURE_MESSAGE)


def _parse_instant(raw: object, zone: ZoneInfo, field_name: str) -> datetime:
    if isinstance(raw, datetime):
        value = raw
    elif isinstance(raw, str):
        try:
            value = datetime.fromisoformat(raw.strip())
        except ValueError as exc:
            raise InvalidInputError(
                f"Data e hora inválidas: '{raw}'. Use ISO 8601, por exemplo 2026-12-01T08:00-03:00.",
                fields={field_name: "data e hora inválidas"},
            ) from exc
    else:
        raise InvalidInputError(
            "Informe a data e hora no formato ISO 8601, por exemplo 2026-12-01T08:00-03:00.",
            fields={field_name: "obrigatório"},
        )
    if value.tzinfo is None or value.utcoffset() is None:
        value = value.replace(tzinfo=zone)
    return value


def parse_closures(items: object, zone: ZoneInfo, *, field_name: str = "closures") -> tuple[Closure, ...]:
    """Parse a list of closure dicts (see `Closure.from_config`)."""
    if items is None:
        return ()
    if isinstance(items, str | bytes) or not isinstance(items, Sequence):
        raise InvalidInputError(
            "Os fechamentos devem ser uma lista.", fields={field_name: "formato inválido"}
        )
    return tuple(
        Closure.from_config(item, zone, field_name=f"{field_name}[{i}]") for i, item in enumerate(items)
    )


# --------------------------------------------------------------------------------------------------
# The calendar


class ClosedReasonKind(StrEnum):
    HOLIDAY = "holiday"
    CLOSURE = "closure"
    OUTSIDE_HOURS = "outside_hours"


OUTSIDE_HOURS_MESSAGE = "fora do horário de atendimento"


@dataclass(frozen=True)
class ClosedReason:
    """Why a unit is closed at an instant. `message` is pt-BR: the holiday's name, the closure's
    message, or "fora do horário de atendimento"."""

    kind: ClosedReasonKind
    message: str

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class OpenInterval:
    """An effective opening, [start, end), both in the unit's zone."""

    start: datetime
    end: datetime

    @property
    def duration(self) -> timedelta:
        # In UTC: Python subtracts two datetimes of the same zone as wall times, ignoring DST.
        return self.end.astimezone(UTC) - self.start.astimezone(UTC)

    def __contains__(self, t: object) -> bool:
        if not isinstance(t, datetime):
            return False
        u = _aware(t, "t").astimezone(UTC)
        return self.start.astimezone(UTC) <= u < self.end.astimezone(UTC)


_Span = tuple[datetime, datetime]  # UTC, [start, end)
_DAY = timedelta(days=1)
_DAY_CACHE_LIMIT = 4096


@dataclass(frozen=True, eq=False)
class UnitCalendar:
    """When one unit is open: weekly hours in its zone, minus closed days, minus closures.

    Every method takes aware datetimes (a naive one raises `ValueError`) and returns aware datetimes
    in the unit's zone. See the module docstring for the conventions.
    """

    timezone: ZoneInfo
    hours: WeeklyHours = field(default_factory=WeeklyHours)
    holidays: HolidayCalendar = field(default_factory=HolidayCalendar)
    closures: tuple[Closure, ...] = ()
    search_days: int = DEFAULT_SEARCH_DAYS
    timezone_label: str = ""
    _closures_utc: tuple[tuple[datetime, datetime, str], ...] = field(init=False, repr=False)
    _day_cache: dict[date, tuple[_Span, ...]] = field(init=False, repr=False, default_factory=dict)

    def __post_init__(self) -> None:
        if self.search_days < 1:
            raise ValueError("search_days must be at least 1")
        ordered = tuple(sorted(self.closures, key=lambda c: (c.start.astimezone(UTC), c.end.astimezone(UTC))))
        object.__setattr__(self, "closures", ordered)
        object.__setattr__(
            self,
            "_closures_utc",
            tuple((c.start.astimezone(UTC), c.end.astimezone(UTC), c.message) for c in ordered),
        )
        if not self.timezone_label:
            object.__setattr__(self, "timezone_label", zone_label(self.timezone))

    # ---- queries at an instant

    def service_day(self, t: datetime) -> date:
        """The unit's local calendar date at `t` (the day a queue partition belongs to)."""
        return _aware(t, "t").astimezone(self.timezone).date()

    def is_open(self, t: datetime) -> bool:
        """True when `t` falls in an effective opening interval."""
        u = self._utc(t)
        day = self._local_date(u)
        return any(s <= u < e for d in (day - _DAY, day, day + _DAY) for s, e in self._day_spans(d))

    def next_opening(self, t: datetime) -> datetime | None:
        """The next instant strictly after `t` at which the unit opens.

        Closed at `t`: when it opens next. Open at `t`: when it opens again after the current
        (continuous) interval ends. Just before the result the unit is closed; at it, open. None when
        nothing opens within `search_days` days (or the unit never closes in that window).
        """
        u = self._utc(t)
        for start, _end, _complete in self._spans_after(u):
            if start > u:
                return self._local(start)
        return None

    def next_closing(self, t: datetime) -> datetime | None:
        """The next instant strictly after `t` at which the unit closes.

        Open at `t`: the end of the current continuous interval. Closed at `t`: the end of the next
        interval. The unit is open just before the result and closed at it. None when that is not
        within `search_days` days.
        """
        u = self._utc(t)
        for _start, end, complete in self._spans_after(u):
            return self._local(end) if complete else None
        return None

    def closed_reason(self, t: datetime) -> ClosedReason | None:
        """None when open at `t`; otherwise why it is closed: a closure covering `t` (its message),
        else a holiday on the service day (its name), else outside the weekly hours."""
        if self.is_open(t):
            return None
        u = self._utc(t)
        for start, end, message in self._closures_utc:
            if start <= u < end:
                return ClosedReason(ClosedReasonKind.CLOSURE, message)
        name = self.holidays.name_on(self.service_day(t))
        if name is not None:
            return ClosedReason(ClosedReasonKind.HOLIDAY, name)
        return ClosedReason(ClosedReasonKind.OUTSIDE_HOURS, OUTSIDE_HOURS_MESSAGE)

    def intervals_on(self, day: date) -> tuple[OpenInterval, ...]:
        """The effective openings of a local date (weekly hours minus holiday and closures)."""
        return tuple(OpenInterval(self._local(s), self._local(e)) for s, e in self._day_spans(day))

    # ---- durations

    def opening_time_between(self, a: datetime, b: datetime) -> timedelta:
        """How much of [a, b) the unit is open (zero when b <= a)."""
        ua, ub = self._utc(a), self._utc(b)
        total = timedelta(0)
        if ub <= ua:
            return total
        day, last = self._local_date(ua) - _DAY, self._local_date(ub) + _DAY
        while day <= last:
            for s, e in self._day_spans(day):
                lo, hi = max(s, ua), min(e, ub)
                if hi > lo:
                    total += hi - lo
            day += _DAY
        return total

    def opening_minutes_between(self, a: datetime, b: datetime) -> float:
        """Open minutes in [a, b) (fractional; zero when b <= a). For deadlines and indicators."""
        return self.opening_time_between(a, b).total_seconds() / 60

    def add_opening_time(self, t: datetime, duration: timedelta) -> datetime | None:
        """The deadline `duration` of opening time after `t`: the earliest instant r with
        ``opening_time_between(t, r) == duration`` (r == t for a zero duration; a deadline that is
        used up exactly at a closing is that closing). None when the clock would stop for more than
        `search_days` days in a row."""
        if duration < timedelta(0):
            raise ValueError("duration must not be negative")
        u = self._utc(t)
        if not duration:
            return self._local(u)
        remaining = duration
        day = self._local_date(u) - _DAY
        idle_days = 0
        while idle_days <= self.search_days:
            spans = [(max(s, u), e) for s, e in self._day_spans(day) if e > u]
            idle_days = 0 if spans else idle_days + 1
            for s, e in spans:
                if e - s >= remaining:
                    return self._local(s + remaining)
                remaining -= e - s
            day += _DAY
        return None

    # ---- text for people (pt-BR)

    def hours_text(self) -> str:
        """The weekly hours in pt-BR: "Segunda a sexta, das 9h às 12h e das 13h às 18h"."""
        return describe_weekly_hours(self.hours)

    def format_instant(self, t: datetime) -> str:
        """ "segunda-feira, 30/11/2026, às 08h00 (horário de Rio Branco)" """
        return format_local_instant(t, self.timezone, self.timezone_label)

    def next_opening_text(self, t: datetime) -> str | None:
        """`format_instant(next_opening(t))`, or None."""
        opening = self.next_opening(t)
        return None if opening is None else self.format_instant(opening)

    def closed_notice(self, t: datetime) -> str | None:
        """A pt-BR sentence for a citizen who finds the unit closed at `t` (None when open):
        why it is closed and when it opens next."""
        reason = self.closed_reason(t)
        if reason is None:
            return None
        if reason.kind is ClosedReasonKind.CLOSURE:
            text = reason.message if reason.message.endswith((".", "!", "?")) else reason.message + "."
        elif reason.kind is ClosedReasonKind.HOLIDAY:
            text = f"A unidade não tem atendimento hoje ({reason.message})."
        else:
            text = "A unidade está fora do horário de atendimento."
        opening = self.next_opening_text(t)
        if opening is None:
            return f"{text} Não há abertura prevista nos próximos {self.search_days} dias."
        return f"{text} Próxima abertura: {opening}."

    # ---- internals

    def _utc(self, t: datetime) -> datetime:
        return _aware(t, "t").astimezone(UTC)

    def _local(self, u: datetime) -> datetime:
        return u.astimezone(self.timezone)

    def _local_date(self, u: datetime) -> date:
        return u.astimezone(self.timezone).date()

    def _instant(self, day: date, minute: int) -> datetime:
        if minute >= MINUTES_PER_DAY:
            day, minute = day + _DAY, minute - MINUTES_PER_DAY
        local = datetime.combine(day, time(minute // 60, minute % 60), tzinfo=self.timezone)
        return local.astimezone(UTC)

    def _day_spans(self, day: date) -> tuple[_Span, ...]:
        """Effective openings of a local date, in UTC, sorted, disjoint, touching ones merged."""
        cached = self._day_cache.get(day)
        if cached is not None:
            return cached
        ranges = self.hours.on(day.weekday())
        result: tuple[_Span, ...] = ()
        if ranges and self.holidays.name_on(day) is None:
            raw = sorted((self._instant(day, r.start), self._instant(day, r.end)) for r in ranges)
            merged: list[list[datetime]] = []
            for s, e in raw:
                if e <= s:
                    continue
                if merged and s <= merged[-1][1]:
                    merged[-1][1] = max(merged[-1][1], e)
                else:
                    merged.append([s, e])
            result = tuple(self._without_closures([(s, e) for s, e in merged]))
        if len(self._day_cache) >= _DAY_CACHE_LIMIT:
            self._day_cache.clear()
        self._day_cache[day] = result
        return result

    def _without_closures(self, spans: list[_Span]) -> Iterator[_Span]:
        for s, e in spans:
            pieces = [(s, e)]
            for c_start, c_end, _message in self._closures_utc:
                if c_end <= s:
                    continue
                if c_start >= e:
                    break
                kept: list[_Span] = []
                for ps, pe in pieces:
                    if c_end <= ps or c_start >= pe:
                        kept.append((ps, pe))
                        continue
                    if ps < c_start:
                        kept.append((ps, c_start))
                    if c_end < pe:
                        kept.append((c_end, pe))
                pieces = kept
            yield from pieces

    def _spans_after(self, u: datetime) -> Iterator[tuple[datetime, datetime, bool]]:
        """Continuous openings (merged across days) that end after `u`, in order, within the search
        window. `complete` is False for a last one that runs into the window's end."""
        day = self._local_date(u) - _DAY
        last = day + timedelta(days=self.search_days + 1)
        pending: list[datetime] | None = None
        while day <= last:
            for s, e in self._day_spans(day):
                if e <= u:
                    continue
                if pending is not None and s <= pending[1]:
                    pending[1] = max(pending[1], e)
                    continue
                if pending is not None:
                    yield pending[0], pending[1], True
                pending = [s, e]
            day += _DAY
        if pending is not None:
            yield pending[0], pending[1], pending[1] < self._instant(last + _DAY, 0)


# --------------------------------------------------------------------------------------------------
# pt-BR text


def _hour_text(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    return f"{hours}h" if rest == 0 else f"{hours}h{rest:02d}"


def _singular_hour(minutes: int) -> bool:
    """ "da 1h", "à 0h30": one o'clock and midnight take the singular article in pt-BR."""
    return minutes // 60 in (0, 1)


def _ranges_text(ranges: Sequence[TimeRange]) -> str:
    if len(ranges) == 1 and ranges[0].start == 0 and ranges[0].end == MINUTES_PER_DAY:
        return "24 horas"
    parts = [
        f"{'da' if _singular_hour(r.start) else 'das'} {_hour_text(r.start)} "
        f"{'à' if _singular_hour(r.end) and r.end != MINUTES_PER_DAY else 'às'} {_hour_text(r.end)}"
        for r in ranges
    ]
    return _join_pt(parts)


def _join_pt(items: Sequence[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " e " + items[-1]


def _days_text(weekdays: Sequence[int]) -> str:
    runs: list[list[int]] = []
    for weekday in sorted(weekdays):
        if runs and runs[-1][-1] == weekday - 1:
            runs[-1].append(weekday)
        else:
            runs.append([weekday])
    items: list[str] = []
    for run in runs:
        if len(run) >= 3:
            items.append(f"{_SHORT_DAY_NAMES[run[0]]} a {_SHORT_DAY_NAMES[run[-1]]}")
        else:
            items.extend(_SHORT_DAY_NAMES[d] for d in run)
    return _join_pt(items)


def describe_weekly_hours(hours: WeeklyHours) -> str:
    """pt-BR text of weekly hours, days with equal hours grouped:
    "Segunda a sexta, das 9h às 12h e das 13h às 18h; sábado, das 8h às 12h"."""
    groups: dict[tuple[TimeRange, ...], list[int]] = {}
    for weekday, ranges in enumerate(hours.days):
        if ranges:
            groups.setdefault(ranges, []).append(weekday)
    if not groups:
        return "Sem horário de atendimento definido"
    text = "; ".join(f"{_days_text(days)}, {_ranges_text(ranges)}" for ranges, days in groups.items())
    return text[0].upper() + text[1:]


def format_local_instant(t: datetime, zone: ZoneInfo, label: str | None = None) -> str:
    """ "segunda-feira, 30/11/2026, às 08h00 (horário de Rio Branco)": `t` read in `zone`."""
    local = _aware(t, "t").astimezone(zone)
    article = "à" if local.hour in (0, 1) else "às"
    return (
        f"{WEEKDAY_NAMES[local.weekday()]}, {local.day:02d}/{local.month:02d}/{local.year:04d}, "
        f"{article} {local.hour:02d}h{local.minute:02d} (horário de {label or zone_label(zone)})"
    )
