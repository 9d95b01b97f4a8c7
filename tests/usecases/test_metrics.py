"""Metric rollups and reports on the fakes (moved from the Azurite tier, assertions kept; what is the
adapter's own - a cold cache, concurrent passes, the cost in storage operations - stays there): the
pass rolls the day up exactly once, the court-day is the sum of its units, the rollup is what the raw
log says, late events and surveys count until the day is sealed; who may read which report."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from domain.errors import ForbiddenError, InvalidInputError, NotFoundError, UnitNotFoundError
from domain.metric_events import DayClock, MetricEvent, recompute
from domain.rollups import SEAL_AFTER, Rollup, clerk_id
from domain.tickets import Action, event_row
from domain.usecases import citizen_view, clerk_actions, metrics_reports, surveys
from domain.usecases.metrics_rollup import roll_up
from domain.usecases.metrics_scope import ReportQuery
from functions.answers import dump, present
from functions.answers import metrics as answers
from tests.fakes.context import fake_context
from tests.support import flows
from tests.usecases.conftest import ADMIN, ANA, BRUNO, DAY, MANAGER, NOW, UNIT, World

ELISA = "elisa.prado@tjam.jus.br"


def unit_rollup(world: World, unit: str = UNIT) -> Rollup:
    rows = world.ctx.metrics.unit_days("trf1", unit, DAY, DAY)
    return rows[0].rollup if rows else Rollup()


def raw_events(world: World) -> list[MetricEvent]:
    """The unit-day's log and surveys, as the metrics read them."""
    return [e for page in world.ctx.metrics.read_events(UNIT, DAY, 0, with_state=False) for e in page.events]


def events_part(r: Rollup) -> Rollup:
    """The rollup without what the minute samples add (minutes, and the peak they observe)."""
    return Rollup.from_dict({**r.to_dict(), "minutesOpen": 0, "minutesUncovered": 0, "peakQueue": 0})


@pytest.fixture
def scenario() -> World:
    """Three citizens: one served and surveyed, one called out of order who does not show up, one who
    leaves. Rolled up once, a minute after."""
    world = World(*fake_context())
    ctx = world.ctx
    a, b, c = (
        flows.join(ctx, UNIT, NOW + timedelta(milliseconds=i), f"Pessoa {n}")
        for i, n in enumerate(("Um", "Dois", "Três"))
    )
    world.admit()
    ana = ctx.principal(ANA)
    assert clerk_actions.call_next(ctx, UNIT, ana, NOW + timedelta(minutes=4)).ticket_id == a.ticket_id
    finish = clerk_actions.ClerkMove(Action.FINISH)
    clerk_actions.clerk_action(ctx, UNIT, a.ticket_id, finish, ana, NOW + timedelta(minutes=10))
    clerk_actions.call_ticket(
        ctx, UNIT, c.ticket_id, ana, NOW + timedelta(minutes=11), reason="retorno combinado"
    )
    citizen_view.leave(ctx, b.ticket_id, b.token, NOW + timedelta(minutes=12))
    surveys.submit_survey(ctx, a.ticket_id, a.token, 4, "Ótimo, obrigada Ana!", NOW + timedelta(minutes=15))
    no_show = clerk_actions.ClerkMove(Action.NO_SHOW)
    clerk_actions.clerk_action(ctx, UNIT, c.ticket_id, no_show, ana, NOW + timedelta(minutes=20))
    roll_up(ctx, NOW + timedelta(minutes=21))
    return world


def test_a_pass_rolls_up_the_day_of_a_unit(scenario: World) -> None:
    r = unit_rollup(scenario)
    assert (r.requests, r.admitted, r.served) == (3, 3, 1)
    assert r.not_served == {"left": 1, "no_show": 1}
    assert (r.wait.count, r.wait.total) == (
        2,
        240 + 659,
    )  # whole seconds since joining (1 s and 2 s after NOW)
    assert (r.service.count, r.service.total) == (1, 360)
    assert (r.survey_count, r.survey_sum) == (1, 4)
    assert r.calls == 2 and r.out_of_order == {"servidor": 1}
    assert r.clerks == {clerk_id(ANA)} and r.by_role == {"parte": 3}
    assert (r.minutes_open, r.minutes_uncovered) == (1, 0)  # Ana is online since her first call
    text = json.dumps(r.to_dict())
    assert "Pessoa" not in text and ANA not in text and "obrigada" not in text
    hours = {row.hour: row.rollup.served for row in scenario.ctx.metrics.unit_hours("trf1", UNIT, DAY, DAY)}
    assert hours == {10: 1}


def test_the_court_day_is_the_sum_of_its_units(scenario: World) -> None:
    units = Rollup()
    for unit in (u for u in scenario.ctx.config().units if u.court == "trf1"):
        units.merge(unit_rollup(scenario, unit.id))
    assert scenario.ctx.metrics.court_days("trf1", DAY, DAY)[0].rollup == units
    assert units.minutes_open == sum(1 for u in scenario.ctx.config().units if u.court == "trf1" and u.active)


def test_a_pass_again_changes_nothing(scenario: World) -> None:
    before = unit_rollup(scenario)
    again = roll_up(scenario.ctx, NOW + timedelta(minutes=21))
    assert again.writes == 0 and again.events_new == 0 and unit_rollup(scenario) == before


def test_the_rollup_is_what_the_raw_log_says(scenario: World) -> None:
    expected = recompute(raw_events(scenario), DayClock("America/Rio_Branco", DAY), UNIT).total
    assert events_part(unit_rollup(scenario)) == events_part(expected)


def test_an_event_committed_late_is_still_counted_once(scenario: World) -> None:
    cursor = scenario.ctx.metrics.load_unit_day("trf1", UNIT, DAY)[0].cursor_ms
    late = scenario.now.fromtimestamp(
        (cursor - 2 * 60_000) / 1000, tz=NOW.tzinfo
    )  # behind the cursor, within LAG_MS
    from domain.tickets import Status, TicketEvent

    event = TicketEvent(
        f"{UNIT}.{DAY}.zzzzzzzzzz",
        Action.CALL,
        Status.CALLED,
        late,
        ANA,
        "prioridade legal",
        {"waitSeconds": 30, "klass": 1},
    )
    key, row = event_row(event)
    scenario.fakes.store.partition(UNIT, DAY).events[key] = row
    for minute in (22, 23):
        roll_up(scenario.ctx, NOW + timedelta(minutes=minute))
    r = unit_rollup(scenario)
    assert r.calls == 3 and r.out_of_order == {"servidor": 1, "prioridade": 1}


def test_the_day_after_late_surveys_count_until_the_day_is_sealed(scenario: World) -> None:
    end = DayClock("America/Rio_Branco", DAY).end()  # 2026-12-01 05:00 UTC, midnight in Rio Branco
    surveys_of_day = scenario.fakes.store.partition(UNIT, DAY).surveys

    def survey(short: str, at: Any) -> None:
        surveys_of_day[short] = {
            "score": 2,
            "answeredAt": at.isoformat().replace("+00:00", "Z"),
            "comment": "tarde",
        }

    survey("latelatela", end + timedelta(minutes=20))
    roll_up(scenario.ctx, end + timedelta(minutes=30))  # yesterday is still live
    assert (unit_rollup(scenario).survey_count, unit_rollup(scenario).survey_sum) == (2, 6)
    assert scenario.ctx.metrics.load_unit_day("trf1", UNIT, DAY)[0].tracks

    roll_up(scenario.ctx, end + SEAL_AFTER + timedelta(minutes=1))
    sealed, _ = scenario.ctx.metrics.load_unit_day("trf1", UNIT, DAY)
    assert sealed.sealed and sealed.tracks == {}

    survey("toolatetoo", end + SEAL_AFTER + timedelta(minutes=5))
    roll_up(scenario.ctx, end + SEAL_AFTER + timedelta(minutes=10))
    assert unit_rollup(scenario).survey_count == 2
    assert scenario.ctx.metrics.court_days("trf1", DAY, DAY)[0].rollup.survey_count == 2


# --- reports ----------------------------------------------------------------------------------------


def report(world: World, run: Any, answer: Any, who: str, **query: str) -> dict[str, Any]:
    """A report as `GET /api/metrics/...` answers it."""
    return dump(
        present(
            answer, run(world.ctx, ReportQuery(world.who(who), **query), world.now + timedelta(minutes=21))
        )
    )


def test_the_summary_of_the_day(scenario: World) -> None:
    summary = report(scenario, metrics_reports.summary, answers.Summary, MANAGER, period="today")
    assert summary["totals"]["served"] == 1 and summary["totals"]["requests"] == 3
    assert summary["totals"]["notServed"]["left"] == 1 and summary["survey"] == {"count": 1, "mean": 4.0}
    assert summary["activeAgents"] == 1 and summary["unitsWithAttendance"] == 1


def test_a_clerk_reads_their_units_only(scenario: World) -> None:
    mine = report(scenario, metrics_reports.units_report, answers.UnitsReport, BRUNO, period="7")["units"]
    assert [u["id"] for u in mine] == [UNIT] and mine[0]["served"] == 1 and mine[0]["today"] == 1
    with pytest.raises(ForbiddenError):
        report(scenario, metrics_reports.summary, answers.Summary, BRUNO, unit="tjam-tefe-vu")


def test_a_manager_reads_their_court_only(scenario: World) -> None:
    with pytest.raises(ForbiddenError):
        report(scenario, metrics_reports.summary, answers.Summary, MANAGER, court="tjam")
    assert (
        report(scenario, metrics_reports.summary, answers.Summary, ADMIN, court="tjam")["totals"]["served"]
        == 0
    )


@pytest.mark.parametrize(
    ("query", "error"),
    [
        ({"period": "365"}, InvalidInputError),
        ({"court": "nenhum"}, NotFoundError),
        ({"unit": "nao-existe"}, UnitNotFoundError),
        ({"court": "tjam", "unit": UNIT}, UnitNotFoundError),
    ],
)
def test_a_bad_query_is_refused(scenario: World, query: dict[str, str], error: type[Exception]) -> None:
    with pytest.raises(error):
        report(scenario, metrics_reports.summary, answers.Summary, ADMIN, **query)


def test_citizens_and_interpreters_read_no_indicators(scenario: World) -> None:
    with pytest.raises(ForbiddenError):
        report(scenario, metrics_reports.summary, answers.Summary, "helena.libras@trf1.jus.br")


def test_the_other_reports_read_the_same_day(scenario: World) -> None:
    daily = report(scenario, metrics_reports.daily, answers.Daily, ANA, period="7")
    assert daily["days"][-1]["served"] == 1 and len(daily["days"]) == 7
    heat = report(scenario, metrics_reports.heatmap, answers.Heatmap, ANA)
    assert sum(map(sum, heat["served"])) == 1 and heat["max"] == 1
    dropoff = report(scenario, metrics_reports.dropoff, answers.Dropoff, ANA)
    assert sum(b["notServed"] for b in dropoff["buckets"]) == 2
    compliance = report(scenario, metrics_reports.compliance, answers.Compliance, ANA)
    assert {u["id"]: u["calls"] for u in compliance["units"]}[UNIT] == 2
    breakdown = report(scenario, metrics_reports.breakdown, answers.Breakdown, ANA)
    assert {t["role"]: t["count"] for t in breakdown["byRole"]}["parte"] == 3
