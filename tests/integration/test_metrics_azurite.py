"""Metric rollups against a real Azurite: what is the adapter's own - a pass again with a cold cache,
concurrent passes from separate clients, the cost of a pass and of reading a period in storage
operations, the tracks' row deleted when a day is sealed. The rollup rules run on the fakes
(tests/usecases/test_metrics.py)."""

from __future__ import annotations

import json
import math
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from adapters.metrics_store import TableMetricsStore, event_from_entity
from adapters.storage import METER, queue_service, table_service
from domain.metric_events import DayClock, MetricEvent, UnitDay, recompute
from domain.ports import JOIN_QUEUE
from domain.rollups import SEAL_AFTER, Rollup, Rollups, clerk_id
from domain.tickets import Action
from domain.usecases import citizen_view, clerk_actions, joining, metrics_reports, surveys
from domain.usecases.context import Context
from domain.usecases.metrics_rollup import PassReport
from domain.usecases.metrics_rollup import roll_up as roll_up_with
from domain.usecases.metrics_scope import ReportQuery
from functions.answers import dump, present
from functions.answers import metrics as answers
from tests.support.flows import admit_waiting
from tests.support.services import build_services, demo_config

UNIT = "trf1-sjac-01vf"  # Rio Branco, UTC-5
DAY = "20261130"
NOW = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)  # a Monday, 10:00 in Rio Branco
ANA = "ana.souza@trf1.jus.br"
ADMIN = "gestao@balcao.jus.br"
ACTIVE_UNITS = sum(1 for u in demo_config().units if u.active)


def clear_join_queue(env: dict[str, str]) -> None:
    try:
        queue_service(env).get_queue_client(JOIN_QUEUE).clear_messages()
    except Exception:  # noqa: S110 - the queue may not exist yet
        pass


def join(svc: Context, i: int) -> joining.JoinAccepted:
    data = joining.JoinInput(
        name=f"Pessoa {i}", role="parte", reason="orientacao", consent=True, category="partes"
    )
    return joining.accept_join(svc, UNIT, data, NOW + timedelta(milliseconds=i))


def admit_all(svc: Context) -> None:
    admit_waiting(svc, NOW)


def stores(env: dict[str, str], unique: str) -> tuple[Context, TableMetricsStore]:
    store = TableMetricsStore(table_service(env), unique + "m", tickets_table=unique)
    return replace(build_services(env, unique), metrics=store), store


def roll_up(svc: Context, store: TableMetricsStore, now: datetime) -> PassReport:
    """A rollup pass with `store` (one timer instance's own clients)."""
    return roll_up_with(replace(svc, metrics=store), now)


def report(run: Any, answer: Any, svc: Context, who: Any, period: str, now: datetime) -> dict[str, Any]:
    """A report as `GET /api/metrics/...` answers it."""
    return dump(present(answer, run(svc, ReportQuery(who, period), now)))


def unit_rollup(store: TableMetricsStore, unit: str = UNIT) -> Rollup:
    rows = store.unit_days("trf1", unit, DAY, DAY)
    return rows[0].rollup if rows else Rollup()


def raw_events(store: TableMetricsStore, unit: str = UNIT) -> list[MetricEvent]:
    rows = store.tickets.query_entities("PartitionKey eq @pk", parameters={"pk": f"{unit}.{DAY}"})
    return [e for e in map(event_from_entity, rows) if e is not None]


def events_part(r: Rollup) -> Rollup:
    """The rollup without what the minute samples add (minutes, and the peak they observe)."""
    return Rollup.from_dict({**r.to_dict(), "minutesOpen": 0, "minutesUncovered": 0, "peakQueue": 0})


@pytest.fixture
def scenario(storage_env: dict[str, str], unique: str) -> tuple[Context, TableMetricsStore]:
    """Three citizens: one served and surveyed, one called out of order who does not show up, one who
    leaves. Rolled up once, a minute after."""
    clear_join_queue(storage_env)
    svc, store = stores(storage_env, unique)
    a, b, c = (join(svc, i) for i in range(3))
    admit_all(svc)
    ana = svc.principal(ANA)
    assert clerk_actions.call_next(svc, UNIT, ana, NOW + timedelta(minutes=4)).ticket_id == a.ticket_id
    clerk_actions.clerk_action(
        svc, UNIT, a.ticket_id, clerk_actions.ClerkMove(Action.FINISH), ana, NOW + timedelta(minutes=10)
    )
    clerk_actions.call_ticket(
        svc, UNIT, c.ticket_id, ana, NOW + timedelta(minutes=11), reason="retorno combinado"
    )
    citizen_view.leave(svc, b.ticket_id, b.token, NOW + timedelta(minutes=12))
    surveys.submit_survey(svc, a.ticket_id, a.token, 4, "Ótimo, obrigada Ana!", NOW + timedelta(minutes=15))
    clerk_actions.clerk_action(
        svc, UNIT, c.ticket_id, clerk_actions.ClerkMove(Action.NO_SHOW), ana, NOW + timedelta(minutes=20)
    )
    roll_up(svc, store, NOW + timedelta(minutes=21))
    return svc, store


def test_passes_again_warm_or_cold_change_nothing(scenario: tuple[Context, TableMetricsStore]) -> None:
    svc, store = scenario
    before = unit_rollup(store)
    METER.reset()
    again = roll_up(svc, store, NOW + timedelta(minutes=21))
    assert again.writes == 0 and again.events_new == 0
    assert METER.total() == ACTIVE_UNITS  # one query per unit's day, nothing written
    cold = TableMetricsStore(store._service, store._names[0], tickets_table=store._names[1])
    assert roll_up(svc, cold, NOW + timedelta(minutes=21)).events_new == 0
    assert unit_rollup(store) == before


def test_concurrent_passes_count_each_event_once(storage_env: dict[str, str], unique: str) -> None:
    """Four timer instances at once over the same new events: ETags make them take turns."""
    clear_join_queue(storage_env)
    svc, store = stores(storage_env, unique)
    for i in range(20):
        join(svc, i)
    admit_all(svc)
    ana = svc.principal(ANA)
    for i in range(8):
        called = clerk_actions.call_next(svc, UNIT, ana, NOW + timedelta(minutes=i + 1))
        clerk_actions.clerk_action(
            svc,
            UNIT,
            called.ticket_id,
            clerk_actions.ClerkMove(Action.FINISH),
            ana,
            NOW + timedelta(minutes=i + 1, seconds=30),
        )
    workers = [
        TableMetricsStore(table_service(storage_env), unique + "m", tickets_table=unique) for _ in range(4)
    ]
    with ThreadPoolExecutor(4) as pool:
        reports = list(pool.map(lambda s: roll_up(svc, s, NOW + timedelta(minutes=10)), workers))
    assert not any(r.failed for r in reports)
    r = unit_rollup(store)
    assert (r.requests, r.served, r.calls, r.service.count) == (20, 8, 8, 8)
    expected = recompute(raw_events(store), DayClock("America/Rio_Branco", DAY), UNIT).total
    assert events_part(r) == events_part(expected)
    assert r.minutes_open == 1  # the four samples of the same minute count once


@pytest.mark.parametrize("tickets", [60, 300])
def test_a_pass_costs_o1_transactions_per_event(
    storage_env: dict[str, str], unique: str, tickets: int
) -> None:
    svc, store = stores(storage_env, unique)
    roll_up(svc, store, NOW)  # warm: every unit sampled once
    METER.reset()
    roll_up(svc, store, NOW + timedelta(minutes=1))
    idle = METER.total()
    table = store.tickets
    events = 0
    for start in range(0, tickets, 20):  # 20 tickets x 5 events = one transaction
        ops = []
        for t in range(start, start + 20):
            short = f"{t:010d}".replace("0", "a").replace("1", "b")
            for k, action in enumerate(("admit", "mark_absent", "return", "call", "finish")):
                at = int((NOW + timedelta(minutes=1, seconds=t, milliseconds=k)).timestamp() * 1000)
                ops.append(
                    (
                        "upsert",
                        {
                            "PartitionKey": f"{UNIT}.{DAY}",
                            "RowKey": f"e.{at:013d}.{short}.{action}",
                            "action": action,
                            "by": ANA,
                            "reason": "",
                            "data": json.dumps({"position": t + 1, "waitSeconds": 60, "serviceSeconds": 300}),
                        },
                    )
                )
        table.submit_transaction(ops)  # type: ignore[arg-type]
        events += len(ops)
    METER.reset()
    report = roll_up(svc, store, NOW + timedelta(minutes=2))
    busy = METER.total()
    assert report.events_new == events
    assert busy - idle <= math.ceil(events / 1000)  # extra pages only: the write was due anyway (sample)
    assert unit_rollup(store).admitted == tickets


def seed_history(store: TableMetricsStore, units: list[tuple[str, str]], days: list[str]) -> None:
    for court, unit in units:
        for day in days:
            r = Rollup(
                requests=10, admitted=9, served=7, survey_count=2, survey_sum=9, clerks={clerk_id(ANA)}
            )
            r.wait.add(300, 7)
            unit_day = UnitDay(unit, court, day, Rollups(r, {10: r}))
            court_day, etag = store.load_court_day(court, day)
            court_day.rollups.merge(Rollups(r, {10: r}))
            store.save(unit_day, None, court_day, etag, {10})


def test_reading_60_days_costs_one_query_per_unit(storage_env: dict[str, str], unique: str) -> None:
    svc, store = stores(storage_env, unique)
    config = svc.config()
    units = [(u.court, u.id) for u in config.units]
    days = [f"{datetime(2026, 10, 2) + timedelta(days=i):%Y%m%d}" for i in range(60)]
    seed_history(store, units, days)
    admin = svc.principal(ADMIN)
    now = datetime(2026, 11, 30, 18, 0, tzinfo=UTC)
    METER.reset()
    summary = report(metrics_reports.summary, answers.Summary, svc, admin, "60", now)
    assert METER.total() == len(units)  # one query per unit-period read
    assert summary["totals"]["served"] == 7 * 60 * len(units)
    assert summary["averagePerDay"] == 7 * len(units)
    assert summary["survey"] == {"count": 2 * 60 * len(units), "mean": 4.5}
    assert summary["waitMinutes"]["mean"] == 5.0 and summary["activeAgents"] == 1
    assert summary["unitsWithAttendance"] == len(units) and summary["inactiveUnits"] == 0
    METER.reset()
    series = report(metrics_reports.daily, answers.Daily, svc, admin, "60", now)["days"]
    assert METER.total() == len(config.courts)  # court rollups: one query per court
    assert [d["served"] for d in series] == [7 * len(units)] * 60
    METER.reset()
    heat = report(metrics_reports.heatmap, answers.Heatmap, svc, admin, "60", now)
    assert METER.total() == len(config.courts)
    assert sum(map(sum, heat["served"])) == 7 * 60 * len(units)
    clerk = svc.principal(ANA)
    METER.reset()
    mine = report(metrics_reports.units_report, answers.UnitsReport, svc, clerk, "30", now)["units"]
    assert METER.total() == 2 and {u["id"] for u in mine} == {"trf1-sjac-01vf", "trf1-sjac-02vf"}
    assert all(u["served"] == 7 * 30 and u["averageWaitMinutes"] == 5.0 for u in mine)


def test_the_day_after_late_surveys_count_until_the_day_is_sealed(
    scenario: tuple[Context, TableMetricsStore],
) -> None:
    svc, store = scenario
    end = DayClock("America/Rio_Branco", DAY).end()  # 2026-12-01 05:00 UTC, midnight in Rio Branco

    def survey(short: str, at: datetime) -> None:
        store.tickets.upsert_entity(
            {
                "PartitionKey": f"{UNIT}.{DAY}",
                "RowKey": f"s.{short}",
                "score": 2,
                "answeredAt": at.isoformat().replace("+00:00", "Z"),
                "comment": "tarde",
            }
        )

    survey("latelatela", end + timedelta(minutes=20))
    roll_up(svc, store, end + timedelta(minutes=30))  # yesterday is still live
    assert (unit_rollup(store).survey_count, unit_rollup(store).survey_sum) == (2, 6)
    assert store.load_unit_day("trf1", UNIT, DAY)[0].tracks

    roll_up(svc, store, end + SEAL_AFTER + timedelta(minutes=1))
    sealed, _ = store.load_unit_day("trf1", UNIT, DAY)
    assert sealed.sealed and sealed.tracks == {}
    rows = store.table.query_entities(
        "PartitionKey eq 'c.trf1' and RowKey eq @rk", parameters={"rk": f"ut.{UNIT}.{DAY}"}
    )
    assert list(rows) == []  # the tracks (ticket ids) are gone with the seal

    survey("toolatetoo", end + SEAL_AFTER + timedelta(minutes=5))
    roll_up(svc, store, end + SEAL_AFTER + timedelta(minutes=10))
    assert unit_rollup(store).survey_count == 2
    assert store.court_days("trf1", DAY, DAY)[0].rollup.survey_count == 2
