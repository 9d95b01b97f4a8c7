"""The indicators (issue 7): reports read from the rollups of the units a principal may read, over a
period of service days (domain/usecases/metrics_scope.py). Minutes are rounded to one decimal."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Generic, TypeVar

from domain.ordering import CLASS_LABELS, PriorityClass
from domain.people import ROLES
from domain.rollups import (
    DAILY_DAYS,
    LOST,
    NOT_SERVED,
    NOT_SERVED_LABELS,
    ORDER_REASONS,
    PASSING_RULES,
    POSITION_EDGES,
    POSITION_LABELS,
    WEEKDAYS,
    Rollup,
)
from domain.times import day_of
from domain.usecases.citizen_view import UnitRef
from domain.usecases.context import Context
from domain.usecases.metrics_scope import (
    Period,
    ReportQuery,
    UnitRollups,
    day_series,
    hour_rows,
    open_report,
    queue_now,
)
from domain.usecases.unit_day import service_day


@dataclass(frozen=True)
class Report:
    """The period a report covers: its key (today, 7, 30, 60) and its first and last service days."""

    period: str
    first: date
    last: date


R = TypeVar("R")


@dataclass(frozen=True)
class Rows(Report, Generic[R]):
    """A report that is a row per day, unit or bucket of its period (the JSON names the list: the
    presenters in functions/answers/metrics.py)."""

    rows: list[R]


def covering(period: Period) -> tuple[str, date, date]:
    return period.key, day_of(period.first), day_of(period.last)


def minutes(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 60, 1)


def mean(total: int, count: int, digits: int = 2) -> float | None:
    return round(total / count, digits) if count > 0 else None


@dataclass(frozen=True)
class Totals:
    requests: int
    admitted: int
    served: int
    not_served: dict[str, int]  # by outcome (NOT_SERVED)

    @staticmethod
    def of(r: Rollup) -> Totals:
        return Totals(r.requests, r.admitted, r.served, {k: r.not_served.get(k, 0) for k in NOT_SERVED})


@dataclass(frozen=True)
class WaitMinutes:
    mean: float | None
    p50: float | None
    p90: float | None


@dataclass(frozen=True)
class ServiceMinutes:
    mean: float | None
    p90: float | None


@dataclass(frozen=True)
class Survey:
    count: int
    mean: float | None


@dataclass(frozen=True)
class Summary(Report):
    totals: Totals
    average_per_day: float
    wait_minutes: WaitMinutes
    service_minutes: ServiceMinutes
    survey: Survey
    active_agents: int
    units_with_attendance: int
    inactive_units: int
    active_units: int
    queue_now: int
    chat_attendances: int  # attendances that went on by chat (issue 14)


@dataclass(frozen=True)
class DayFigures:
    date: date
    requests: int
    served: int
    average_wait_minutes: float | None


Daily = Rows[DayFigures]


@dataclass(frozen=True)
class UnitFigures(UnitRef):
    section: str
    court: UnitRef
    active: bool
    requests: int
    served: int
    today: int
    queue: int
    average_wait_minutes: float | None
    survey_mean: float | None


UnitsReport = Rows[UnitFigures]


@dataclass(frozen=True)
class Heatmap(Report):
    weekdays: tuple[str, ...]
    hours: list[int]
    served: list[list[int]]  # [weekday, Monday first][local hour]
    max: int


@dataclass(frozen=True)
class DropoffBucket:
    label: str
    first: int
    last: int | None
    admitted: int
    not_served: int
    by_reason: dict[str, int]  # by outcome (LOST)
    share: float | None


Dropoff = Rows[DropoffBucket]


@dataclass(frozen=True)
class Tally:
    key: str
    label: str
    count: int

    @staticmethod
    def each(labels: Mapping[str, str], counts: Mapping[str, int]) -> list[Tally]:
        """A tally for every labelled key, in the labels' order; a key never counted shows 0."""
        return [Tally(key, label, counts.get(key, 0)) for key, label in labels.items()]


@dataclass(frozen=True)
class UnitCompliance(UnitRef):
    section: str
    court: str
    active: bool
    minutes_open: int
    minutes_with_clerk: int
    coverage: float | None
    median_wait_minutes: float | None
    calls: int
    out_of_order_calls: int
    out_of_order_reasons: list[Tally]
    passed_priority_calls: int  # calls that passed a waiting priority person ("prioridade preterida")
    passed_priority_rules: list[Tally]  # by the rule that passed them (intercalação, categoria, servidor)


Compliance = Rows[UnitCompliance]


@dataclass(frozen=True)
class Breakdown(Report):
    by_priority: list[Tally]  # key: the PriorityClass value
    by_role: list[Tally]
    by_reason: list[Tally]
    not_served: list[Tally]
    peak_queue: int


def summary(ctx: Context, query: ReportQuery, now: datetime) -> Summary:
    """The dashboard's headline numbers. `active_units`: units switched on in scope;
    `units_with_attendance`: those that finished at least one attendance in the period;
    `inactive_units`: switched-on units that did not; `active_agents`: distinct clerks who called,
    served or finished someone; `queue_now`: people waiting now (sampled each minute);
    `chat_attendances`: attendances that went on by chat."""
    scope, period = open_report(ctx, query, now)
    read = UnitRollups(ctx, scope, period)
    total = read.total()
    with_attendance = {u.id for u in scope.units if read.total(u.id).served > 0}
    active = [u for u in scope.units if u.active]
    return Summary(
        *covering(period),
        Totals.of(total),
        round(total.served / period.days, 1),
        WaitMinutes(
            minutes(total.wait.mean()),
            minutes(total.wait.percentile(0.5)),
            minutes(total.wait.percentile(0.9)),
        ),
        ServiceMinutes(minutes(total.service.mean()), minutes(total.service.percentile(0.9))),
        Survey(total.survey_count, mean(total.survey_sum, total.survey_count)),
        len(total.clerks),
        len(with_attendance),
        sum(1 for u in active if u.id not in with_attendance),
        len(active),
        sum(queue_now(read.on(u.id, service_day(u, now)), now) for u in scope.units),
        total.chats,
    )


def daily(ctx: Context, query: ReportQuery, now: datetime) -> Daily:
    scope, period = open_report(ctx, query, now, DAILY_DAYS, param="days")
    series = day_series(ctx, scope, period)
    return Daily(
        *covering(period),
        [DayFigures(day_of(day), r.requests, r.served, minutes(r.wait.mean())) for day, r in series.items()],
    )


def units_report(ctx: Context, query: ReportQuery, now: datetime) -> UnitsReport:
    """Per unit: requests and attendances in the period ("fluxo"), attendances today, queue now."""
    scope, period = open_report(ctx, query, now)
    config = ctx.config()
    read = UnitRollups(ctx, scope, period)
    rows = []
    for u in scope.units:
        total = read.total(u.id)
        today = read.on(u.id, service_day(u, now))
        court = config.court(u.court)
        rows.append(
            UnitFigures(
                u.id,
                u.name,
                u.section,
                UnitRef(u.court, court.name if court else ""),
                u.active,
                total.requests,
                total.served,
                today.rollup.served if today else 0,
                queue_now(today, now),
                minutes(total.wait.mean()),
                mean(total.survey_sum, total.survey_count),
            )
        )
    return UnitsReport(*covering(period), rows)


def heatmap(ctx: Context, query: ReportQuery, now: datetime) -> Heatmap:
    """Attendances finished, by weekday (Monday first) and local hour."""
    scope, period = open_report(ctx, query, now)
    matrix = [[0] * 24 for _ in range(7)]
    for row in hour_rows(ctx, scope, period):
        if period.first <= row.day <= period.last and 0 <= row.hour < 24:
            matrix[day_of(row.day).weekday()][row.hour] += row.rollup.served
    return Heatmap(*covering(period), WEEKDAYS, list(range(24)), matrix, max(max(r) for r in matrix))


def dropoff(ctx: Context, query: ReportQuery, now: datetime) -> Dropoff:
    """Admitted tickets not served, by their position in line at admission."""
    scope, period = open_report(ctx, query, now)
    total = UnitRollups(ctx, scope, period).total()
    buckets = []
    for i, label in enumerate(POSITION_LABELS):
        by_reason = {k: total.dropoff.get(f"{i}:{k}", 0) for k in LOST}
        admitted, lost = total.dropoff.get(f"{i}:admitted", 0), sum(by_reason.values())
        buckets.append(
            DropoffBucket(
                label,
                1 if i == 0 else POSITION_EDGES[i - 1] + 1,
                POSITION_EDGES[i] if i < len(POSITION_EDGES) else None,
                admitted,
                lost,
                by_reason,
                round(lost / admitted, 3) if admitted else None,
            )
        )
    return Dropoff(*covering(period), buckets)


def compliance(ctx: Context, query: ReportQuery, now: datetime) -> Compliance:
    """Per unit, for the Corregedoria: share of opening minutes with a clerk online (sampled each
    minute), median minutes from joining to the first call, calls out of arrival order by reason, and
    calls that passed a waiting priority person by the rule that did it."""
    scope, period = open_report(ctx, query, now)
    read = UnitRollups(ctx, scope, period)
    rows = []
    for u in scope.units:
        t = read.total(u.id)
        covered = t.minutes_open - t.minutes_uncovered
        rows.append(
            UnitCompliance(
                u.id,
                u.name,
                u.section,
                u.court,
                u.active,
                t.minutes_open,
                covered,
                round(covered / t.minutes_open, 3) if t.minutes_open else None,
                minutes(t.wait.percentile(0.5)),
                t.calls,
                sum(t.out_of_order.values()),
                Tally.each(ORDER_REASONS, t.out_of_order),
                sum(t.passed_priority.values()),
                Tally.each({k: ORDER_REASONS[k] for k in PASSING_RULES}, t.passed_priority),
            )
        )
    return Compliance(*covering(period), rows)


def breakdown(ctx: Context, query: ReportQuery, now: datetime) -> Breakdown:
    """Who came and why: admissions by priority class, role and reason category; peak queue."""
    scope, period = open_report(ctx, query, now)
    total = UnitRollups(ctx, scope, period).total()
    reasons = {r.id: r.label for u in scope.units for r in u.reasons}
    return Breakdown(
        *covering(period),
        Tally.each({str(int(k)): CLASS_LABELS[k] for k in PriorityClass}, total.by_class),
        Tally.each(ROLES, total.by_role),
        [
            Tally(k, reasons.get(k, k), n)
            for k, n in sorted(total.by_reason.items(), key=lambda kv: (-kv[1], kv[0]))
        ],
        Tally.each({k: NOT_SERVED_LABELS[k] for k in NOT_SERVED}, total.not_served),
        total.peak_queue,
    )
