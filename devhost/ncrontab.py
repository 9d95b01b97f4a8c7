"""NCRONTAB schedules as the Azure Functions timer trigger reads them, evaluated in UTC.

    {second} {minute} {hour} {day} {month} {day-of-week}

Each field takes `*`, a value, a range `a-b`, a step `*/n`, `a-b/n` or `a/n` (from `a` to the
field's maximum, as NCrontab reads it), and comma-separated lists of these. Months accept JAN–DEC and
days of the week SUN–SAT (three letters or the full English name, any case); Sunday is 0. As in the
Functions host, an expression with five fields has no seconds field (second 0).

Day of month and day of week must *both* match (NCrontab's rule; Vixie cron's is "either"), so
`0 0 0 13 * FRI` fires only on Friday the 13th.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from devhost.errors import CronSyntaxError

__all__ = ["CronSchedule", "CronSyntaxError", "parse"]

_MONTHS = [
    "january", "february", "march", "april", "may", "june",
    "july", "august", "september", "october", "november", "december",
]  # fmt: skip
_DAYS = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"]

# The Gregorian calendar (weekdays included) repeats every 400 years: a schedule that has no
# occurrence in that span never fires.
_SEARCH_YEARS = 400


@dataclass(frozen=True)
class _Field:
    label: str
    low: int
    high: int
    names: tuple[str, ...] = ()
    name_base: int = 0  # the value of names[0]


_FIELDS = (
    _Field("second", 0, 59),
    _Field("minute", 0, 59),
    _Field("hour", 0, 23),
    _Field("day", 1, 31),
    _Field("month", 1, 12, tuple(_MONTHS), 1),
    _Field("day-of-week", 0, 6, tuple(_DAYS), 0),
)


def _value(text: str, field: _Field, expression: str) -> int:
    if text.isdigit():
        number = int(text)
    else:
        lowered = text.lower()
        matches = [
            i
            for i, name in enumerate(field.names)
            if lowered == name or (len(lowered) == 3 and name[:3] == lowered)
        ]
        if not matches:
            raise CronSyntaxError(f"{expression!r}: {text!r} is not a valid {field.label}")
        number = matches[0] + field.name_base
    if not field.low <= number <= field.high:
        raise CronSyntaxError(f"{expression!r}: {field.label} {number} is outside {field.low}-{field.high}")
    return number


def _parse_field(text: str, field: _Field, expression: str) -> frozenset[int]:
    values: set[int] = set()
    for part in text.split(","):
        if not part:
            raise CronSyntaxError(f"{expression!r}: empty item in the {field.label} field")
        base, slash, step_text = part.partition("/")
        step = 1
        if slash:
            if not step_text.isdigit() or int(step_text) == 0:
                raise CronSyntaxError(f"{expression!r}: bad step {step_text!r} in the {field.label} field")
            step = int(step_text)
        if base == "*":
            low, high = field.low, field.high
        elif "-" in base:
            first, _, last = base.partition("-")
            low, high = _value(first, field, expression), _value(last, field, expression)
            if low > high:
                raise CronSyntaxError(f"{expression!r}: range {base!r} runs backwards")
        else:
            low = _value(base, field, expression)
            high = field.high if slash else low
        values.update(range(low, high + 1, step))
    return frozenset(values)


@dataclass(frozen=True)
class CronSchedule:
    """A parsed NCRONTAB expression; `next_occurrence` walks it forward in UTC."""

    expression: str
    seconds: frozenset[int]
    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]  # 0 = Sunday

    @classmethod
    def parse(cls, expression: str) -> CronSchedule:
        parts = expression.split()
        if len(parts) == 5:
            parts = ["0", *parts]
        if len(parts) != 6:
            raise CronSyntaxError(
                f"{expression!r}: expected six fields (second minute hour day month day-of-week)"
            )
        sets = [_parse_field(text, field, expression) for text, field in zip(parts, _FIELDS, strict=True)]
        return cls(expression, *sets)

    def matches(self, when: datetime) -> bool:
        """Whether `when` (UTC; naive means UTC) is an occurrence, to the second."""
        when = _as_utc(when)
        return (
            when.second in self.seconds
            and when.minute in self.minutes
            and when.hour in self.hours
            and when.day in self.days
            and when.month in self.months
            and _weekday(when.year, when.month, when.day) in self.weekdays
        )

    def next_occurrence(self, after: datetime) -> datetime:
        """The first occurrence strictly after `after` (naive means UTC), as an aware UTC datetime."""
        start = _as_utc(after).replace(microsecond=0) + timedelta(seconds=1)
        seconds, minutes, hours = sorted(self.seconds), sorted(self.minutes), sorted(self.hours)
        days, months = sorted(self.days), sorted(self.months)
        for year in range(start.year, min(start.year + _SEARCH_YEARS, 9999) + 1):
            first_year = year == start.year
            for month in months:
                if first_year and month < start.month:
                    continue
                first_month = first_year and month == start.month
                last_day = calendar.monthrange(year, month)[1]
                for day in days:
                    if day > last_day:
                        break
                    if (first_month and day < start.day) or _weekday(year, month, day) not in self.weekdays:
                        continue
                    first_day = first_month and day == start.day
                    for hour in hours:
                        if first_day and hour < start.hour:
                            continue
                        first_hour = first_day and hour == start.hour
                        for minute in minutes:
                            if first_hour and minute < start.minute:
                                continue
                            first_minute = first_hour and minute == start.minute
                            for second in seconds:
                                if first_minute and second < start.second:
                                    continue
                                return datetime(year, month, day, hour, minute, second, tzinfo=UTC)
        raise CronSyntaxError(f"{self.expression!r} has no occurrence after {after.isoformat()}")

    def __str__(self) -> str:
        return self.expression


def parse(expression: str) -> CronSchedule:
    """Parse an NCRONTAB expression (six fields, seconds first; or five, without seconds)."""
    return CronSchedule.parse(expression)


def _as_utc(when: datetime) -> datetime:
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def _weekday(year: int, month: int, day: int) -> int:
    return (calendar.weekday(year, month, day) + 1) % 7  # calendar: Monday = 0; cron: Sunday = 0
