"""Answers of the indicators (`/api/metrics/...`). Every report starts with its period."""

from __future__ import annotations

from pydantic import Field

from domain.usecases import metrics_reports as mr
from domain.usecases.metrics_scope import Period
from functions.answers import Answer, CourtRef


def period_fields(p: Period) -> dict[str, str]:
    return {"period": p.key, "first": iso_day(p.first), "to": iso_day(p.last)}


def iso_day(day: str) -> str:
    """`2026-12-07` from `20261207`."""
    return f"{day[:4]}-{day[4:6]}-{day[6:]}"


class Report(Answer):
    period: str = Field(description="today, 7, 30 ou 60")
    first: str = Field(serialization_alias="from")
    to: str


class Totals(Answer):
    requests: int
    admitted: int
    served: int
    not_served: dict[str, int] = Field(serialization_alias="notServed")


class WaitMinutes(Answer):
    mean: float | None
    p50: float | None
    p90: float | None


class ServiceMinutes(Answer):
    mean: float | None
    p90: float | None


class Survey(Answer):
    count: int
    mean: float | None


class Summary(Report):
    totals: Totals
    average_per_day: float = Field(serialization_alias="averagePerDay")
    wait_minutes: WaitMinutes = Field(serialization_alias="waitMinutes")
    service_minutes: ServiceMinutes = Field(serialization_alias="serviceMinutes")
    survey: Survey
    active_agents: int = Field(serialization_alias="activeAgents")
    units_with_attendance: int = Field(serialization_alias="unitsWithAttendance")
    inactive_units: int = Field(serialization_alias="inactiveUnits")
    active_units: int = Field(serialization_alias="activeUnits")
    queue_now: int = Field(serialization_alias="queueNow")

    @staticmethod
    def of(s: mr.Summary) -> Summary:
        t = s.totals
        return Summary.model_validate(
            {
                **period_fields(s.period),
                "totals": Totals(
                    requests=t.requests, admitted=t.admitted, served=t.served, not_served=t.not_served
                ),
                "average_per_day": s.average_per_day,
                "wait_minutes": WaitMinutes(mean=s.wait_mean, p50=s.wait_p50, p90=s.wait_p90),
                "service_minutes": ServiceMinutes(mean=s.service_mean, p90=s.service_p90),
                "survey": Survey(count=s.survey_count, mean=s.survey_mean),
                "active_agents": s.active_agents,
                "units_with_attendance": s.units_with_attendance,
                "inactive_units": s.inactive_units,
                "active_units": s.active_units,
                "queue_now": s.queue_now,
            }
        )


class DayFigures(Answer):
    date: str
    requests: int
    served: int
    average_wait_minutes: float | None = Field(serialization_alias="averageWaitMinutes")


class Daily(Report):
    days: list[DayFigures]

    @staticmethod
    def of(d: mr.Daily) -> Daily:
        return Daily.model_validate(
            {
                **period_fields(d.period),
                "days": [
                    DayFigures(
                        date=iso_day(f.day),
                        requests=f.requests,
                        served=f.served,
                        average_wait_minutes=f.average_wait_minutes,
                    )
                    for f in d.days
                ],
            }
        )


class UnitFigures(Answer):
    id: str
    name: str
    section: str
    court: CourtRef
    active: bool
    requests: int
    served: int
    today: int
    queue: int
    average_wait_minutes: float | None = Field(serialization_alias="averageWaitMinutes")
    survey_mean: float | None = Field(serialization_alias="surveyMean")


class UnitsReport(Report):
    units: list[UnitFigures]

    @staticmethod
    def of(r: mr.UnitsReport) -> UnitsReport:
        return UnitsReport.model_validate(
            {
                **period_fields(r.period),
                "units": [
                    UnitFigures(
                        id=u.id,
                        name=u.name,
                        section=u.section,
                        court=CourtRef.of(u.court),
                        active=u.active,
                        requests=u.requests,
                        served=u.served,
                        today=u.today,
                        queue=u.queue,
                        average_wait_minutes=u.average_wait_minutes,
                        survey_mean=u.survey_mean,
                    )
                    for u in r.units
                ],
            }
        )


class Heatmap(Report):
    weekdays: list[str]
    hours: list[int]
    served: list[list[int]] = Field(description="Atendimentos por dia da semana (segunda primeiro) e hora")
    max: int

    @staticmethod
    def of(h: mr.Heatmap) -> Heatmap:
        return Heatmap.model_validate(
            {
                **period_fields(h.period),
                "weekdays": list(h.weekdays),
                "hours": h.hours,
                "served": h.served,
                "max": h.max,
            }
        )


class DropoffBucket(Answer):
    label: str
    first: int = Field(serialization_alias="from")
    last: int | None = Field(serialization_alias="to")
    admitted: int
    not_served: int = Field(serialization_alias="notServed")
    by_reason: dict[str, int] = Field(serialization_alias="byReason")
    share: float | None


class Dropoff(Report):
    buckets: list[DropoffBucket]

    @staticmethod
    def of(d: mr.Dropoff) -> Dropoff:
        return Dropoff.model_validate(
            {
                **period_fields(d.period),
                "buckets": [
                    DropoffBucket(
                        label=b.label,
                        first=b.first,
                        last=b.last,
                        admitted=b.admitted,
                        not_served=b.not_served,
                        by_reason=b.by_reason,
                        share=b.share,
                    )
                    for b in d.buckets
                ],
            }
        )


class ReasonCount(Answer):
    reason: str
    label: str
    count: int


class UnitCompliance(Answer):
    id: str
    name: str
    section: str
    court: str
    active: bool
    minutes_open: int = Field(serialization_alias="minutesOpen")
    minutes_with_clerk: int = Field(serialization_alias="minutesWithClerk")
    coverage: float | None
    median_wait_minutes: float | None = Field(serialization_alias="medianWaitMinutes")
    calls: int
    out_of_order_calls: int = Field(serialization_alias="outOfOrderCalls")
    out_of_order_reasons: list[ReasonCount] = Field(serialization_alias="outOfOrderReasons")


class Compliance(Report):
    units: list[UnitCompliance]

    @staticmethod
    def of(c: mr.Compliance) -> Compliance:
        return Compliance.model_validate(
            {
                **period_fields(c.period),
                "units": [
                    UnitCompliance(
                        id=u.id,
                        name=u.name,
                        section=u.section,
                        court=u.court,
                        active=u.active,
                        minutes_open=u.minutes_open,
                        minutes_with_clerk=u.minutes_with_clerk,
                        coverage=u.coverage,
                        median_wait_minutes=u.median_wait_minutes,
                        calls=u.calls,
                        out_of_order_calls=u.out_of_order_calls,
                        out_of_order_reasons=[reason_count(t) for t in u.out_of_order_reasons],
                    )
                    for u in c.units
                ],
            }
        )


def reason_count(t: mr.Tally) -> ReasonCount:
    return ReasonCount(reason=t.key, label=t.label, count=t.count)


class ClassCount(Answer):
    klass: int = Field(serialization_alias="class")
    label: str
    count: int


class RoleCount(Answer):
    role: str
    label: str
    count: int


class Breakdown(Report):
    by_priority: list[ClassCount] = Field(serialization_alias="byPriority")
    by_role: list[RoleCount] = Field(serialization_alias="byRole")
    by_reason: list[ReasonCount] = Field(serialization_alias="byReason")
    not_served: list[ReasonCount] = Field(serialization_alias="notServed")
    peak_queue: int = Field(serialization_alias="peakQueue")

    @staticmethod
    def of(b: mr.Breakdown) -> Breakdown:
        return Breakdown.model_validate(
            {
                **period_fields(b.period),
                "by_priority": [
                    ClassCount(klass=int(t.key), label=t.label, count=t.count) for t in b.by_priority
                ],
                "by_role": [RoleCount(role=t.key, label=t.label, count=t.count) for t in b.by_role],
                "by_reason": [reason_count(t) for t in b.by_reason],
                "not_served": [reason_count(t) for t in b.not_served],
                "peak_queue": b.peak_queue,
            }
        )
