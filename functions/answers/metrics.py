"""Answers of the indicators (`/api/metrics/...`): every report starts with its period (`period`, `from`,
`to`)."""

from __future__ import annotations

from domain.usecases import metrics_reports as mr
from functions.answers import answer_of

PERIOD = {"first": "from", "last": "to"}
ReasonCount = answer_of(mr.Tally, "ReasonCount", rename={"key": "reason"})
RoleCount = answer_of(mr.Tally, "RoleCount", rename={"key": "role"})
ClassCount = answer_of(mr.Tally, "ClassCount", rename={"key": "class"}, types={"key": int})
DropoffBucket = answer_of(mr.DropoffBucket, rename=PERIOD)
UnitCompliance = answer_of(
    mr.UnitCompliance,
    types={
        "out_of_order_reasons": list[ReasonCount],  # type: ignore[valid-type]
        "passed_priority_rules": list[ReasonCount],  # type: ignore[valid-type]
    },
)

Summary = answer_of(mr.Summary, rename=PERIOD)
Daily = answer_of(mr.Daily, "Daily", rename={**PERIOD, "rows": "days"})
UnitsReport = answer_of(mr.UnitsReport, "UnitsReport", rename={**PERIOD, "rows": "units"})
Heatmap = answer_of(mr.Heatmap, rename=PERIOD)
Dropoff = answer_of(
    mr.Dropoff,
    "Dropoff",
    rename={**PERIOD, "rows": "buckets"},
    types={"rows": list[DropoffBucket]},  # type: ignore[valid-type]
)
Compliance = answer_of(
    mr.Compliance,
    "Compliance",
    rename={**PERIOD, "rows": "units"},
    types={"rows": list[UnitCompliance]},  # type: ignore[valid-type]
)
Breakdown = answer_of(
    mr.Breakdown,
    rename=PERIOD,
    types={
        "by_priority": list[ClassCount],  # type: ignore[valid-type]
        "by_role": list[RoleCount],  # type: ignore[valid-type]
        "by_reason": list[ReasonCount],  # type: ignore[valid-type]
        "not_served": list[ReasonCount],  # type: ignore[valid-type]
    },
)
