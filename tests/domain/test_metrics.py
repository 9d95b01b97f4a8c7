"""Metric rollups by example: what one attendance adds up to, outcomes, samples, sealing, histograms,
who may read what."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from domain.auth import Principal
from domain.errors import ForbiddenError, InvalidInputError, NotFoundError, UnitNotFoundError
from domain.metric_events import DayClock, MetricEvent, TicketTrack, UnitDay, decode_tracks, encode_tracks
from domain.rollups import (
    DURATION_EDGES_S,
    Histogram,
    Rollup,
    clerk_id,
    order_reason_category,
    position_bucket,
)
from domain.usecases.metrics_scope import Scope, period_for, scope_for
from tests.support.services import demo_config

ZONE = "America/Rio_Branco"  # UTC-5
DAY = "20261130"
T0 = int(datetime(2026, 11, 30, 15, 0, tzinfo=UTC).timestamp() * 1000)  # 10:00 in Rio Branco
CLERK = "ana.souza@trf1.jus.br"
MIN = 60_000


def ev(short: str, action: str, minute: float, by: str = "system", why: str = "", **data: Any) -> MetricEvent:
    return MetricEvent(short, action, T0 + int(minute * MIN), by, why, data)


def attendance(short: str = "aaaaaaaaaa", start: float = 0, score: int | None = 5) -> list[MetricEvent]:
    out = [
        ev(short, "admit", start, klass=1, role="advogado", reason="certidao", position=3),
        ev(short, "call", start + 4, CLERK, "prioridade legal", waitSeconds=240, klass=1),
        ev(short, "start", start + 5, CLERK),
        ev(short, "finish", start + 15, CLERK, serviceSeconds=600),
    ]
    if score is not None:
        out.append(ev(short, "survey", start + 16, "citizen", score=score))
    return out


def day() -> UnitDay:
    return UnitDay("trf1-sjac-01vf", "trf1", DAY)


CLOCK = DayClock(ZONE, DAY)


def test_one_attendance_adds_up() -> None:
    unit_day = day()
    delta, new = unit_day.apply(attendance(), CLOCK)
    r = unit_day.rollups.total
    assert new == 5 and delta.total == r
    assert (r.requests, r.admitted, r.served, r.not_served) == (1, 1, 1, {})
    assert r.wait.count == 1 and r.wait.total == 240 and r.service.total == 600
    assert r.by_class == {"1": 1} and r.by_role == {"advogado": 1} and r.by_reason == {"certidao": 1}
    assert (r.survey_count, r.survey_sum) == (1, 5)
    assert r.calls == 1 and r.out_of_order == {"prioridade": 1}
    assert r.clerks == {clerk_id(CLERK)} and r.units == {"trf1-sjac-01vf"}
    assert r.peak_queue == 3 and r.dropoff == {f"{position_bucket(3)}:admitted": 1}
    assert set(unit_day.rollups.hours) == {10}  # 10:00-10:16 in Rio Branco


def test_no_personal_data_in_a_rollup() -> None:
    unit_day = day()
    unit_day.apply(attendance(), CLOCK)
    text = json.dumps(unit_day.rollups.total.to_dict())
    assert CLERK not in text and "ana" not in text
    tracks = encode_tracks(unit_day.tracks)
    assert "certidao" not in tracks and "advogado" not in tracks  # tracks: ids and action codes only


def test_each_event_counts_once_in_any_order() -> None:
    events = attendance() + attendance("bbbbbbbbbb", 20, score=None)
    once = day()
    once.apply(events, CLOCK)
    twice = day()
    twice.apply(list(reversed(events)), CLOCK)
    twice.apply(events[::2], CLOCK)
    assert twice.rollups.canonical() == once.rollups.canonical()
    assert once.rollups.total.served == 2


def test_a_requeued_no_show_that_is_served_later_is_not_lost() -> None:
    unit_day = day()
    s = "cccccccccc"
    unit_day.apply(
        [ev(s, "admit", 0, position=1), ev(s, "call", 1, CLERK, waitSeconds=60), ev(s, "no_show", 6, CLERK)],
        CLOCK,
    )
    assert unit_day.rollups.total.not_served == {"no_show": 1}
    assert unit_day.rollups.total.dropoff == {"0:admitted": 1, "0:no_show": 1}
    unit_day.apply(
        [
            ev(s, "requeue", 8, CLERK),
            ev(s, "call", 9, CLERK, waitSeconds=540),
            ev(s, "finish", 20, CLERK, serviceSeconds=660),
        ],
        CLOCK,
    )
    r = unit_day.rollups.total
    assert r.not_served == {} and r.served == 1 and r.dropoff == {"0:admitted": 1}
    assert r.wait.count == 1 and r.wait.total == 60  # the wait is until the first call
    assert r.calls == 2


def test_an_event_delivered_before_its_admission_moves_to_its_bucket() -> None:
    unit_day = day()
    s = "dddddddddd"
    unit_day.apply([ev(s, "leave", 5, "citizen")], CLOCK)
    assert unit_day.rollups.total.not_served == {"left": 1} and unit_day.rollups.total.dropoff == {}
    unit_day.apply([ev(s, "admit", 0, position=12)], CLOCK)
    assert unit_day.rollups.total.dropoff == {"4:admitted": 1, "4:left": 1}


def test_rejections_are_requests_not_admissions() -> None:
    unit_day = day()
    unit_day.apply([ev("eeeeeeeeee", "reject", 0, why="fila-cheia")], CLOCK)
    r = unit_day.rollups.total
    assert (r.requests, r.admitted, r.not_served) == (1, 0, {"rejected": 1})


def test_samples_count_each_minute_once() -> None:
    unit_day = day()
    minute = T0 // MIN
    unit_day.sample(minute, 10, open_now=True, clerks_online=0, waiting=4)
    _, changed = unit_day.sample(minute, 10, open_now=True, clerks_online=0, waiting=4)
    assert not changed  # the same minute again
    unit_day.sample(minute + 1, 10, open_now=True, clerks_online=2, waiting=6)
    unit_day.sample(minute + 2, 10, open_now=False, clerks_online=0, waiting=1)
    r = unit_day.rollups.total
    assert (r.minutes_open, r.minutes_uncovered, r.peak_queue) == (2, 1, 6)
    assert unit_day.queue_now == 1


def test_a_sealed_day_forgets_its_tracks_and_takes_no_more_events() -> None:
    unit_day = day()
    unit_day.apply(attendance(score=None), CLOCK)
    unit_day.seal()
    assert unit_day.tracks == {}
    delta, new = unit_day.apply([ev("aaaaaaaaaa", "survey", 200, "citizen", score=4)], CLOCK)
    assert new == 0 and delta.is_empty() and unit_day.rollups.total.survey_count == 0


def test_events_after_midnight_count_in_the_last_hour() -> None:
    late = T0 + 14 * 60 * MIN + 30 * MIN  # 00:30 the next day in Rio Branco
    assert CLOCK.hour(late) == 23 and CLOCK.hour(T0) == 10
    assert CLOCK.end() == datetime(2026, 12, 1, 5, 0, tzinfo=UTC)


def test_tracks_and_rollups_survive_storage() -> None:
    unit_day = day()
    unit_day.apply([*attendance(), ev("ffffffffff", "reject", 3)], CLOCK)
    assert decode_tracks(encode_tracks(unit_day.tracks)) == unit_day.tracks
    assert (
        Rollup.from_dict(json.loads(json.dumps(unit_day.rollups.total.to_dict()))) == unit_day.rollups.total
    )
    assert TicketTrack.decode(TicketTrack().encode()) == TicketTrack()


def test_histogram_percentiles_interpolate_inside_fixed_buckets() -> None:
    h = Histogram()
    assert h.percentile(0.5) is None and h.mean() is None
    for seconds in (10, 20, 90, 100, 110, 400):
        h.add(seconds)
    assert h.mean() == pytest.approx(730 / 6)
    # ranks: bucket [0,30) holds 2, [60,120) holds 3, [300,420) holds 1
    assert h.percentile(0.5) == pytest.approx(60 + 60 * (3 - 2) / 3)
    assert h.percentile(1.0) == 420
    h.add(10**6)
    assert h.percentile(1.0) == DURATION_EDGES_S[-1]  # the open bucket answers its lower edge
    other = Histogram()
    other.add(100)
    h.merge(other)
    h.merge(other, -1)
    assert h.count == 7


@pytest.mark.parametrize(
    ("reason", "category"),
    [
        ("prioridade legal", "prioridade"),
        ("categoria de atendimento: partes", "categoria"),
        ("política de intercalação", "intercalacao"),
        ("servidor: pediu para voltar depois", "servidor"),
        ("algo novo", "outro"),
    ],
)
def test_out_of_order_reasons_keep_only_their_category(reason: str, category: str) -> None:
    assert order_reason_category(reason) == category


# --- who may read what -------------------------------------------------------------------------

CONFIG = demo_config()


def who(email: str) -> Principal:
    return Principal.from_staff(email, CONFIG)


def unit_ids(scope: Scope) -> set[str]:
    return {u.id for u in scope.units}


def test_admins_read_everything_and_whole_courts() -> None:
    scope = scope_for(CONFIG, who("gestao@balcao.jus.br"))
    assert unit_ids(scope) == {u.id for u in CONFIG.units} and set(scope.courts) == {"trf1", "tjac", "tjam"}
    assert scope_for(CONFIG, who("gestao@balcao.jus.br"), court="tjac").courts == ("tjac",)


def test_court_managers_read_their_court() -> None:
    scope = scope_for(CONFIG, who("fabio.nunes@trf1.jus.br"))
    assert unit_ids(scope) == {u.id for u in CONFIG.units if u.court == "trf1"} and scope.courts == ("trf1",)
    with pytest.raises(ForbiddenError):
        scope_for(CONFIG, who("fabio.nunes@trf1.jus.br"), court="tjac")
    with pytest.raises(ForbiddenError):
        scope_for(CONFIG, who("fabio.nunes@trf1.jus.br"), unit="tjam-tefe-vu")


def test_clerks_read_their_units_only() -> None:
    scope = scope_for(CONFIG, who("ana.souza@trf1.jus.br"))
    assert unit_ids(scope) == {"trf1-sjac-01vf", "trf1-sjac-02vf"} and scope.courts == ()
    assert unit_ids(scope_for(CONFIG, who("ana.souza@trf1.jus.br"), court="trf1")) == unit_ids(scope)
    assert unit_ids(scope_for(CONFIG, who("bruno.lima@trf1.jus.br"), unit="trf1-sjac-01vf")) == {
        "trf1-sjac-01vf"
    }
    with pytest.raises(ForbiddenError):
        scope_for(CONFIG, who("bruno.lima@trf1.jus.br"), unit="trf1-sjac-02vf")


@pytest.mark.parametrize("email", ["helena.libras@trf1.jus.br", "alguem@exemplo.com"])
def test_others_read_nothing(email: str) -> None:
    with pytest.raises(ForbiddenError):
        scope_for(CONFIG, who(email))


def test_unknown_court_or_unit_is_not_found() -> None:
    admin = who("gestao@balcao.jus.br")
    with pytest.raises(NotFoundError):
        scope_for(CONFIG, admin, court="tjxx")
    with pytest.raises(UnitNotFoundError):
        scope_for(CONFIG, admin, unit="nao-existe")


def test_periods_end_on_the_latest_local_day_in_scope() -> None:
    scope = scope_for(CONFIG, who("gestao@balcao.jus.br"))
    late = datetime(2026, 12, 1, 4, 0, tzinfo=UTC)  # 01:00 in Brasília, 23:00 the day before in Rio Branco
    period = period_for(scope, "7", late)
    assert (period.first, period.last, len(period.dates())) == ("20261125", "20261201", 7)
    assert period_for(scope, "today", late).dates() == ["20261201"]
    with pytest.raises(InvalidInputError):
        period_for(scope, "90", late)
    assert period_for(scope, "", late + timedelta(days=1)).days == 30
