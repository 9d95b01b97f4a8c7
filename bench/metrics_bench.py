"""Metrics benchmark: storage transactions to read indicators and to roll events up.

A private Azurite holds 100 units (three courts) with the 59 days before today of rollups (8 busy
hours a day; unit-hour rows for one unit only, which is all a clerk's heatmap reads), loaded in bulk;
today comes from the events rolled up below. Reading a 60-day period is counted per unit-period read,
for each report and scope. Then a day's worth of raw events for every unit is written to the
`tickets` table and rolled up: cold (a new process), warm with new events, and idle, counted per
event. `adapters.storage.METER` counts every storage request (each one billed transaction).
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from adapters.metrics_store import TableMetricsStore
from adapters.storage import METER, table_service
from domain.auth import Principal
from domain.config import Configuration, parse_configuration
from domain.metric_events import CourtDay, UnitDay
from domain.rollups import Rollup, Rollups, clerk_id
from domain.usecases import metrics_reports as reports
from domain.usecases.context import Context
from domain.usecases.metrics_rollup import roll_up
from domain.usecases.metrics_scope import ReportQuery
from functions.answers import Answer, dump, present
from functions.answers import metrics as answers
from tests.support.azurite import Azurite
from tests.support.services import CONFIG_FILE, build_services

Report = Callable[[str], None]
UNITS = 100
DAYS = 60
HOURS = range(9, 17)
NOW = datetime(2026, 11, 30, 21, 0, tzinfo=UTC)  # 18:00 in Brasília: every unit's day is 2026-11-30
ADMIN = "gestao@balcao.jus.br"


def bench_config() -> Configuration:
    raw = json.loads(CONFIG_FILE.read_bytes())
    template = next(u for u in raw["units"] if u["id"] == "tjac-rbr-1vce")
    courts = [c["id"] for c in raw["courts"]]
    units, staff = [], []
    for i in range(UNITS):
        court = courts[i % len(courts)]
        uid = f"{court}-bench-{i:03d}"
        units.append(
            {
                **template,
                "id": uid,
                "court": court,
                "name": f"Unidade de teste {i:03d}",
                "webhookSetting": None,
            }
        )
        staff.append(
            {
                "email": f"servidor{i:03d}@bench.jus.br",
                "name": f"Servidor {i}",
                "roles": [{"role": "clerk", "units": [uid]}],
            }
        )
    staff.append({"email": ADMIN, "name": "Gestão", "roles": [{"role": "admin"}]})
    staff.append(
        {
            "email": "gestor@bench.jus.br",
            "name": "Gestor",
            "roles": [{"role": "court_manager", "court": courts[0]}],
        }
    )
    return parse_configuration(json.dumps({"courts": raw["courts"], "units": units, "staff": staff}))


def _hour_rollup(rng: random.Random, unit_id: str, clerk: str) -> Rollup:
    r = Rollup()
    served = rng.randint(0, 6)
    r.requests = r.admitted = served + rng.randint(0, 2)
    r.served = served
    r.not_served = {"left": r.admitted - served} if r.admitted > served else {}
    for _ in range(served):
        r.wait.add(rng.randint(30, 1800))
        r.service.add(rng.randint(120, 1500))
    r.by_class = {"3": r.admitted} if r.admitted else {}
    r.by_role = {"parte": r.admitted} if r.admitted else {}
    r.survey_count = served // 2
    r.survey_sum = 4 * r.survey_count
    r.minutes_open, r.minutes_uncovered = 60, rng.choice((0, 0, 0, 5))
    r.calls = served
    r.clerks = {clerk_id(clerk)} if served else set()
    r.units = {unit_id} if served else set()
    return r


def seed_history(store: TableMetricsStore, config: Configuration, last: datetime) -> int:
    rng = random.Random(7)
    unit_days: list[UnitDay] = []
    courts: dict[tuple[str, str], CourtDay] = {}
    for n, unit in enumerate(config.units):
        for d in range(1, DAYS):
            day = f"{last - timedelta(days=d):%Y%m%d}"
            rollups = Rollups()
            for hour in HOURS:
                rollups.add(hour, _hour_rollup(rng, unit.id, f"servidor{n:03d}@bench.jus.br"))
            courts.setdefault((unit.court, day), CourtDay(unit.court, day)).rollups.merge(rollups)
            if n > 0:  # unit hours are read by a clerk's heatmap: one unit is enough to count them
                rollups = Rollups(rollups.total)
            unit_days.append(UnitDay(unit.id, unit.court, day, rollups, sealed=True))
    return store.put_history(unit_days, courts.values())


def _count(action: Callable[[], Any]) -> tuple[int, Any]:
    METER.reset()
    result = action()
    return METER.total(), result


PRESENTERS: dict[Callable[..., Any], type[Answer]] = {
    reports.summary: answers.Summary,
    reports.units_report: answers.UnitsReport,
    reports.compliance: answers.Compliance,
    reports.daily: answers.Daily,
    reports.heatmap: answers.Heatmap,
}


def read(
    run: Callable[..., Any],
    svc: Context,
    store: TableMetricsStore,
    who: Principal,
    period: str,
    now: datetime,
) -> dict[str, Any]:
    """A report as the API answers it, read from `store`."""
    return dump(present(PRESENTERS[run], run(replace(svc, metrics=store), ReportQuery(who, period), now)))


def _reads(report: Report, svc: Context, store: TableMetricsStore, config: Configuration) -> None:
    admin = svc.principal(ADMIN)
    clerk = svc.principal("servidor000@bench.jus.br")
    manager = svc.principal("gestor@bench.jus.br")
    court_units = sum(1 for u in config.units if u.court == config.courts[0].id)
    report(f"reading {DAYS}-day indicators ({UNITS} units, {len(config.courts)} courts):")
    report(f"  {'report':<28} {'scope':<22} {'units':>5} {'transactions':>12} {'per unit-period':>16}")
    cases: list[tuple[str, str, int, Callable[[], Any]]] = [
        ("summary", "admin, all courts", UNITS, lambda: read(reports.summary, svc, store, admin, "60", NOW)),
        (
            "units table",
            "admin, all courts",
            UNITS,
            lambda: read(reports.units_report, svc, store, admin, "60", NOW),
        ),
        (
            "compliance",
            "admin, all courts",
            UNITS,
            lambda: read(reports.compliance, svc, store, admin, "60", NOW),
        ),
        (
            "daily series (court rollups)",
            "admin, all courts",
            UNITS,
            lambda: read(reports.daily, svc, store, admin, "60", NOW),
        ),
        (
            "heatmap (court hours)",
            "admin, all courts",
            UNITS,
            lambda: read(reports.heatmap, svc, store, admin, "60", NOW),
        ),
        (
            "summary",
            "court manager",
            court_units,
            lambda: read(reports.summary, svc, store, manager, "60", NOW),
        ),
        ("summary", "clerk, one unit", 1, lambda: read(reports.summary, svc, store, clerk, "60", NOW)),
        (
            "heatmap (unit hours)",
            "clerk, one unit",
            1,
            lambda: read(reports.heatmap, svc, store, clerk, "60", NOW),
        ),
    ]
    for name, scope, units, action in cases:
        started = time.perf_counter()
        transactions, _ = _count(action)
        elapsed = time.perf_counter() - started
        report(
            f"  {name:<28} {scope:<22} {units:>5} {transactions:>12} {transactions / units:>16.2f}"
            f"   ({elapsed * 1000:.0f} ms)"
        )
    served = read(reports.summary, svc, store, admin, "60", NOW)["totals"]["served"]
    report(
        f"  (independent of how many tickets there were: {served:,} attendances in the period)".replace(
            ",", "."
        )
    )


def write_events(
    store: TableMetricsStore, config: Configuration, tickets: int, first_ms: int, seed: int
) -> int:
    """Raw events as the queue engine writes them (admit, call, start, finish, survey row), per unit."""
    rng = random.Random(seed)
    day = f"{NOW:%Y%m%d}"
    written = 0
    for n, unit in enumerate(config.units):
        rows: list[dict[str, Any]] = []
        clerk = f"servidor{n:03d}@bench.jus.br"
        for t in range(tickets):
            short = "".join(rng.choice("abcdefghjkmnpqrstuvwxyz23456789") for _ in range(10))
            at = first_ms + t * 60_000 + rng.randint(0, 59_000)
            wait, service = rng.randint(30, 1500), rng.randint(120, 1200)
            for action, when, data, reason in (
                (
                    "admit",
                    at,
                    {"klass": 3, "role": "parte", "reason": "orientacao", "position": rng.randint(1, 9)},
                    "",
                ),
                (
                    "call",
                    at + wait * 1000,
                    {"waitSeconds": wait, "klass": 3},
                    rng.choice(("", "", "prioridade legal")),
                ),
                ("start", at + wait * 1000 + 5000, {}, ""),
                ("finish", at + (wait + service) * 1000, {"serviceSeconds": service}, ""),
            ):
                rows.append(
                    {
                        "PartitionKey": f"{unit.id}.{day}",
                        "RowKey": f"e.{when:013d}.{short}.{action}",
                        "action": action,
                        "by": clerk if action != "admit" else "system",
                        "reason": reason,
                        "ticketId": f"{unit.id}.{day}.{short}",
                        "data": json.dumps(data),
                    }
                )
            if rng.random() < 0.5:
                answered = datetime.fromtimestamp((at + (wait + service + 60) * 1000) / 1000, UTC)
                rows.append(
                    {
                        "PartitionKey": f"{unit.id}.{day}",
                        "RowKey": f"s.{short}",
                        "score": rng.randint(3, 5),
                        "answeredAt": answered.isoformat().replace("+00:00", "Z"),
                        "comment": "",
                    }
                )
        for i in range(0, len(rows), 100):
            store.tickets.submit_transaction([("upsert", r) for r in rows[i : i + 100]])
        written += len(rows)
    return written


def _pass(
    report: Report, label: str, svc: Context, store: TableMetricsStore, now: datetime, events: int
) -> None:
    started = time.perf_counter()
    transactions, result = _count(lambda: roll_up(replace(svc, metrics=store), now))
    elapsed = time.perf_counter() - started
    per_event = f"{transactions / events:>10.3f}" if events else f"{'-':>10}"
    report(
        f"  {label:<34} {events:>7} {result.events_new:>7} {transactions:>6} {per_event}"
        f" {transactions / UNITS:>9.2f} {result.writes:>6}   ({elapsed:.1f} s)"
    )


def _passes(report: Report, svc: Context, env: dict[str, str], config: Configuration) -> None:
    store = TableMetricsStore(table_service(env))
    start_ms = int((NOW - timedelta(hours=6)).timestamp() * 1000)
    first = write_events(store, config, 40, start_ms, 1)
    report(f"rolling up a day of events ({UNITS} units; one pass a minute, each unit-day a transaction):")
    report(
        f"  {'pass':<34} {'events':>7} {'new':>7} {'txns':>6} {'txns/event':>10} {'txns/unit':>9}"
        f" {'writes':>6}"
    )
    _pass(report, "cold (new process), 40 tickets/unit", svc, store, NOW, first)
    more = write_events(store, config, 4, int((NOW + timedelta(seconds=30)).timestamp() * 1000), 2)
    _pass(report, "warm, 4 new tickets/unit", svc, store, NOW + timedelta(minutes=5), more)
    _pass(report, "warm, same events again", svc, store, NOW + timedelta(minutes=5), 0)
    _pass(report, "warm, idle minute (sample only)", svc, store, NOW + timedelta(minutes=6), 0)
    again = TableMetricsStore(table_service(env))
    _pass(report, "cold again: everything already in", svc, again, NOW + timedelta(minutes=6), 0)
    admin = svc.principal(ADMIN)
    today = read(reports.summary, svc, store, admin, "today", NOW + timedelta(minutes=6))
    report(
        f"  today after the passes: {today['totals']['requests']} requests,"
        f" {today['totals']['served']} served, {today['survey']['count']} surveys"
        f" (written: {44 * UNITS} attended tickets)"
    )
    report("  a pass costs one query per unit-day (+1 per further 1,000 events) and one transaction when")
    report("  something changed (the minute sample changes something while a unit is open): txns/event =")
    report("  2 / events per unit-minute, whatever the number of tickets.")


def run(report: Report) -> None:
    report("")
    report(f"== Metrics (Azurite, {UNITS} units x {DAYS} days of rollups) ==")
    config = bench_config()
    with Azurite() as azurite:
        env = {"AzureWebJobsStorage": azurite.connection_string}
        svc = build_services(env, "tickets", config=config)
        store = TableMetricsStore(table_service(env))
        started = time.perf_counter()
        transactions = seed_history(store, config, NOW)
        report(
            f"loaded {UNITS * (DAYS - 1)} unit-days and their court-days and hours"
            f" in {transactions} transactions ({time.perf_counter() - started:.1f} s)"
        )
        _reads(report, svc, store, config)
        _passes(report, svc, env, config)


if __name__ == "__main__":  # pragma: no cover
    run(print)
