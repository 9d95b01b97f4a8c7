"""Property: however the event log is delivered (duplicates, any order, any batching, through storage
between batches), the incremental rollups equal a direct recomputation from the raw events, and the
court-day built from the deltas equals the unit-day."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.metric_events import DayClock, MetricEvent, UnitDay, decode_tracks, encode_tracks, recompute
from domain.rollups import Rollup, Rollups
from domain.tickets import TRANSITIONS, Action, Status

UNIT = "trf1-sjam-01vf"
ZONE = "America/Manaus"
DAY = "20261130"
DAY_START_MS = int(datetime(2026, 11, 30, tzinfo=ZoneInfo(ZONE)).timestamp() * 1000)
CLERKS = ("ana.souza@trf1.jus.br", "bruno.lima@trf1.jus.br", "carla.mendes@trf1.jus.br")
CALL_REASONS = (
    "",
    "",
    "prioridade legal",
    "política de intercalação",
    "categoria de atendimento: partes",
    "servidor: retorno de ligação caída",
)
BY = {
    Action.LEAVE: "citizen",
    Action.MARK_ABSENT: "system",
    Action.RETURN: "citizen",
    Action.EXPIRE: "system",
    Action.CLOSE: "system",
    Action.ADMIT: "system",
    Action.REJECT: "system",
}


@st.composite
def ticket_history(draw: st.DrawFn, short: str) -> list[MetricEvent]:
    """A lawful life of one ticket (a walk over the transition table), with its survey if served.
    Instants mostly move forward; now and then one goes back a little (a writer that took its time
    before a retry), and some land after midnight."""
    at = DAY_START_MS + draw(st.integers(6 * 3600_000, 23 * 3600_000))
    arrived = at - draw(st.integers(0, 5000))
    status = Status.PENDING
    events: list[MetricEvent] = []
    for _ in range(draw(st.integers(1, 7))):
        choices = sorted(a for (s, a) in TRANSITIONS if s == status)
        if not choices:
            break
        action = draw(st.sampled_from(choices))
        by = BY.get(action) or draw(st.sampled_from(CLERKS))
        data: dict[str, Any] = {}
        reason = ""
        if action == Action.ADMIT:
            data = {
                "klass": draw(st.integers(0, 3)),
                "role": draw(st.sampled_from(["parte", "advogado", "outro"])),
                "reason": draw(st.sampled_from(["orientacao", "certidao"])),
                "position": draw(st.integers(0, 80)),
            }
        elif action == Action.CALL:
            data = {"waitSeconds": max(0, (at - arrived) // 1000), "klass": 3}
            reason = draw(st.sampled_from(CALL_REASONS))
        elif action == Action.FINISH:
            data = {"serviceSeconds": draw(st.integers(0, 20_000))}
        elif action == Action.TRANSFER:
            data = {"targetUnit": "trf1-sjam-02vf"}
        events.append(MetricEvent(short, action.value, at, by, reason, data))
        status = TRANSITIONS[(status, action)]
        at += draw(st.one_of(st.integers(1, 3_600_000), st.integers(-3000, -1)))
    if status == Status.DONE and draw(st.booleans()):
        events.append(
            MetricEvent(
                short,
                "survey",
                at + draw(st.integers(0, 600_000)),
                "citizen",
                "",
                {"score": draw(st.integers(1, 5))},
            )
        )
    return events


@st.composite
def deliveries(draw: st.DrawFn) -> tuple[list[MetricEvent], list[list[MetricEvent]]]:
    """The raw log, and how it reaches the rollups: with repeats, shuffled, in batches."""
    shorts = [f"t{i:09d}" for i in range(draw(st.integers(1, 10)))]
    log = [e for short in shorts for e in draw(ticket_history(short))]
    repeats = draw(st.lists(st.sampled_from(log), max_size=len(log))) if log else []
    stream = draw(st.permutations(log + repeats))
    cuts = sorted(draw(st.lists(st.integers(0, len(stream)), max_size=6)))
    batches = [stream[a:b] for a, b in zip([0, *cuts], [*cuts, len(stream)], strict=True)]
    return log, batches


def stored(unit_day: UnitDay) -> UnitDay:
    """What the next pass reads back from the table (rollups as JSON, tracks as text)."""
    hours = {h: Rollup.from_dict(r.to_dict()) for h, r in unit_day.rollups.hours.items() if not r.is_empty()}
    return UnitDay(
        unit_day.unit_id,
        unit_day.court_id,
        unit_day.day,
        Rollups(Rollup.from_dict(unit_day.rollups.total.to_dict()), hours),
        decode_tracks(encode_tracks(unit_day.tracks)),
        unit_day.cursor_ms,
    )


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(deliveries())
def test_rollups_equal_a_recomputation_from_the_raw_events(
    case: tuple[list[MetricEvent], list[list[MetricEvent]]],
) -> None:
    log, batches = case
    clock = DayClock(ZONE, DAY)
    unit_day = UnitDay(UNIT, "trf1", DAY)
    court = Rollups()
    for batch in batches:
        delta, _ = unit_day.apply(batch, clock)
        court.merge(delta)
        unit_day = stored(unit_day)
    expected = recompute(log, clock, UNIT).canonical()
    assert unit_day.rollups.canonical() == expected
    assert court.canonical() == expected
    total = Rollup()
    for part in expected.hours.values():
        total.merge(part)
    assert total == expected.total  # the hours add up to the day


@settings(max_examples=100, deadline=None)
@given(deliveries())
def test_a_second_delivery_of_everything_changes_nothing(
    case: tuple[list[MetricEvent], list[list[MetricEvent]]],
) -> None:
    log, batches = case
    clock = DayClock(ZONE, DAY)
    unit_day = UnitDay(UNIT, "trf1", DAY)
    for batch in batches:
        unit_day.apply(batch, clock)
    before = stored(unit_day).rollups.canonical()
    delta, new = unit_day.apply(list(reversed(log)), clock)
    assert new == 0 and delta.is_empty()
    assert unit_day.rollups.canonical() == before
