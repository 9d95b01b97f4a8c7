"""Builds a unit's calendar from its configuration, with national and state holidays from the
`holidays` package (the only place that package is used)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import cache

from adapters.holiday_source import PackageHolidaySource
from domain.calendar import UnitCalendar
from domain.config import Configuration, Court, UnitConfig
from domain.court_calendar import build_unit_calendar


@cache
def _holidays() -> PackageHolidaySource:
    return PackageHolidaySource()


def build_calendar(unit: UnitConfig, court: Court | None) -> UnitCalendar:
    unit_data = unit.model_dump(mode="json", exclude_none=True)
    court_data = court.model_dump(mode="json", exclude_none=True) if court else {"calendar": "state"}
    return build_unit_calendar(unit_data, court_data, _holidays())


class Calendars:
    """One calendar per unit and configuration version (holidays looked up once per year)."""

    def __init__(self, config: Callable[[], Configuration]) -> None:
        self._config = config
        self._built: dict[tuple[str, str], UnitCalendar] = {}
        self._lock = threading.Lock()

    def __call__(self, unit: UnitConfig) -> UnitCalendar:
        key = (unit.id, unit.model_dump_json())
        found = self._built.get(key)
        if found is None:
            found = build_calendar(unit, self._config().court(unit.court))
            with self._lock:
                self._built[key] = found
        return found
