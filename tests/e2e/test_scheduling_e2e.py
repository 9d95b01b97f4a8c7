"""The three flows of issue 9 end to end over HTTP on the dev host (Azurite, real queues and timers on a
controlled clock, Teams cards to a local webhook receiver):

1. scheduling: slots → booking → meeting made ahead → reschedule/cancel with the token → reminder card
   → at the time, straight to the front of the line → the clerk's call records "atendimento agendado";
2. calling in a colleague: during an attendance the clerk invites the court's Libras interpreter → a
   card with the clerk's join link → recorded on the ticket and in the audit trail;
3. the asynchronous channel: attachments/HTML/over-long refused with nothing stored → a message and its
   protocol → the clerks' inbox with the deadline clock → overdue: a card and a count → the reply on
   the citizen's page.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from adapters.records_table import MESSAGES_TABLE, TableUnitRecords
from adapters.storage import table_service
from adapters.tables import TableQueueStore
from devhost.clock import FakeClock
from tests.fakes.fake_webhook import FakeWebhook, Received
from tests.support.system import System, principal_header, running_system

pytestmark = [pytest.mark.e2e, pytest.mark.azurite]

TEFE = "tjam-tefe-vu"  # Manaus (UTC-4), 08-14; scheduling for everyone, the asynchronous channel
VARA = "trf1-sjac-01vf"  # Rio Branco (UTC-5), 09-18
START = datetime(2026, 12, 14, 13, 0, tzinfo=UTC)  # Monday 09:00 in Manaus, 08:00 in Rio Branco
MID_MORNING = datetime(2026, 12, 14, 15, 30, tzinfo=UTC)  # Monday 11:30 in Manaus, 10:30 in Rio Branco
ELISA = "elisa.prado@tjam.jus.br"
ANA = "ana.souza@trf1.jus.br"
HELENA = "helena.libras@trf1.jus.br"
ADMIN = "gestao@balcao.jus.br"
PERSON = {"role": "parte", "reason": "orientacao", "consent": True}


@pytest.fixture(scope="module")
def webhook() -> Iterator[FakeWebhook]:
    with FakeWebhook() as fake:
        yield fake


@pytest.fixture(scope="module")
def system(clock: FakeClock, webhook: FakeWebhook) -> Iterator[System]:
    hooks = {
        "TEAMS_WEBHOOK_TJAM_TEFE_VU": webhook.url("/tefe"),
        "TEAMS_WEBHOOK_TRF1_SJAC_01VF": webhook.url("/01vf"),
    }
    with running_system(always_open=False, clock=clock, extra_settings=hooks) as running:
        yield running


def at(clock: FakeClock, system: System, when: datetime, timer: str = "appointments_upkeep") -> None:
    """Move the clock and wait for the minute timers to run at the new time."""
    runs = system.host.invocations(timer)
    clock.set(when)
    assert system.host.wait_for_invocations(timer, runs + 1, timeout=10)
    assert system.host.wait_idle(10)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def card_saying(text: str, path: str) -> Any:
    return lambda received: any(
        r.path == path and text in json.dumps(r.body, ensure_ascii=False) for r in received
    )


def urls(node: Any) -> list[str]:
    """Every button target of a card (top-level actions or ActionSets of a coalesced card)."""
    if isinstance(node, dict):
        own = [node["url"]] if node.get("type") == "Action.OpenUrl" else []
        return own + [u for v in node.values() for u in urls(v)]
    if isinstance(node, list):
        return [u for v in node for u in urls(v)]
    return []


def cards(webhook: FakeWebhook, path: str, text: str) -> list[Received]:
    return [r for r in webhook.delivered(path) if text in json.dumps(r.body, ensure_ascii=False)]


# ------------------------------------------------------------------------------------------------ 1


def test_scheduling_from_booking_to_the_front_of_the_line(
    system: System, clock: FakeClock, webhook: FakeWebhook
) -> None:
    c = system.client
    offered = c.get(f"/api/units/{TEFE}/slots").json()
    assert offered["enabled"] and offered["selfBooking"]["allowed"]
    today = next(d for d in offered["days"] if d["date"] == "2026-12-14")
    assert today["slots"][0]["time"] == "11h00"  # two hours' notice from 09:00
    assert "2026-12-19" not in {d["date"] for d in offered["days"]}  # Saturday

    booked = c.post(
        f"/api/units/{TEFE}/appointments",
        json={**PERSON, "name": "Joana Agendada", "startsAt": "2026-12-14T11:00:00-04:00"},
    )
    assert booked.status_code == 201, booked.text
    first = booked.json()
    taken = c.post(
        f"/api/units/{TEFE}/appointments",
        json={**PERSON, "name": "Outra Pessoa", "startsAt": "2026-12-14T11:00:00-04:00"},
    )
    assert taken.status_code == 409 and taken.headers["content-type"].startswith("application/problem+json")
    outside = c.post(
        f"/api/units/{TEFE}/appointments",
        json={**PERSON, "name": "Outra Pessoa", "startsAt": "2026-12-14T14:00:00-04:00"},
    )
    assert outside.status_code == 409 and "agenda da unidade" in outside.json()["detail"]

    view = system.wait(
        lambda: (
            (v := c.get(first["statusUrl"], headers=bearer(first["token"])).json())["meeting"]["status"]
            == "ready"
            and v
        )
    )
    assert view["status"] == "booked" and view["canReschedule"] and view["meeting"]["joinUrl"] is None
    assert c.get(first["statusUrl"], headers=bearer("k1.forjado")).status_code == 401

    moved = c.post(
        f"/api/tickets/{first['appointmentId']}/appointment/reschedule",
        json={"startsAt": "2026-12-14T11:30:00-04:00"},
        headers=bearer(first["token"]),
    )
    assert moved.status_code == 201, moved.text
    second = moved.json()
    old = c.get(first["statusUrl"], headers=bearer(first["token"])).json()
    assert old["status"] == "rescheduled" and old["rescheduledTo"]["token"] == second["token"]
    again = c.post(
        f"/api/units/{TEFE}/appointments",
        json={**PERSON, "name": "Quem Cancela", "startsAt": "2026-12-14T11:00:00-04:00"},
    )
    assert again.status_code == 201  # the 11:00 place was given back
    gone = again.json()
    assert c.delete(gone["statusUrl"], headers=bearer(gone["token"])).status_code == 204
    assert c.get(gone["statusUrl"], headers=bearer(gone["token"])).json()["status"] == "cancelled"

    # 10:30: the reminder (an hour before) reaches the unit's channel and the citizen's page.
    at(clock, system, datetime(2026, 12, 14, 14, 30, tzinfo=UTC))
    assert webhook.wait_for(card_saying("Atendimento agendado às 11h30", "/tefe"), timeout=10)
    reminder = c.get(second["statusUrl"], headers=bearer(second["token"])).json()
    assert reminder["reminder"].startswith("Seu atendimento agendado começa às 11h30")
    assert reminder["meeting"]["joinUrl"]

    # A walk-in joins at 11:25; at 11:30 the scheduled citizen enters the line ahead of them.
    clock.set(datetime(2026, 12, 14, 15, 25, tzinfo=UTC))
    walk_in = c.post(f"/api/units/{TEFE}/tickets", json={**PERSON, "name": "Chegou Antes"}).json()
    system.wait(
        lambda: c.get(walk_in["statusUrl"], headers=bearer(walk_in["token"])).json()["status"] == "waiting"
    )
    at(clock, system, datetime(2026, 12, 14, 15, 30, tzinfo=UTC))
    appointment = c.get(second["statusUrl"], headers=bearer(second["token"])).json()
    assert appointment["status"] == "admitted"
    ticket = c.get(appointment["ticket"]["statusUrl"], headers=bearer(second["token"])).json()
    assert ticket["status"] == "waiting" and ticket["position"] == 1
    assert ticket["priority"] == "Atendimento agendado"

    called = c.post(f"/api/clerk/units/{TEFE}/call", headers=principal_header(ELISA))
    assert called.status_code == 200, called.text
    assert called.json()["ticketId"] == second["appointmentId"]
    assert called.json()["outOfOrderReason"] == "atendimento agendado"
    joined = system.wait(
        lambda: c.get(appointment["ticket"]["statusUrl"], headers=bearer(second["token"])).json()["meeting"][
            "joinUrl"
        ]
    )
    assert joined == reminder["meeting"]["joinUrl"]  # the meeting made ahead of time
    day = c.get(f"/api/clerk/units/{TEFE}/appointments?day=20261214", headers=principal_header(ELISA)).json()
    assert sorted((a["name"], a["status"]) for a in day["appointments"]) == [
        ("Joana Agendada", "admitted"),
        ("Joana Agendada", "rescheduled"),
        ("Quem Cancela", "cancelled"),
    ]
    assert len(cards(webhook, "/tefe", "Atendimento agendado às 11h30")) == 1


# ------------------------------------------------------------------------------------------------ 2


def test_calling_in_the_libras_interpreter(system: System, clock: FakeClock, webhook: FakeWebhook) -> None:
    clock.set(max(clock(), MID_MORNING))  # the unit is open (whether or not the test above ran first)
    c = system.client
    joined = c.post(
        f"/api/units/{VARA}/tickets", json={**PERSON, "name": "Pedro Surdo", "category": "partes"}
    )
    assert joined.status_code == 202, joined.text
    ticket = joined.json()
    system.wait(
        lambda: c.get(ticket["statusUrl"], headers=bearer(ticket["token"])).json()["status"] == "waiting"
    )
    ana = principal_header(ANA)
    assert c.post(f"/api/clerk/units/{VARA}/call", headers=ana).json()["ticketId"] == ticket["ticketId"]
    system.wait(
        lambda: c.get(ticket["statusUrl"], headers=bearer(ticket["token"])).json()["meeting"]["joinUrl"]
    )

    colleagues = c.get(f"/api/clerk/units/{VARA}/colleagues", headers=ana).json()["colleagues"]
    assert {(p["email"], p["role"]) for p in colleagues} == {
        ("bruno.lima@trf1.jus.br", "clerk"),
        (HELENA, "interpreter"),
    }
    url = f"/api/clerk/units/{VARA}/attendances/{ticket['ticketId']}/invitations"
    stranger = c.post(url, json={"email": "diego.rocha@tjac.jus.br"}, headers=ana)
    assert stranger.status_code == 400 and "intérprete" in stranger.json()["detail"]
    invited = c.post(url, json={"email": HELENA}, headers=ana)
    assert invited.status_code == 201, invited.text
    link = invited.json()["joinUrl"]
    assert link.endswith("&papel=servidor")  # the clerk's link to the same meeting
    assert c.post(url, json={"email": HELENA}, headers=ana).status_code == 409

    assert webhook.wait_for(card_saying("Helena", "/01vf"), timeout=10)
    [card] = cards(webhook, "/01vf", "convite para um atendimento")
    assert link in urls(card.body)  # (the card may be coalesced with the call's card)
    stored = TableQueueStore(table_service(system.settings)).get_ticket(ticket["ticketId"])
    assert stored is not None
    [invitation] = json.loads(stored["invitations"])
    assert invitation["email"] == HELENA and invitation["by"] == ANA and invitation["role"] == "interpreter"
    trail = c.get(
        "/api/gestao/audit", params={"unit": VARA, "day": "20261214"}, headers=principal_header(ADMIN)
    ).json()
    invites = [e for e in trail["entries"] if e["action"] == "invite"]
    assert len(invites) == 1 and invites[0]["who"] == ANA and invites[0]["ticketId"] == ticket["ticketId"]


# ------------------------------------------------------------------------------------------------ 3


def test_the_asynchronous_channel(system: System, clock: FakeClock, webhook: FakeWebhook) -> None:
    assert clock() <= MID_MORNING
    clock.set(MID_MORNING)  # the deadline below counts from Monday 11:30 in Manaus
    c = system.client
    records = TableUnitRecords(table_service(system.settings), MESSAGES_TABLE)
    info = c.get(f"/api/units/{TEFE}/async-channel").json()
    assert info["enabled"] and "não recebe petições" in info["notice"]
    assert info["responseTimeText"] == "Resposta em até 24 horas de expediente."
    form = {**PERSON, "name": "Raimundo Nonato"}
    refusals = [
        c.post(
            f"/api/units/{TEFE}/messages",
            json={**form, "text": "Segue anexo.", "attachments": [{"name": "p.pdf"}]},
        ),
        c.post(f"/api/units/{TEFE}/messages", json={**form, "text": "<b>Urgente</b>"}),
        c.post(f"/api/units/{TEFE}/messages", json={**form, "text": "x" * (info["maxLength"] + 1)}),
        c.post(
            f"/api/units/{TEFE}/messages",
            content=b"--b\r\nContent-Disposition: form-data; name=file; filename=a.pdf\r\n\r\n%PDF\r\n--b--",
            headers={"Content-Type": "multipart/form-data; boundary=b"},
        ),
    ]
    for refused in refusals:
        assert refused.status_code == 400, refused.text
        assert refused.headers["content-type"].startswith("application/problem+json")
    assert "anexos não são aceitos" in refusals[0].json()["detail"]
    assert "sem marcações HTML" in refusals[1].json()["detail"]
    assert "o limite desta unidade é 2.000" in refusals[2].json()["detail"]
    assert "anexos não são aceitos" in refusals[3].json()["detail"]
    assert records.query(TEFE, "", "~") == []  # nothing stored, no protocol number used

    sent = c.post(f"/api/units/{TEFE}/messages", json={**form, "text": "A audiência foi mantida?"})
    assert sent.status_code == 201, sent.text
    message = sent.json()
    assert message["protocol"] == "TJAM-TEFE-VU-2026-000001"
    # 24 opening hours from Monday 11:30: 2.5 h on Monday, 6 h Tuesday to Thursday, 3.5 h on Friday
    assert message["dueAt"] == "2026-12-18T11:30:00-04:00"
    inbox = c.get(f"/api/clerk/units/{TEFE}/messages", headers=principal_header(ELISA)).json()
    [item] = inbox["open"]
    assert item["deadline"]["state"] == "on_time" and item["deadline"]["text"] == "Restam 24h de expediente"

    at(clock, system, datetime(2026, 12, 18, 16, 0, tzinfo=UTC), timer="async_overdue")  # Friday 12:00
    assert webhook.wait_for(card_saying("sem resposta no prazo", "/tefe"), timeout=10)
    overdue = cards(webhook, "/tefe", "sem resposta no prazo")
    assert len(overdue) == 1 and "Raimundo" not in json.dumps(overdue[0].body, ensure_ascii=False)
    numbers = c.get("/api/metrics/async", params={"unit": TEFE, "days": "7"}, headers=principal_header(ELISA))
    assert numbers.json()["total"]["overdue"] == 1 and numbers.json()["total"]["overdueNow"] == 1

    answered = c.post(
        f"/api/clerk/units/{TEFE}/messages/{message['messageId']}/reply",
        json={"text": "Sim, foi mantida para segunda-feira às 9h."},
        headers=principal_header(ELISA),
    )
    assert answered.status_code == 200 and answered.json()["onTime"] is False
    view = c.get(message["statusUrl"], headers=bearer(message["token"])).json()
    assert (
        view["status"] == "answered" and view["reply"]["text"] == "Sim, foi mantida para segunda-feira às 9h."
    )
