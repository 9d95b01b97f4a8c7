"""What a metrics report reads: the units a principal asked for and may read (`Scope`), the service
days it covers (`Period`), and their rollups (`read_units`, `day_series`, `hour_rows`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from domain.auth import Principal
from domain.config import Configuration, UnitConfig
from domain.errors import ForbiddenError, InvalidInputError, NotFoundError, UnitNotFoundError
from domain.metric_events import DayRow, HourRow
from domain.rollups import PERIODS, QUEUE_FRESH_MINUTES, Rollup
from domain.times import day_of
from domain.usecases.context import Context
from domain.usecases.unit_day import service_day


@dataclass(frozen=True)
class Scope:
    """The units a principal asked for and may read; `courts` are those read whole (every unit
    of the court is in scope), whose court rollups can stand for the sum of their units."""

    units: tuple[UnitConfig, ...]
    courts: tuple[str, ...]


def scope_for(config: Configuration, who: Principal, court: str = "", unit: str = "") -> Scope:
    """Admins read everything, court managers their courts, clerks their units; others nothing."""
    if not (who.admin or who.manager_courts or who.clerk_units):
        raise ForbiddenError("Você não tem acesso aos indicadores do Balcão Virtual.")
    if court and config.court(court) is None:
        raise NotFoundError("Tribunal não encontrado.")
    if unit:
        found = config.unit(unit)
        if found is None or (court and found.court != court):
            raise UnitNotFoundError()
        if not who.can_read_unit(found.id, found.court):
            raise ForbiddenError("Você não tem acesso aos indicadores desta unidade.")
        return Scope((found,), ())
    candidates = [u for u in config.units if not court or u.court == court]
    readable = tuple(u for u in candidates if who.can_read_unit(u.id, u.court))
    if not readable:
        raise ForbiddenError("Você não tem acesso aos indicadores deste tribunal.")
    whole = tuple(
        c.id
        for c in config.courts
        if (not court or c.id == court) and (who.admin or c.id in who.manager_courts)
    )
    return Scope(readable, whole)


@dataclass(frozen=True)
class Period:
    key: str
    days: int
    first: str  # YYYYMMDD
    last: str

    def dates(self) -> list[str]:
        start = day_of(self.first)
        return [f"{start + timedelta(days=i):%Y%m%d}" for i in range(self.days)]


def period_for(
    scope: Scope, key: str, now: datetime, choices: Mapping[str, int] = PERIODS, param: str = "period"
) -> Period:
    """The last N service days, ending on the latest local date among the units in scope (units
    west of it may not have reached that date yet: they just have no row for it)."""
    key = (key or "").strip() or "30"
    if key not in choices:
        options = ", ".join(choices)
        raise InvalidInputError(f"Período inválido: use {options}.", fields={param: f"use {options}"})
    days = choices[key]
    last = max((service_day(u, now) for u in scope.units), default=f"{now:%Y%m%d}")
    first = f"{day_of(last) - timedelta(days=days - 1):%Y%m%d}"
    return Period(key, days, first, last)


@dataclass(frozen=True)
class ReportQuery:
    """What a report is asked for: by whom, the period (`period`, or `days` for the daily series), and
    the court and unit filters."""

    who: Principal
    period: str = ""
    court: str = ""
    unit: str = ""


def open_report(
    ctx: Context,
    query: ReportQuery,
    now: datetime,
    choices: Mapping[str, int] = PERIODS,
    param: str = "period",
) -> tuple[Scope, Period]:
    scope = scope_for(ctx.config(), query.who, query.court, query.unit)
    return scope, period_for(scope, query.period, now, choices, param)


class UnitRollups:
    """The unit rows of a scope over a period: one query per unit (≤ 60 rows each), side by side."""

    def __init__(self, ctx: Context, scope: Scope, period: Period) -> None:
        def read(u: UnitConfig) -> list[DayRow]:
            return ctx.metrics.unit_days(u.court, u.id, period.first, period.last)

        rows = ctx.tasks.map(read, list(scope.units))
        self.rows = {u.id: r for u, r in zip(scope.units, rows, strict=True)}
        self.units: dict[str, Rollup] = {}
        for uid, unit_rows in self.rows.items():
            self.units[uid] = Rollup()
            for row in unit_rows:
                self.units[uid].merge(row.rollup)

    def total(self, unit_id: str | None = None) -> Rollup:
        if unit_id is not None:
            return self.units.get(unit_id) or Rollup()
        out = Rollup()
        for part in self.units.values():
            out.merge(part)
        return out

    def on(self, unit_id: str, day: str) -> DayRow | None:
        return next((r for r in self.rows.get(unit_id, []) if r.day == day), None)


def queue_now(row: DayRow | None, now: datetime) -> int:
    """People waiting at the latest sample, when it is recent enough to be "now"."""
    if row is None or not row.sampled_minute:
        return 0
    fresh = int(now.timestamp()) // 60 - row.sampled_minute <= QUEUE_FRESH_MINUTES
    return row.queue_now if fresh else 0


def day_series(ctx: Context, scope: Scope, period: Period) -> dict[str, Rollup]:
    """Per date, the sum over the scope: court rollups for courts read whole (one query per court),
    unit rollups for the rest (one query per unit)."""
    by_day: dict[str, Rollup] = {d: Rollup() for d in period.dates()}
    for court_id in scope.courts:
        for row in ctx.metrics.court_days(court_id, period.first, period.last):
            if row.day in by_day:
                by_day[row.day].merge(row.rollup)
    for u in scope.units:
        if u.court not in scope.courts:
            for row in ctx.metrics.unit_days(u.court, u.id, period.first, period.last):
                if row.day in by_day:
                    by_day[row.day].merge(row.rollup)
    return by_day


def hour_rows(ctx: Context, scope: Scope, period: Period) -> list[HourRow]:
    """The hour rollups of the scope (court rows for courts read whole, unit rows for the rest)."""
    rows: list[HourRow] = []
    for court_id in scope.courts:
        rows += ctx.metrics.court_hours(court_id, period.first, period.last)
    for u in scope.units:
        if u.court not in scope.courts:
            rows += ctx.metrics.unit_hours(u.court, u.id, period.first, period.last)
    return rows
