"""Appointment slots against unit calendars (no slot outside hours, on holidays or in closures), and the
scheduled citizen's place in the order of service."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.calendar import UnitCalendar
from domain.closures import Closure, HolidayCalendar
from domain.hours import TimeRange, WeeklyHours
from domain.ordering import Entry, Policy, PriorityClass, call_order, next_cycle, sort_line
from domain.queue import SCHEDULED_REASON, QueueState, order_reason
from domain.slots import slot_grid

MANAUS = ZoneInfo("America/Manaus")
US = timedelta(microseconds=1)


def tefe(holidays: dict[date, str] | None = None, closures: tuple[Closure, ...] = ()) -> UnitCalendar:
    """Vara Única de Tefé: 08:00–14:00 on weekdays, Manaus time."""
    hours = WeeklyHours(tuple((TimeRange(8 * 60, 14 * 60),) if d < 5 else () for d in range(7)))
    return UnitCalendar(MANAUS, hours, HolidayCalendar(dates=holidays or {}), closures)


MONDAY = date(2026, 12, 7)


def test_a_weekday_is_cut_into_slots_from_each_opening() -> None:
    grid = slot_grid(tefe(), 20, MONDAY, MONDAY, datetime(2026, 1, 1, tzinfo=UTC))
    assert len(grid) == 18  # 6 hours / 20 minutes
    assert grid[0].start.isoformat() == "2026-12-07T08:00:00-04:00"
    assert grid[-1].end.isoformat() == "2026-12-07T14:00:00-04:00"
    assert grid[0].key == "202612071200"  # named by the start in UTC


def test_a_slot_that_would_end_after_closing_is_not_offered() -> None:
    grid = slot_grid(tefe(), 50, MONDAY, MONDAY, datetime(2026, 1, 1, tzinfo=UTC))
    starts = [s.start.strftime("%H:%M") for s in grid]
    assert starts[-1] == "13:00"  # ends 13:50; the next one (13:50) would end at 14:40
    assert all(s.end.strftime("%H:%M") <= "14:00" for s in grid)


def test_holidays_weekends_and_closures_have_no_slots() -> None:
    closure = Closure(
        datetime(2026, 12, 9, 10, 0, tzinfo=MANAUS),
        datetime(2026, 12, 9, 12, 0, tzinfo=MANAUS),
        "Queda de energia",
    )
    calendar = tefe({date(2026, 12, 8): "Imaculada Conceição"}, (closure,))
    grid = slot_grid(calendar, 30, MONDAY, MONDAY + timedelta(days=6), datetime(2026, 1, 1, tzinfo=UTC))
    days = {s.day for s in grid}
    assert date(2026, 12, 8) not in days  # holiday
    assert not days & {date(2026, 12, 12), date(2026, 12, 13)}  # weekend
    wednesday = [s.start.strftime("%H:%M") for s in grid if s.day == date(2026, 12, 9)]
    assert "10:00" not in wednesday and "11:30" not in wednesday
    assert "09:30" in wednesday and "12:00" in wednesday


def test_slots_start_no_earlier_than_asked() -> None:
    earliest = datetime(2026, 12, 7, 10, 5, tzinfo=MANAUS)
    grid = slot_grid(tefe(), 20, MONDAY, MONDAY, earliest)
    assert grid[0].start == datetime(2026, 12, 7, 10, 20, tzinfo=MANAUS)


@st.composite
def calendars(draw: st.DrawFn) -> UnitCalendar:
    zone = ZoneInfo(
        draw(st.sampled_from(["America/Manaus", "America/Rio_Branco", "America/Sao_Paulo", "UTC"]))
    )
    days = []
    for _ in range(7):
        ranges: list[TimeRange] = []
        cursor = 0
        for _ in range(draw(st.integers(0, 2))):
            start = cursor + draw(st.integers(0, 30)) * 15
            end = start + draw(st.integers(1, 40)) * 15
            if end > 1440:
                break
            ranges.append(TimeRange(start, end))
            cursor = end
        days.append(tuple(ranges))
    holidays = {
        date(2026, 3, 2) + timedelta(days=n): "Feriado" for n in draw(st.sets(st.integers(0, 13), max_size=4))
    }
    closures = ()
    if draw(st.booleans()):
        start = datetime(2026, 3, 2, tzinfo=zone) + timedelta(minutes=15 * draw(st.integers(0, 14 * 96)))
        closures = (Closure(start, start + timedelta(minutes=15 * draw(st.integers(1, 200)))),)
    return UnitCalendar(zone, WeeklyHours(tuple(days)), HolidayCalendar(dates=holidays), closures)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(calendars(), st.sampled_from([10, 15, 20, 30, 45, 60]), st.integers(0, 14 * 24 * 4))
def test_every_slot_lies_wholly_inside_an_opening_on_a_working_day(
    calendar: UnitCalendar, minutes: int, quarter_hours: int
) -> None:
    first = date(2026, 3, 2)
    earliest = datetime(2026, 3, 2, tzinfo=UTC) + timedelta(minutes=15 * quarter_hours)
    grid = slot_grid(calendar, minutes, first, first + timedelta(days=13), earliest)
    length = timedelta(minutes=minutes)
    for slot in grid:
        assert slot.start >= earliest
        assert slot.end - slot.start == length
        assert calendar.opening_time_between(slot.start, slot.end) == length  # open throughout
        assert calendar.is_open(slot.start) and calendar.is_open(slot.end - US)
        assert slot.day not in calendar.holidays
    keys = [s.key for s in grid]
    assert keys == sorted(set(keys))  # no slot twice
    # and nothing is missed: every opening long enough has its first slot offered
    day = first
    while day <= first + timedelta(days=13):
        for interval in calendar.intervals_on(day):
            if interval.start >= earliest and interval.duration >= length:
                assert any(s.start == interval.start for s in grid), interval
        day += timedelta(days=1)


# ------------------------------------------------------------------------------------------------
# The scheduled citizen's place in the order


def entry(short: str, klass: PriorityClass, arrived: int, seq: int) -> Entry:
    return Entry(short=short, klass=klass, arrived_ms=arrived, seq=seq)


LINE = sort_line(
    [
        entry("early", PriorityClass.NORMAL, 1_000, 1),
        entry("aged80", PriorityClass.SUPER, 2_000, 2),
        entry("pregnant", PriorityClass.PRIORITY, 3_000, 3),
        entry("booked", PriorityClass.SCHEDULED, 9_000, 4),  # arrives last: the appointment time
    ]
)


def test_the_scheduled_citizen_goes_straight_to_the_front_under_every_policy() -> None:
    for policy in (Policy(), Policy("interleave", 2, 1), Policy("interleave", 1, 3)):
        assert call_order(LINE, policy)[0].short == "booked"
        state = QueueState(unit_id="u", day="20261207", line=list(LINE))
        assert state.positions(policy)["booked"] == 1
        assert state.positions(policy)["aged80"] == 2  # the legal priorities order everyone else


def test_calling_the_scheduled_citizen_does_not_move_the_interleave_cycle() -> None:
    policy = Policy("interleave", 2, 1)
    for cycle in range(3):
        assert next_cycle(cycle, LINE[0], LINE, policy) == cycle
        rest = [e for e in LINE if e.short != "booked"]
        assert call_order(LINE, policy, cycle)[1:] == call_order(rest, policy, cycle)


def test_the_call_records_that_it_was_scheduled() -> None:
    state = QueueState(unit_id="u", day="20261207", line=list(LINE))
    booked = state.find("booked")
    assert booked is not None
    assert order_reason(state, booked, "") == SCHEDULED_REASON
    # a second scheduled citizen arriving first is still recorded as scheduled
    alone = QueueState(unit_id="u", day="20261207", line=[booked])
    assert order_reason(alone, booked, "") == SCHEDULED_REASON
