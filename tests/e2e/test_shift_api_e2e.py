"""The backend of the long-shift console and the Serventias tab (issue 15), over real HTTP on the dev host
with Azurite and a controlled clock:

- "Ausente" only after the unit's no-show time, or confirmed; today's no-shows in the queue view, and
  "Devolver à fila" puts one back at its place by arrival;
- is the citizen in the room: the local simulated room reports with the ticket's token; a Jitsi server
  counts people (a local stand-in of its room census); Teams cannot tell, and the answer says so;
- favourites (★) per staff member, stored in Table Storage;
- a unit's configuration, read-only, for its clerks, its court's managers and administrators.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from azure.data.tables import TableServiceClient

from devhost.clock import FakeClock
from tests.e2e.pages_support import join, queue_of, wait_status
from tests.fakes.fake_jitsi import FakeJitsi
from tests.fakes.fake_webhook import FakeWebhook
from tests.support.system import CONFIG_FILE, System, principal_header, running_system

pytestmark = [pytest.mark.e2e, pytest.mark.azurite]

QUICK = "trf1-sjac-01vf"  # no-show time 30 s here (the shortest the configuration allows)
LOCAL = "trf1-sjam-01vf"  # local provider, default no-show time (300 s)
JITSI = "tjac-rbr-1vce"
TEAMS = "tjam-tefe-vu"
ANA, CARLA, DIEGO, ELISA = (
    "ana.souza@trf1.jus.br",  # clerk of trf1-sjac-01vf (and 02vf)
    "carla.mendes@trf1.jus.br",  # clerk of trf1-sjam-01vf
    "diego.rocha@tjac.jus.br",  # clerk of tjac-rbr-1vce
    "elisa.prado@tjam.jus.br",  # clerk of tjam-tefe-vu
)
MANAGER, ADMIN = "fabio.nunes@trf1.jus.br", "gestao@balcao.jus.br"
START = datetime(2026, 12, 14, 13, 0, 2, tzinfo=UTC)  # a Monday; two seconds past the minute


def config() -> bytes:
    raw: dict[str, Any] = json.loads(CONFIG_FILE.read_text("utf-8"))
    for unit in raw["units"]:
        if unit["id"] == QUICK:
            unit.setdefault("limits", {})["noShowSeconds"] = 30
        if unit["id"] == JITSI:
            unit["meeting"] = {"provider": "jitsi"}
        if unit["id"] == TEAMS:
            unit["meeting"] = {"provider": "teams", "organizer": "balcao.tefe@tjam.jus.br"}
    return json.dumps(raw, ensure_ascii=False).encode()


@pytest.fixture(scope="module")
def jitsi() -> Iterator[FakeJitsi]:
    with FakeJitsi() as fake:
        yield fake


@pytest.fixture(scope="module")
def webhook() -> Iterator[FakeWebhook]:
    with FakeWebhook() as fake:
        yield fake


@pytest.fixture(scope="module")
def system(clock: FakeClock, jitsi: FakeJitsi, webhook: FakeWebhook) -> Iterator[System]:
    settings = {
        "JITSI_ROOM_SIZE_URL": jitsi.room_size_url,
        "JITSI_XMPP_DOMAIN": "meet.tjac.test",
        "TEAMS_WEBHOOK_TRF1_SJAC_01VF": webhook.url("/01vf"),
    }
    with running_system(config=config(), clock=clock, extra_settings=settings) as running:
        yield running


def post(system: System, who: str, path: str, body: dict[str, Any] | None = None) -> Any:
    return system.client.post(f"/api/{path}", json=body or {}, headers=principal_header(who))


def get(system: System, who: str | None, path: str) -> Any:
    return system.client.get(f"/api/{path}", headers=principal_header(who) if who else {})


def called(system: System, clerk: str, unit: str, name: str) -> dict[str, Any]:
    ticket = join(system, unit, name, category="partes") if unit == QUICK else join(system, unit, name)
    wait_status(system, ticket, "waiting")
    answer = post(system, clerk, f"clerk/units/{unit}/call", {"ticketId": ticket["ticketId"]})
    assert answer.status_code == 200, answer.text
    return ticket


def test_no_show_waits_for_the_unit_time_or_a_confirmation(system: System, clock: FakeClock) -> None:
    clock.set(START)
    first = called(system, ANA, QUICK, "Primeira Pessoa")
    path = f"clerk/units/{QUICK}/tickets/{first['ticketId']}/no-show"

    # The queue view gives the server's time and when "Ausente" is allowed without confirmation.
    view = queue_of(system, ANA, QUICK)
    mine = next(c for c in view["called"] if c["ticketId"] == first["ticketId"])
    assert datetime.fromisoformat(view["now"]) == START
    assert datetime.fromisoformat(mine["noShowAt"]) == datetime.fromisoformat(mine["calledAt"]) + timedelta(
        seconds=30
    )

    clock.advance(10)
    early = post(system, ANA, path)
    assert early.status_code == 409, early.text
    problem = early.json()
    assert problem["type"].endswith("/ausencia-antes-do-prazo")
    assert "há 10 s" in problem["detail"] and "30 s" in problem["detail"]
    assert next(c for c in queue_of(system, ANA, QUICK)["called"] if c["ticketId"] == first["ticketId"])

    confirmed = post(system, ANA, path, {"confirm": True})
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json() == {"status": "no_show"}

    # After the unit's time, no confirmation is needed (the clock stays inside the minute: no timer).
    second = called(system, ANA, QUICK, "Segunda Pessoa")
    clock.advance(31)
    late = post(system, ANA, f"clerk/units/{QUICK}/tickets/{second['ticketId']}/no-show")
    assert late.status_code == 200, late.text

    # Today's no-shows, latest first; "Devolver à fila" puts one back in the line.
    no_shows = queue_of(system, ANA, QUICK)["noShows"]
    assert [n["ticketId"] for n in no_shows] == [second["ticketId"], first["ticketId"]]
    assert [n["name"] for n in no_shows] == ["Segunda Pessoa", "Primeira Pessoa"]
    assert all(n["noShowAt"] and n["displayNumber"] for n in no_shows)
    back = post(system, ANA, f"clerk/units/{QUICK}/tickets/{first['ticketId']}/requeue")
    assert back.status_code == 200, back.text
    view = queue_of(system, ANA, QUICK)
    assert [n["ticketId"] for n in view["noShows"]] == [second["ticketId"]]
    assert first["ticketId"] in [w["ticketId"] for w in view["waiting"]]


def test_the_local_room_says_when_the_citizen_is_in(system: System, clock: FakeClock) -> None:
    ticket = called(system, CARLA, LOCAL, "Pessoa Na Sala")
    room = f"clerk/units/{LOCAL}/rooms/{ticket['ticketId']}"
    status = get(system, CARLA, room).json()
    assert status == {
        "known": True,
        "citizenInRoom": False,
        "participants": None,
        "provider": "local",
        "text": "A pessoa ainda não entrou na sala.",
    }
    report = f"/api/tickets/{ticket['ticketId']}/room"
    assert system.client.post(report, headers={"Authorization": "Bearer outro-token"}).status_code == 401
    assert system.client.post(report).status_code == 401
    inside = system.client.post(report, headers={"Authorization": f"Bearer {ticket['token']}"})
    assert inside.status_code == 204, inside.text
    assert get(system, CARLA, room).json()["citizenInRoom"] is True
    clock.advance(31)  # no report for longer than the room's 30 s: not in the room any more
    assert get(system, CARLA, room).json()["citizenInRoom"] is False
    # Only this unit's clerks ask; only attendances have a room.
    assert get(system, ANA, room).status_code == 403
    waiting = join(system, LOCAL, "Ainda Na Fila")
    wait_status(system, waiting, "waiting")
    assert get(system, CARLA, f"clerk/units/{LOCAL}/rooms/{waiting['ticketId']}").status_code == 409


def test_jitsi_counts_people_and_teams_cannot_tell(system: System, jitsi: FakeJitsi) -> None:
    ticket = called(system, DIEGO, JITSI, "Pessoa No Jitsi")
    stored = system.wait(
        lambda: (
            (q := queue_of(system, DIEGO, JITSI))
            and next(c for c in q["called"] if c["ticketId"] == ticket["ticketId"])["meeting"]["status"]
            == "ready"
            and q
        )
    )
    meeting = next(c for c in stored["called"] if c["ticketId"] == ticket["ticketId"])["meeting"]
    room_name = meeting["joinUrl"].rsplit("/", 1)[1].split("?")[0]
    room = f"clerk/units/{JITSI}/rooms/{ticket['ticketId']}"
    assert get(system, DIEGO, room).json()["participants"] == 0  # nobody opened the room yet
    jitsi.people[room_name] = 2
    status = get(system, DIEGO, room).json()
    assert (status["known"], status["participants"], status["provider"]) == (True, 2, "jitsi")
    assert jitsi.queries[-1] == {"room": room_name, "domain": "meet.tjac.test"}

    other = called(system, ELISA, TEAMS, "Pessoa No Teams")
    status = get(system, ELISA, f"clerk/units/{TEAMS}/rooms/{other['ticketId']}").json()
    assert (status["known"], status["citizenInRoom"], status["participants"]) == (False, None, None)
    assert "Teams não informa" in status["text"]


def test_favourites_are_kept_per_person(system: System) -> None:
    assert get(system, None, "clerk/favorites").status_code == 401
    # This host has no Teams SSO configured: a Teams token is refused, saying so
    # (tests/e2e/test_teams_sso_e2e.py has a host where it is).
    teams = system.client.get("/api/clerk/favorites", headers={"X-Balcao-Authorization": "Bearer a.b.c"})
    assert teams.status_code == 401 and "não está configurada" in teams.json()["detail"]
    assert get(system, ANA, "clerk/favorites").json() == {"units": []}
    added = system.client.put(f"/api/clerk/favorites/{JITSI}", headers=principal_header(ANA))
    assert added.status_code == 200 and added.json() == {"units": [JITSI]}
    again = system.client.put(
        f"/api/clerk/favorites/{QUICK}", headers=principal_header("ANA.SOUZA@trf1.jus.br")
    )
    assert again.json() == {"units": [QUICK, JITSI]}  # the configuration's order; e-mail case ignored
    assert system.client.put(f"/api/clerk/favorites/{QUICK}", headers=principal_header(ANA)).json() == {
        "units": [QUICK, JITSI]
    }
    assert get(system, CARLA, "clerk/favorites").json() == {"units": []}  # Ana's stars are Ana's
    missing = system.client.put("/api/clerk/favorites/nao-existe", headers=principal_header(ANA))
    assert missing.status_code == 404 and missing.headers["content-type"].startswith(
        "application/problem+json"
    )
    removed = system.client.delete(f"/api/clerk/favorites/{JITSI}", headers=principal_header(ANA))
    assert removed.json() == {"units": [QUICK]}
    assert system.client.delete(f"/api/clerk/favorites/{JITSI}", headers=principal_header(ANA)).json() == {
        "units": [QUICK]
    }
    assert (
        system.client.delete("/api/clerk/favorites/nao-existe", headers=principal_header(ANA)).status_code
        == 404
    )
    # Stored in Table Storage, one row per star, no e-mail in the clear.
    tables = TableServiceClient.from_connection_string(system.settings["AzureWebJobsStorage"])
    rows = list(tables.get_table_client("favorites").list_entities())
    assert [r["RowKey"] for r in rows] == [QUICK]
    assert ANA not in json.dumps([dict(r) for r in rows], default=str)


def test_a_units_configuration_is_read_only_for_its_people(system: System, webhook: FakeWebhook) -> None:
    path = f"gestao/units/{QUICK}/configuration"
    for who in (ANA, MANAGER, ADMIN):
        answer = get(system, who, path)
        assert answer.status_code == 200, (who, answer.text)
    data = answer.json()
    assert (data["id"], data["court"]["id"], data["limits"]["noShowSeconds"]) == (QUICK, "trf1", 30)
    assert data["teamsChannel"] is True
    assert "secret-signature" not in answer.text and webhook.url("/01vf") not in answer.text
    assert data["configFile"] == "infra/config/balcao.json"
    assert {"name": "Ana Souza", "email": ANA, "role": "clerk"} in data["staff"]
    assert get(system, DIEGO, path).status_code == 403  # a clerk of another court's unit
    assert get(system, None, path).status_code == 401
    assert get(system, ADMIN, "gestao/units/nao-existe/configuration").status_code == 404
