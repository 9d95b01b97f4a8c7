"""Appointment slots cut from a unit's calendar (pure).

Each effective opening of a day (weekly hours minus holidays and closures, `Calendar.intervals_on`) is
cut into `slotMinutes` slots from its start; a slot that would end after the opening is not offered. A
slot is named by its start in UTC (`YYYYMMDDHHMM`), so a daylight-saving change could never give two
slots the same name.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from domain.config import UnitConfig
from domain.hours import WEEKDAY_NAMES
from domain.ports import Calendar

DAY = timedelta(days=1)


@dataclass(frozen=True)
class Slot:
    start: datetime  # aware, in the unit's zone
    end: datetime

    @property
    def key(self) -> str:
        return f"{self.start.astimezone(UTC):%Y%m%d%H%M}"

    @property
    def day(self) -> date:
        return self.start.date()


def slot_grid(
    calendar: Calendar, slot_minutes: int, first_day: date, last_day: date, earliest: datetime
) -> list[Slot]:
    """The slots of the local days first_day..last_day that start at or after `earliest`."""
    length = timedelta(minutes=slot_minutes)
    out: dict[str, Slot] = {}
    day = first_day
    while day <= last_day:
        for interval in calendar.intervals_on(day):
            zone = interval.start.tzinfo
            t, end = interval.start.astimezone(UTC), interval.end.astimezone(UTC)
            while t + length <= end:
                if t >= earliest:
                    slot = Slot(t.astimezone(zone), (t + length).astimezone(zone))
                    out.setdefault(slot.key, slot)
                t += length
        day += DAY
    return sorted(out.values(), key=lambda s: s.key)


def slot_window(unit: UnitConfig, now: datetime) -> tuple[date, date]:
    """The local days on which appointments may be booked: today to `daysAhead` days ahead."""
    today = now.astimezone(ZoneInfo(unit.timezone)).date()
    return today, today + timedelta(days=unit.scheduling.days_ahead)


def day_label(d: date) -> str:
    """`segunda-feira, 07/12/2026`"""
    return f"{WEEKDAY_NAMES[d.weekday()]}, {d:%d/%m/%Y}"


def hhmm(t: datetime) -> str:
    """`10h30`"""
    return f"{t:%H}h{t:%M}"
