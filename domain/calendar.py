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

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from domain.closures import Closure, HolidayCalendar
from domain.hours import (
    MINUTES_PER_DAY,
    WeeklyHours,
    aware,
    describe_weekly_hours,
    format_local_instant,
    zone_label,
)

DEFAULT_SEARCH_DAYS = 400

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
        u = aware(t, "t").astimezone(UTC)
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
        return aware(t, "t").astimezone(self.timezone).date()

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
        return aware(t, "t").astimezone(UTC)

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
