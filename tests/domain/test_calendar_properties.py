"""Property tests of the unit calendar over random calendars, instants and time zones.

- `is_open` agrees with an independent wall-clock oracle (zones without DST in the drawn years);
- `next_opening` / `next_closing` agree with `is_open` (closed just before an opening, open at it,
  open throughout until the next closing, closed at it) in every zone, DST ones included;
- holidays and closures always win over weekly hours;
- deadlines: `opening_time_between(t, add_opening_time(t, d)) == d`, and durations add up;
- the answers are the same whatever the process's `TZ`.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.calendar import ClosedReasonKind, UnitCalendar
from domain.closures import Closure, HolidayCalendar
from domain.hours import TimeRange, WeeklyHours

US = timedelta(microseconds=1)
SEARCH_DAYS = 90
# Zones without daylight saving since 2020 (Brazil abolished it in 2019) and zones with it.
STEADY_ZONES = [
    "America/Rio_Branco",
    "America/Manaus",
    "America/Sao_Paulo",
    "America/Noronha",
    "UTC",
    "Asia/Kathmandu",
]
DST_ZONES = ["Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "America/Santiago"]

SETTINGS = settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)


@st.composite
def day_ranges(draw: st.DrawFn) -> tuple[TimeRange, ...]:
    """0–3 intervals on a 15-minute grid; gaps may be zero (touching intervals), 24:00 may end one."""
    ranges: list[TimeRange] = []
    cursor = 0
    for _ in range(draw(st.integers(0, 3))):
        start = cursor + draw(st.integers(0, 40)) * 15
        if start >= 1440:
            break
        end = min(start + draw(st.integers(1, 48)) * 15, 1440)
        ranges.append(TimeRange(start, end))
        cursor = end
        if cursor >= 1440:
            break
    return tuple(ranges)


@st.composite
def weekly_hours(draw: st.DrawFn) -> WeeklyHours:
    template = draw(day_ranges())
    # Real units mostly repeat one day's hours; mix repeated and independent days.
    return WeeklyHours(tuple(template if draw(st.booleans()) else draw(day_ranges()) for _ in range(7)))


@dataclass(frozen=True)
class Case:
    zone: ZoneInfo
    hours: WeeklyHours
    holidays: dict[date, str]
    closures: tuple[Closure, ...]
    t: datetime  # UTC

    def calendar(self) -> UnitCalendar:
        return UnitCalendar(
            self.zone, self.hours, HolidayCalendar(dates=self.holidays), self.closures, SEARCH_DAYS
        )


# Daylight-saving changes (UTC instants), to draw instants around them: Brazil changed at midnight.
TRANSITIONS = [
    ("America/Sao_Paulo", datetime(2018, 11, 4, 3, tzinfo=UTC)),
    ("America/Sao_Paulo", datetime(2019, 2, 17, 2, tzinfo=UTC)),
    ("Europe/Berlin", datetime(2026, 3, 29, 1, tzinfo=UTC)),
    ("Europe/Berlin", datetime(2026, 10, 25, 1, tzinfo=UTC)),
    ("America/New_York", datetime(2026, 3, 8, 7, tzinfo=UTC)),
    ("America/New_York", datetime(2026, 11, 1, 6, tzinfo=UTC)),
    ("Australia/Lord_Howe", datetime(2026, 4, 4, 15, tzinfo=UTC)),  # a 30-minute change
    ("America/Santiago", datetime(2026, 4, 5, 3, tzinfo=UTC)),  # at midnight, like Brazil's
]


@st.composite
def moments(draw: st.DrawFn, zones: list[str], first_year: int) -> tuple[str, datetime]:
    """A zone and an instant: anywhere in the years, or within a day and a half of a DST change."""
    near = [(z, c) for z, c in TRANSITIONS if z in zones and c.year >= first_year]
    if near and draw(st.integers(0, 3)) == 0:
        zone, change = draw(st.sampled_from(near))
        return zone, change + timedelta(minutes=draw(st.integers(-36 * 60, 36 * 60)))
    zone = draw(st.sampled_from(zones))
    return zone, draw(
        st.datetimes(datetime(first_year, 1, 10), datetime(2034, 12, 1), timezones=st.just(UTC))
    )


@st.composite
def cases(draw: st.DrawFn, zones: list[str], first_year: int) -> Case:
    zone_name, t = draw(moments(zones, first_year))
    zone = ZoneInfo(zone_name)
    base = t.astimezone(zone).date()
    holiday_offsets = draw(st.sets(st.integers(-2, 20), max_size=6))
    holidays = {base + timedelta(days=o): f"Feriado {o}" for o in holiday_offsets}
    closures = []
    for i in range(draw(st.integers(0, 3))):
        start = t + timedelta(minutes=draw(st.integers(-3 * 1440, 15 * 1440)))
        length = timedelta(minutes=draw(st.integers(1, 3 * 1440)))
        closures.append(Closure(start.astimezone(zone), (start + length).astimezone(zone), f"Fechamento {i}"))
    # Instants on the hours' grid matter most (openings and closings happen there).
    if draw(st.booleans()):
        local = t.astimezone(zone).replace(
            minute=draw(st.sampled_from([0, 15, 30, 45])), second=0, microsecond=0
        )
        t = local.astimezone(UTC) - (US if draw(st.booleans()) else timedelta(0))
    return Case(zone, draw(weekly_hours()), holidays, tuple(closures), t)


def in_utc(t: datetime | None) -> datetime | None:
    """Results are in the unit's zone; compare and compute in UTC: Python adds and subtracts datetimes
    of one zone as wall times, even across a DST change, and a time in a DST fold (fold=1) never
    equals a datetime of another zone (PEP 495)."""
    return None if t is None else t.astimezone(UTC)


def oracle_is_open(case: Case, t: datetime) -> bool:
    """Wall-clock reading of the rules, independent of the implementation (zones without DST)."""
    if any(c.start <= t < c.end for c in case.closures):
        return False
    local = t.astimezone(case.zone)
    if local.date() in case.holidays:
        return False
    minute = local.hour * 60 + local.minute + (local.second + local.microsecond / 1e6) / 60
    return any(r.start <= minute < r.end for r in case.hours.on(local.weekday()))


@SETTINGS
@given(cases(STEADY_ZONES, 2020))  # so no DST change is drawn: the oracle reads wall clocks
def test_is_open_agrees_with_a_wall_clock_oracle(case: Case) -> None:
    calendar = case.calendar()
    for t in (case.t, case.t + timedelta(hours=7, minutes=15), case.t + timedelta(days=3, minutes=1)):
        assert calendar.is_open(t) == oracle_is_open(case, t)
        reason = calendar.closed_reason(t)
        assert (reason is None) == calendar.is_open(t)
        if reason is not None:
            if any(c.start <= t < c.end for c in case.closures):
                assert reason.kind is ClosedReasonKind.CLOSURE
            elif calendar.service_day(t) in case.holidays:
                assert reason.kind is ClosedReasonKind.HOLIDAY
                assert reason.message == case.holidays[calendar.service_day(t)]
            else:
                assert reason.kind is ClosedReasonKind.OUTSIDE_HOURS


ALL_CASES = cases(STEADY_ZONES + DST_ZONES, 2015)


@SETTINGS
@given(ALL_CASES)
def test_next_opening_agrees_with_is_open(case: Case) -> None:
    calendar = case.calendar()
    t = case.t
    opening = in_utc(calendar.next_opening(t))
    horizon = t + timedelta(days=SEARCH_DAYS)
    if opening is not None:
        assert opening > t
        assert calendar.is_open(opening)
        assert not calendar.is_open(opening - US)
        assert calendar.closed_reason(opening - US) is not None
        if not calendar.is_open(t):
            assert calendar.opening_time_between(t, opening) == timedelta(0)
        else:
            closing = in_utc(calendar.next_closing(t))
            assert closing is not None and t < closing < opening
            assert calendar.opening_time_between(closing, opening) == timedelta(0)
    elif not calendar.is_open(t):
        assert calendar.opening_time_between(t, horizon) == timedelta(0)
    else:
        closing = in_utc(calendar.next_closing(t))
        if closing is None:
            assert calendar.opening_time_between(t, horizon) == horizon - t
        else:
            assert calendar.opening_time_between(closing, horizon) == timedelta(0)


@SETTINGS
@given(ALL_CASES)
def test_next_closing_agrees_with_is_open(case: Case) -> None:
    calendar = case.calendar()
    t = case.t
    closing = in_utc(calendar.next_closing(t))
    if closing is None:
        return
    assert closing > t
    assert not calendar.is_open(closing)
    assert calendar.is_open(closing - US)
    if calendar.is_open(t):
        # Open all the way from t to the closing.
        assert calendar.opening_time_between(t, closing) == closing - t
        middle = t + (closing - t) / 2
        assert calendar.is_open(middle)
        assert in_utc(calendar.next_closing(middle)) == closing
    else:
        opening = in_utc(calendar.next_opening(t))
        assert opening is not None and t < opening < closing
        assert calendar.opening_time_between(opening, closing) == closing - opening
        assert in_utc(calendar.next_closing(opening)) == closing


@SETTINGS
@given(ALL_CASES)
def test_holidays_and_closures_always_win(case: Case) -> None:
    calendar = case.calendar()
    for day in case.holidays:
        assert calendar.intervals_on(day) == ()
        noon = datetime(day.year, day.month, day.day, 12, tzinfo=case.zone)
        assert not calendar.is_open(noon)
        reason = calendar.closed_reason(noon)
        assert reason is not None and reason.kind in (ClosedReasonKind.HOLIDAY, ClosedReasonKind.CLOSURE)
    for closure in case.closures:
        start, end = closure.start.astimezone(UTC), closure.end.astimezone(UTC)
        assert calendar.opening_time_between(start, end) == timedelta(0)
        for t in (start, start + (end - start) / 3, end - US):
            assert not calendar.is_open(t)
            reason = calendar.closed_reason(t)
            assert reason is not None and reason.kind is ClosedReasonKind.CLOSURE
        after = calendar.next_opening(closure.start)
        assert after is None or not closure.covers(after)


@SETTINGS
@given(ALL_CASES, st.integers(0, 3000), st.integers(0, 5 * 1440), st.integers(0, 5 * 1440))
def test_deadlines_count_opening_time_only(case: Case, minutes: int, gap1: int, gap2: int) -> None:
    calendar = case.calendar()
    t = case.t
    duration = timedelta(minutes=minutes)
    deadline = in_utc(calendar.add_opening_time(t, duration))
    if deadline is not None:
        assert deadline >= t
        assert calendar.opening_time_between(t, deadline) == duration
        if minutes:
            assert calendar.is_open(deadline - US)  # the earliest such instant
    b = t + timedelta(minutes=gap1)
    c = b + timedelta(minutes=gap2)
    assert calendar.opening_time_between(t, b) + calendar.opening_time_between(b, c) == (
        calendar.opening_time_between(t, c)
    )
    assert math.isclose(
        calendar.opening_minutes_between(t, c) * 60, calendar.opening_time_between(t, c).total_seconds()
    )


@contextmanager
def process_timezone(name: str) -> Iterator[None]:
    previous = os.environ.get("TZ")
    os.environ["TZ"] = name
    time.tzset()
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = previous
        time.tzset()


def answers(case: Case) -> tuple[object, ...]:
    calendar = case.calendar()  # a fresh one: nothing cached from another TZ
    t = case.t
    return (
        calendar.is_open(t),
        calendar.next_opening(t),
        calendar.next_closing(t),
        calendar.closed_reason(t),
        calendar.service_day(t),
        calendar.intervals_on(calendar.service_day(t)),
        calendar.opening_time_between(t, t + timedelta(days=9)),
        calendar.add_opening_time(t, timedelta(hours=13)),
        calendar.next_opening_text(t),
        calendar.hours_text(),
    )


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ALL_CASES)
def test_answers_do_not_depend_on_the_process_time_zone(case: Case) -> None:
    with process_timezone("Asia/Tokyo"):
        assert time.localtime(0).tm_hour == 9  # the switch took effect
        in_tokyo = answers(case)
    with process_timezone("America/Los_Angeles"):
        assert time.localtime(0).tm_hour == 16
        in_los_angeles = answers(case)
    assert in_tokyo == in_los_angeles
