"""Opening hours and the per-minute upkeep on the fakes, with a controlled clock (moved from the Azurite
tier, assertions kept)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from domain.config import parse_configuration
from domain.errors import UnitClosedError
from domain.ports import NOTIFY_QUEUE
from domain.usecases import clerk_actions, directory
from domain.usecases.citizen_view import note_seen
from domain.usecases.context import Context
from domain.usecases.joining import JoinAccepted
from domain.usecases.upkeep import run_upkeep
from functions.answers import dump
from functions.answers.tickets import unit_summary
from tests.fakes.context import CONFIG_FILE, Fakes, fake_context
from tests.support import flows

RB = "trf1-sjac-02vf"  # Rio Branco (UTC-5), 08-12 and 14-18, serve_waiting
BSB = "tjdf-bsb-1vc"  # Brasília (UTC-3), 09-18, close_queue
MONDAY = datetime(2026, 12, 7, tzinfo=UTC)  # a Monday with no holiday (30 Nov is one in DF)


def config() -> Any:
    raw = json.loads(CONFIG_FILE.read_bytes())
    raw["courts"].append(
        {
            "id": "tjdf",
            "name": "Tribunal de Justiça do Distrito Federal",
            "calendar": "state",
            "privacy": {"encarregado": {"name": "Encarregada TJDF", "email": "encarregado@tjdft.jus.br"}},
        }
    )
    raw["units"].append(
        {
            "id": BSB,
            "court": "tjdf",
            "name": "1ª Vara Cível de Brasília",
            "timezone": "America/Sao_Paulo",
            "state": "DF",
            "hours": {d: [["09:00", "18:00"]] for d in ("mon", "tue", "wed", "thu", "fri")},
            "closingPolicy": "close_queue",
            "alternatives": ["E-mail: 1vc.bsb@tjdft.jus.br"],
        }
    )
    raw["staff"].append(
        {"email": "ivo@tjdft.jus.br", "name": "Ivo", "roles": [{"role": "clerk", "units": [BSB]}]}
    )
    for unit in raw["units"]:
        unit["limits"] = {
            "absentAfterSeconds": 90,
            "graceSeconds": 300,
            "noShowSeconds": 180,
            "overtimeMinutes": 30,
            "coverageAlertMinutes": 10,
        }
    return parse_configuration(json.dumps(raw))


@pytest.fixture
def fakes_and_ctx() -> tuple[Context, Fakes]:
    return fake_context(config(), always_open=False)


@pytest.fixture
def svc(fakes_and_ctx: tuple[Context, Fakes]) -> Context:
    return fakes_and_ctx[0]


@pytest.fixture
def fakes(fakes_and_ctx: tuple[Context, Fakes]) -> Fakes:
    return fakes_and_ctx[1]


def join(svc: Context, unit: str, at: datetime, name: str = "Ana Maria") -> JoinAccepted:
    return flows.join(svc, unit, at, name)


def admit(svc: Context, at: datetime) -> None:
    flows.admit_waiting(svc, at)


def view(svc: Context, ticket: JoinAccepted, at: datetime) -> dict[str, Any]:
    return flows.ticket_json(svc, ticket, at)


def test_rio_branco_opens_at_8_local_while_brasilia_is_already_open(svc: Context) -> None:
    before = MONDAY.replace(hour=12, minute=59)  # 07:59 in Rio Branco, 09:59 in Brasília
    join(svc, BSB, before)
    with pytest.raises(UnitClosedError) as closed:
        join(svc, RB, before)
    assert "07/12/2026 às 08h00" in closed.value.message
    assert closed.value.next_opening == datetime(2026, 12, 7, 13, 0, tzinfo=UTC)
    summaries = {u.id: dump(unit_summary(u, flows.LINKS)) for u in directory.list_units(svc, before)}
    assert summaries[BSB]["openNow"] and not summaries[RB]["openNow"]
    assert summaries[RB]["nextOpening"] == "2026-12-07T08:00:00-05:00"
    join(svc, RB, MONDAY.replace(hour=13, minute=0))  # 08:00 in Rio Branco: open


def test_lunch_break_keeps_the_line(svc: Context) -> None:
    t = MONDAY.replace(hour=16, minute=50)  # 11:50 in Rio Branco
    ticket = join(svc, RB, t)
    admit(svc, t)
    lunch = MONDAY.replace(hour=17, minute=30)  # 12:30: closed until 14:00
    note_seen(svc, RB, "20261207", ticket.ticket_id.split(".")[2], lunch)
    run_upkeep(svc, lunch)
    assert view(svc, ticket, lunch)["status"] == "waiting"
    with pytest.raises(UnitClosedError):
        join(svc, RB, lunch, name="Outra Pessoa")


def test_serve_waiting_serves_the_line_after_closing_then_closes_it(svc: Context) -> None:
    t = MONDAY.replace(hour=22, minute=50)  # 17:50 in Rio Branco
    first, second = join(svc, RB, t), join(svc, RB, t + timedelta(seconds=1), name="Bruno Costa")
    admit(svc, t)
    closing = MONDAY.replace(hour=23, minute=1)  # 18:01: closed for the day
    for ticket in (first, second):
        view(svc, ticket, closing)  # pages still polling
    run_upkeep(svc, closing)
    clerk = svc.principal("ana.souza@trf1.jus.br")
    assert clerk_actions.call_next(svc, RB, clerk, closing).ticket_id == first.ticket_id  # still served
    assert view(svc, second, closing)["status"] == "waiting"
    with pytest.raises(UnitClosedError):
        join(svc, RB, closing, name="Tarde Demais")
    after_overtime = closing + timedelta(minutes=31)
    view(svc, second, after_overtime - timedelta(seconds=30))
    run_upkeep(svc, after_overtime)
    closed = view(svc, second, after_overtime)
    assert closed["status"] == "closed" and "encerrou" in closed["message"]
    assert view(svc, first, after_overtime)["status"] in ("called", "no_show")


def test_close_queue_closes_the_line_at_once_and_offers_alternatives(svc: Context) -> None:
    t = MONDAY.replace(hour=20, minute=55)  # 17:55 in Brasília
    ticket = join(svc, BSB, t)
    admit(svc, t)
    run_upkeep(svc, MONDAY.replace(hour=21, minute=0))  # 18:00
    closed = view(svc, ticket, MONDAY.replace(hour=21, minute=0))
    assert closed["status"] == "closed" and closed["alternatives"] == ["E-mail: 1vc.bsb@tjdft.jus.br"]


def test_absent_then_restored_then_absent_then_expired_and_called_then_no_show(
    svc: Context, fakes: Fakes
) -> None:
    t = MONDAY.replace(hour=15)  # 12:00 in Brasília
    a, b, c = (join(svc, BSB, t + timedelta(seconds=i), name=n) for i, n in enumerate(["Ana", "Bia", "Caio"]))
    admit(svc, t)
    short = a.ticket_id.split(".")[2]
    later = t + timedelta(seconds=100)
    for ticket in (b, c):
        note_seen(svc, BSB, "20261207", ticket.ticket_id.split(".")[2], later)
    fakes.sightings.flush_s = 0  # write every sighting down now
    note_seen(svc, BSB, "20261207", b.ticket_id.split(".")[2], later)
    report = run_upkeep(svc, later)
    assert {r.unit_id: r.transitions for r in report}[BSB] == {"mark_absent": 1}
    state = svc.store.peek(BSB, "20261207", max_age_s=0)
    assert state.find(short).absent_since_ms  # type: ignore[union-attr]
    assert view(svc, b, later)["position"] == 1  # the absent one is not counted ahead
    back = view(svc, a, later + timedelta(seconds=10))  # Ana's page polls again: place restored
    assert back["status"] == "waiting" and back["position"] == 1
    gone = later + timedelta(seconds=200)
    for ticket in (b, c):
        note_seen(svc, BSB, "20261207", ticket.ticket_id.split(".")[2], gone)
    run_upkeep(svc, gone)  # Ana silent again for 190 s: absent
    grace_over = gone + timedelta(seconds=301)
    for ticket in (b, c):
        note_seen(svc, BSB, "20261207", ticket.ticket_id.split(".")[2], grace_over)
    run_upkeep(svc, grace_over)
    assert view(svc, a, grace_over)["status"] == "expired"
    clerk = svc.principal("ivo@tjdft.jus.br")
    called = clerk_actions.call_next(svc, BSB, clerk, grace_over)
    assert called.ticket_id == b.ticket_id
    caio = c.ticket_id.split(".")[2]
    note_seen(svc, BSB, "20261207", caio, grace_over + timedelta(seconds=170))  # Caio's page polls
    run_upkeep(svc, grace_over + timedelta(seconds=179))
    assert view(svc, b, grace_over + timedelta(seconds=179))["status"] == "called"
    first_miss = grace_over + timedelta(seconds=181)
    note_seen(svc, BSB, "20261207", caio, first_miss)
    run_upkeep(svc, first_miss)  # issue 13: put back once (behind Caio, the only one of her class)...
    assert view(svc, b, first_miss)["status"] == "waiting"
    assert clerk_actions.call_next(svc, BSB, clerk, first_miss).ticket_id == c.ticket_id
    assert clerk_actions.call_next(svc, BSB, clerk, first_miss).ticket_id == b.ticket_id
    second_miss = first_miss + timedelta(seconds=181)
    run_upkeep(svc, second_miss)  # ... then, missing the call again, marked no-show
    assert view(svc, b, second_miss)["status"] == "no_show"


def test_open_with_nobody_answering_alerts_once(svc: Context, fakes: Fakes) -> None:
    t = MONDAY.replace(hour=13)  # 10:00 in Brasília, nobody online
    run_upkeep(svc, t)
    run_upkeep(svc, t + timedelta(minutes=5))
    drain = fakes.bus.drain(NOTIFY_QUEUE, 32)
    assert not [m for m in drain.items if m.payload["unitId"] == BSB]
    run_upkeep(svc, t + timedelta(minutes=10))
    run_upkeep(svc, t + timedelta(minutes=11))
    drain = fakes.bus.drain(NOTIFY_QUEUE, 32)
    alerts = [m.payload for m in drain.items if m.payload["unitId"] == BSB]
    assert len(alerts) == 1 and alerts[0]["kind"] == "no_clerk_online"
    drain.complete()
