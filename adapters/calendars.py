"""Builds a unit's calendar from its configuration, with national and state holidays from the
`holidays` package (the only place that package is used)."""

from __future__ import annotations

from functools import cache

from adapters.holiday_source import PackageHolidaySource
from domain.calendar import UnitCalendar
from domain.config import Court, UnitConfig
from domain.court_calendar import build_unit_calendar


@cache
def _holidays() -> PackageHolidaySource:
    return PackageHolidaySource()


def build_calendar(unit: UnitConfig, court: Court | None) -> UnitCalendar:
    unit_data = unit.model_dump(mode="json", exclude_none=True)
    court_data = court.model_dump(mode="json", exclude_none=True) if court else {"calendar": "state"}
    return build_unit_calendar(unit_data, court_data, _holidays())
