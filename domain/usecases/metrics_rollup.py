"""The metric rollup pass (timer, every minute): merge the new ticket events of every active unit's
current day (and, until it is sealed, of the day before) into the rollups, and take this minute's
sample (open by its calendar? a clerk online? people waiting?). The arithmetic and the exactly-once
merge: domain/rollups.py, domain/metric_events.py."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from domain.config import UnitConfig
from domain.errors import ConcurrentUpdateError
from domain.metric_events import DayClock
from domain.rollups import SEAL_AFTER, Rollups
from domain.usecases.context import Context
from domain.usecases.unit_day import service_day


@dataclass
class PassReport:
    """What one pass of the rollup timer did (logged): unit-days and events read, writes, conflicts."""

    unit_days: int = 0
    events_read: int = 0
    events_new: int = 0
    writes: int = 0
    conflicts: int = 0
    failed: list[str] = field(default_factory=list)


def previous_day(day: str) -> str:
    d = date(int(day[:4]), int(day[4:6]), int(day[6:])) - timedelta(days=1)
    return f"{d:%Y%m%d}"


def roll_up(ctx: Context, now: datetime, attempts: int = 5) -> PassReport:
    """One pass (module docstring). Courts are rolled up side by side (`ctx.tasks`); the units of a
    court one after another, since they all write the court-day."""
    courts: dict[str, list[UnitConfig]] = defaultdict(list)
    for unit in ctx.config().units:
        if unit.active:
            courts[unit.court].append(unit)

    def court_pass(units: list[UnitConfig]) -> PassReport:
        report = PassReport()
        for unit in units:
            today = service_day(unit, now)
            for day, is_today in ((previous_day(today), False), (today, True)):
                try:
                    roll_unit_day(ctx, unit, day, now, is_today, report, attempts)
                except ConcurrentUpdateError:
                    report.failed.append(f"{unit.id}.{day}")  # the next pass takes it up again
        return report

    reports = ctx.tasks.map(court_pass, list(courts.values()))
    total = PassReport()
    for r in reports:
        total.unit_days += r.unit_days
        total.events_read += r.events_read
        total.events_new += r.events_new
        total.writes += r.writes
        total.conflicts += r.conflicts
        total.failed += r.failed
    return total


def roll_unit_day(
    ctx: Context,
    unit: UnitConfig,
    day: str,
    now: datetime,
    is_today: bool,
    report: PassReport,
    attempts: int,
) -> None:
    clock = DayClock(unit.timezone, day)
    seal = not is_today and now >= clock.end() + SEAL_AFTER
    for _ in range(attempts):
        unit_day, unit_etag = ctx.metrics.load_unit_day(unit.court, unit.id, day)
        if unit_day.sealed or (seal and unit_etag is None):
            return  # sealed, or a past day on which the rollup never saw anything
        report.unit_days += 1
        delta = Rollups()
        changed = False
        waiting: int | None = None
        clerks: int | None = None
        for page in ctx.metrics.read_events(unit.id, day, unit_day.read_from_ms(), with_state=is_today):
            part, new = unit_day.apply(page.events, clock)
            delta.merge(part)
            changed = changed or new > 0
            report.events_read += len(page.events)
            report.events_new += new
            if page.waiting is not None:
                waiting, clerks = page.waiting, page.clerks_online
        if is_today:
            open_now = unit.active and (ctx.always_open or ctx.calendars(unit).is_open(now))
            if open_now or waiting is not None:
                now_ms = int(now.timestamp() * 1000)
                part, sampled = unit_day.sample(
                    now_ms // 60_000, clock.hour(now_ms), open_now, clerks or 0, waiting or 0
                )
                delta.merge(part)
                changed = changed or sampled
        if seal:
            unit_day.seal()
            changed = True
        if not changed:
            return
        court_day, court_etag = ctx.metrics.load_court_day(unit.court, day)
        court_day.rollups.merge(delta)
        try:
            ctx.metrics.save(unit_day, unit_etag, court_day, court_etag, delta.changed_hours())
            report.writes += 1
            return
        except ConcurrentUpdateError:
            report.conflicts += 1
            ctx.metrics.forget(unit.court, unit.id, day)
    raise ConcurrentUpdateError()
