"""NCRONTAB: six fields, seconds first, UTC; NCrontab's reading of steps, names and day matching."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from devhost.ncrontab import CronSchedule, CronSyntaxError, parse


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("expression", "after", "expected"),
    [
        ("*/5 * * * * *", "2025-01-01T00:00:00", "2025-01-01T00:00:05"),
        ("*/5 * * * * *", "2025-01-01T00:00:04.999", "2025-01-01T00:00:05"),
        ("*/5 * * * * *", "2025-01-01T00:00:05", "2025-01-01T00:00:10"),
        ("0 */1 * * * *", "2025-01-01T00:00:00", "2025-01-01T00:01:00"),
        ("0 */5 * * * *", "2025-01-01T10:02:30", "2025-01-01T10:05:00"),
        ("0 30 9 * * MON-FRI", "2025-01-03T09:30:00", "2025-01-06T09:30:00"),  # Fri → Mon
        ("0 30 9 * * mon-fri", "2025-01-04T00:00:00", "2025-01-06T09:30:00"),
        ("0 0 0 1 JAN *", "2025-03-01T00:00:00", "2026-01-01T00:00:00"),
        ("0 0 0 1 january *", "2025-03-01T00:00:00", "2026-01-01T00:00:00"),
        ("0 0 12 * * 0", "2025-01-01T00:00:00", "2025-01-05T12:00:00"),  # 0 is Sunday
        ("0 0 12 * * SUN", "2025-01-01T00:00:00", "2025-01-05T12:00:00"),
        ("0 0 0 29 FEB *", "2025-01-01T00:00:00", "2028-02-29T00:00:00"),
        ("0 0 0 13 * FRI", "2025-01-01T00:00:00", "2025-06-13T00:00:00"),  # day AND weekday
        ("0 0 8-10/2 * * *", "2025-01-01T08:00:00", "2025-01-01T10:00:00"),
        ("5/20 * * * * *", "2025-01-01T00:00:06", "2025-01-01T00:00:25"),  # a/n: from a, every n
        ("0,30 15,45 * * * *", "2025-01-01T00:15:30", "2025-01-01T00:45:00"),
        ("59 59 23 31 12 *", "2025-12-31T23:59:59", "2026-12-31T23:59:59"),
        ("0 0 0 31 * *", "2025-01-31T00:00:00", "2025-03-31T00:00:00"),  # February has no 31st
        ("0 * * * *", "2025-01-01T00:30:00", "2025-01-01T01:00:00"),  # five fields: no seconds
    ],
)
def test_next_occurrence(expression: str, after: str, expected: str) -> None:
    assert parse(expression).next_occurrence(datetime.fromisoformat(after)) == at(expected)


def test_naive_means_utc_and_aware_is_converted() -> None:
    schedule = parse("0 0 12 * * *")
    brasilia = timezone(timedelta(hours=-3))

    assert schedule.next_occurrence(datetime(2025, 1, 1, 8, 0)) == at("2025-01-01T12:00:00")
    # 10:00 in Brasília is 13:00 UTC: noon UTC has passed.
    assert schedule.next_occurrence(datetime(2025, 1, 1, 10, 0, tzinfo=brasilia)) == at("2025-01-02T12:00:00")
    assert schedule.next_occurrence(datetime(2025, 1, 1)).tzinfo is UTC


@pytest.mark.parametrize(
    "expression",
    [
        "* * * * *  * *",
        "* * * *",
        "60 * * * * *",
        "* 60 * * * *",
        "* * 24 * * *",
        "* * * 0 * *",
        "* * * 32 * *",
        "* * * * 13 *",
        "* * * * * 7",
        "*/0 * * * * *",
        "5-1 * * * * *",
        "1,,2 * * * * *",
        "* * * * FOO *",
        "* * * * * MO",
        "a * * * * *",
        "",
    ],
)
def test_syntax_errors(expression: str) -> None:
    with pytest.raises(CronSyntaxError):
        parse(expression)


def test_syntax_error_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="second 61"):
        parse("61 * * * * *")


def test_a_schedule_that_never_fires_says_so() -> None:
    with pytest.raises(CronSyntaxError, match="no occurrence"):
        parse("0 0 0 30 FEB *").next_occurrence(at("2025-01-01T00:00:00"))


# -- properties ------------------------------------------------------------------------------------


def subset(low: int, high: int) -> st.SearchStrategy[frozenset[int]]:
    return st.frozensets(st.integers(low, high), min_size=1, max_size=6)


def field_text(values: frozenset[int] | None) -> str:
    return "*" if values is None else ",".join(str(v) for v in sorted(values))


instants = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2090, 1, 1)).map(
    lambda d: d.replace(tzinfo=UTC)
)


@settings(max_examples=150, deadline=None)
@given(
    seconds=subset(0, 59),
    minutes=subset(0, 59),
    hours=st.none() | subset(0, 23),
    days=st.none() | subset(1, 28),
    months=st.none() | subset(1, 12),
    weekdays=st.none() | subset(0, 6),
    after=instants,
)
def test_next_occurrence_is_the_first_matching_second(
    seconds: frozenset[int],
    minutes: frozenset[int],
    hours: frozenset[int] | None,
    days: frozenset[int] | None,
    months: frozenset[int] | None,
    weekdays: frozenset[int] | None,
    after: datetime,
) -> None:
    fields = [seconds, minutes, hours, days, months, weekdays]
    schedule = parse(" ".join(field_text(f) for f in fields))

    found = schedule.next_occurrence(after)

    def matches(t: datetime) -> bool:  # a reference written against the generated sets, not the parser
        weekday = (t.weekday() + 1) % 7
        values = [t.second, t.minute, t.hour, t.day, t.month, weekday]
        return all(f is None or v in f for f, v in zip(fields, values, strict=True))

    assert found > after and found.microsecond == 0
    assert matches(found)
    # Nothing matches in between: check minute by minute when the gap is short enough to walk.
    assume(found - after <= timedelta(days=2))
    minute = after.replace(second=0, microsecond=0)
    while minute < found.replace(second=0):
        for second in sorted(seconds):
            candidate = minute.replace(second=second)
            assert not (after < candidate < found and matches(candidate))
        minute += timedelta(minutes=1)


@settings(max_examples=100, deadline=None)
@given(step=st.integers(1, 30), after=instants)
def test_second_steps(step: int, after: datetime) -> None:
    found = parse(f"*/{step} * * * * *").next_occurrence(after)

    assert found.second % step == 0
    assert timedelta(0) < found - after <= timedelta(seconds=step + 60 % step + 1)


@given(after=instants)
def test_next_of_an_occurrence_moves_forward(after: datetime) -> None:
    schedule = CronSchedule.parse("0 */15 9-17 * * MON-FRI")
    first = schedule.next_occurrence(after)
    second = schedule.next_occurrence(first)

    assert second > first and schedule.matches(first) and schedule.matches(second)
    assert schedule.next_occurrence(first - timedelta(seconds=1)) == first
