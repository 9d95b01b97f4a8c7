"""`MetricsStore`: a unit-day and its court-day saved together, each guarded by its ETag; only the hours
named are written; a sealed day keeps its total, not its tracks; the event log (and the surveys) read
as metric events (conftest: fake and Azurite alike)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from domain.errors import ConcurrentUpdateError
from domain.metric_events import CourtDay, TicketTrack, UnitDay
from domain.rollups import SURVEY, Rollup, Rollups
from domain.tickets import Action, Status, TicketEvent, TicketWrite
from tests.contract.ports.conftest import Ports

COURT, UNIT, DAY = "trf1", "trf1-sjac-01vf", "20261130"
AT = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)


def rollup(served: int) -> Rollup:
    part = Rollup()
    part.requests = part.admitted = part.served = served
    return part


def days(served_by_hour: dict[int, int]) -> tuple[UnitDay, CourtDay]:
    unit, court = UnitDay(UNIT, COURT, DAY), CourtDay(COURT, DAY)
    for hour, served in served_by_hour.items():
        unit.rollups.add(hour, rollup(served))
        court.rollups.add(hour, rollup(served))
    return unit, court


def test_days_not_stored_load_empty_without_an_etag(ports: Ports) -> None:
    unit_day, etag = ports.metrics.load_unit_day(COURT, UNIT, DAY)
    assert etag is None and unit_day.rollups.is_empty() and unit_day.cursor_ms == 0
    court_day, court_etag = ports.metrics.load_court_day(COURT, DAY)
    assert court_etag is None and court_day.rollups.is_empty()
    assert (
        ports.metrics.unit_days(COURT, UNIT, DAY, DAY) == []
        and ports.metrics.court_hours(COURT, DAY, DAY) == []
    )


def test_a_unit_day_and_its_court_day_are_saved_and_read_together(ports: Ports) -> None:
    unit_day, court_day = days({10: 2, 11: 1})
    unit_day.cursor_ms, unit_day.queue_now, unit_day.sampled_minute = 123, 4, 99
    ports.metrics.save(unit_day, None, court_day, None, {10, 11})
    loaded, etag = ports.metrics.load_unit_day(COURT, UNIT, DAY)
    assert etag and loaded.rollups.total.served == 3 and loaded.cursor_ms == 123
    assert {h: r.served for h, r in loaded.rollups.hours.items()} == {10: 2, 11: 1}
    court, court_etag = ports.metrics.load_court_day(COURT, DAY)
    assert court_etag and court.rollups.total.served == 3
    [row] = ports.metrics.unit_days(COURT, UNIT, "20261101", "20261231")
    assert (row.day, row.rollup.served, row.queue_now, row.sampled_minute) == (DAY, 3, 4, 99)
    assert [(r.day, r.rollup.served) for r in ports.metrics.court_days(COURT, DAY, DAY)] == [(DAY, 3)]
    assert [(h.hour, h.rollup.served) for h in ports.metrics.unit_hours(COURT, UNIT, DAY, DAY)] == [
        (10, 2),
        (11, 1),
    ]
    assert [(h.hour, h.rollup.served) for h in ports.metrics.court_hours(COURT, DAY, DAY)] == [
        (10, 2),
        (11, 1),
    ]


def test_a_stale_etag_saves_neither_day(ports: Ports) -> None:
    unit_day, court_day = days({10: 1})
    ports.metrics.save(unit_day, None, court_day, None, {10})
    _, unit_etag = ports.metrics.load_unit_day(COURT, UNIT, DAY)
    _, court_etag = ports.metrics.load_court_day(COURT, DAY)
    newer_unit, newer_court = days({10: 2})
    ports.metrics.save(newer_unit, unit_etag, newer_court, court_etag, {10})
    late_unit, late_court = days({10: 5})
    with pytest.raises(ConcurrentUpdateError):
        ports.metrics.save(late_unit, unit_etag, late_court, court_etag, {10})
    with pytest.raises(ConcurrentUpdateError):
        ports.metrics.save(late_unit, None, late_court, None, {10})  # both exist already
    ports.metrics.forget(COURT, UNIT, DAY)
    assert ports.metrics.load_unit_day(COURT, UNIT, DAY)[0].rollups.total.served == 2
    assert ports.metrics.load_court_day(COURT, DAY)[0].rollups.total.served == 2


def test_only_the_hours_named_are_written(ports: Ports) -> None:
    unit_day, court_day = days({10: 1})
    ports.metrics.save(unit_day, None, court_day, None, {10})
    unit_day, unit_etag = ports.metrics.load_unit_day(COURT, UNIT, DAY)
    court_day, court_etag = ports.metrics.load_court_day(COURT, DAY)
    for rollups in (unit_day.rollups, court_day.rollups):
        rollups.add(10, rollup(7))  # changed, but not named: not written
        rollups.add(12, rollup(1))
    ports.metrics.save(unit_day, unit_etag, court_day, court_etag, {12})
    ports.metrics.forget(COURT, UNIT, DAY)
    loaded, _ = ports.metrics.load_unit_day(COURT, UNIT, DAY)
    assert {h: r.served for h, r in loaded.rollups.hours.items()} == {10: 1, 12: 1}
    assert loaded.rollups.total.served == 9


def test_a_live_day_keeps_its_tracks_and_a_sealed_day_does_not(ports: Ports) -> None:
    unit_day, court_day = days({10: 1})
    unit_day.tracks = {"abc": TicketTrack({(1000, "admit")}, 0, 30)}
    ports.metrics.save(unit_day, None, court_day, None, {10})
    loaded, etag = ports.metrics.load_unit_day(COURT, UNIT, DAY)
    assert loaded.tracks["abc"].seen == {(1000, "admit")} and loaded.tracks["abc"].first_wait_s == 30
    _, court_etag = ports.metrics.load_court_day(COURT, DAY)
    loaded.sealed = True
    ports.metrics.save(loaded, etag, CourtDay(COURT, DAY, Rollups(rollup(1))), court_etag, set())
    ports.metrics.forget(COURT, UNIT, DAY)
    sealed, _ = ports.metrics.load_unit_day(COURT, UNIT, DAY)
    assert sealed.sealed and sealed.tracks == {} and sealed.rollups.total.served == 1


def test_the_event_log_and_the_surveys_are_read_as_metric_events(ports: Ports) -> None:
    state, etag = ports.store.load(UNIT, DAY)
    writes = []
    for i, (short, action, status) in enumerate(
        [
            ("b", Action.ADMIT, Status.WAITING),
            ("b", Action.CALL, Status.CALLED),
            ("c", Action.ADMIT, Status.WAITING),
        ]
    ):
        ticket_id = f"{UNIT}.{DAY}.{short:a<10}"
        event = TicketEvent(
            ticket_id, action, status, AT + timedelta(seconds=i), "ana", "motivo", {"position": 1}
        )
        writes.append(
            TicketWrite(ticket_id, {"status": status.value}, create=action == Action.ADMIT, event=event)
        )
    state.line = []
    ports.store.commit(state, etag, writes[:1] + writes[2:])
    state, etag = ports.store.load(UNIT, DAY)
    ports.store.commit(state, etag, writes[1:2])
    ports.store.add_survey(
        f"{UNIT}.{DAY}.{'b':a<10}", {"score": 4, "answeredAt": (AT + timedelta(minutes=5)).isoformat()}
    )

    since = int((AT + timedelta(seconds=1)).timestamp() * 1000)
    pages = list(ports.metrics.read_events(UNIT, DAY, since, with_state=True))
    events = sorted((e for p in pages for e in p.events), key=lambda e: (e.at_ms, e.action))
    assert [(e.ticket, e.action) for e in events] == [
        ("baaaaaaaaa", "call"),
        ("caaaaaaaaa", "admit"),
        ("baaaaaaaaa", SURVEY),
    ]
    call = events[0]
    assert (
        call.at_ms == since and call.by == "ana" and call.reason == "motivo" and call.data == {"position": 1}
    )
    assert events[2].data == {"score": 4}
    assert pages[-1].waiting == 0 and pages[-1].clerks_online == 0
    everything = [e for p in ports.metrics.read_events(UNIT, DAY, 0, with_state=False) for e in p.events]
    assert len(everything) == 4 and all(
        p.waiting is None for p in ports.metrics.read_events(UNIT, DAY, 0, with_state=False)
    )
