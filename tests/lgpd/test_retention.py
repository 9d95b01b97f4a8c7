"""LGPD (issue 10): personal data kept only for the retention period, purged by the daily timer while
the metric rollups stay; the holder erases their own ticket's data with the token; logs carry no
personal data.

One system on a controlled clock: a day of attendances with everything a citizen or clerk can type,
then the clock moves 29 days (nothing purged) and 31 days (purged) at the timer's hour.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from azure.data.tables import TableServiceClient

from devhost.clock import FakeClock
from domain.retention import PERSONAL_FIELDS, REMOVED_REASON, cutoff_day, scrub_fields, scrub_reason
from tests.support.storage_dump import dump_account, where_found
from tests.support.system import System, running_system

pytestmark = [pytest.mark.e2e, pytest.mark.azurite]

UNIT = "tjac-rbr-1vce"
CLERK = "diego.rocha@tjac.jus.br"
DAY = datetime(2026, 3, 3, 14, 0, tzinfo=UTC)  # Tuesday, 09:00 in Rio Branco
NAME = "Genoveva Personaldata Quintanilha"
OAB = "98765"
PROCESS = "0001234-96.2025.4.01.3000"
COMMENT = "Comentário com dado sensível: meu telefone é 68 99999-1234"
CLERK_REASON = "Cidadã Genoveva pediu para voltar depois"
SECRETS = (NAME, "Genoveva", "Quintanilha", OAB, PROCESS, "99999-1234", "Cidadã Genoveva")


# --- the rules -------------------------------------------------------------------------------------


def test_what_is_purged_and_what_stays() -> None:
    ticket = {"name": "A", "oabNumber": "1", "processNumber": "", "status": "done", "seq": 3, "person": "h"}
    assert scrub_fields(ticket) == {"name": "", "oabNumber": "", "person": ""}
    assert {"name", "oabNumber", "processNumber", "comment", "contact", "text"} <= PERSONAL_FIELDS
    assert scrub_reason("call", "ana@x", "prioridade legal") == "prioridade legal"
    assert scrub_reason("call", "ana@x", "servidor: pediu") == f"servidor: {REMOVED_REASON}"
    assert scrub_reason("requeue", "ana@x", "voltará depois") == REMOVED_REASON
    assert scrub_reason("close", "system", "encerramento (close_queue)") == "encerramento (close_queue)"
    assert cutoff_day(datetime(2026, 4, 2, 6, 30, tzinfo=UTC), 30) == "20260303"


# --- the whole flow -----------------------------------------------------------------------------------


class Captured(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.texts: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage()
        if record.exc_info:
            text += logging.Formatter().formatException(record.exc_info)
        self.texts.append(f"{record.name}: {text}")


@pytest.fixture(scope="module")
def clock() -> FakeClock:
    return FakeClock(DAY)


@pytest.fixture(scope="module")
def logs() -> Iterator[Captured]:
    handler = Captured()
    root = logging.getLogger()
    previous = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield handler
    root.removeHandler(handler)
    root.setLevel(previous)


@pytest.fixture(scope="module")
def system(clock: FakeClock, logs: Captured) -> Iterator[System]:
    with running_system(clock=clock) as running:
        yield running


def tables(system: System) -> TableServiceClient:
    return TableServiceClient.from_connection_string(system.settings["AzureWebJobsStorage"])


def entities(system: System, table: str, pk: str | None = None) -> list[dict[str, Any]]:
    client = tables(system).get_table_client(table)
    found = (
        client.query_entities("PartitionKey eq @pk", parameters={"pk": pk}) if pk else client.list_entities()
    )
    return [dict(e) for e in found]


def join(system: System, name: str, **extra: Any) -> dict[str, Any]:
    body = {"name": name, "role": "parte", "reason": "orientacao", "consent": True, **extra}
    answer = system.client.post(f"/api/units/{UNIT}/tickets", json=body)
    assert answer.status_code == 202, answer.text
    ticket: dict[str, Any] = answer.json()
    system.wait(lambda: view(system, ticket).get("status") == "waiting")
    return ticket


def view(system: System, ticket: dict[str, Any]) -> dict[str, Any]:
    r = system.client.get(f"/api/tickets/{ticket['ticketId']}", headers=auth(ticket))
    result: dict[str, Any] = r.json()
    return result


def auth(ticket: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {ticket['token']}"}


def clerk_post(system: System, path: str, body: dict[str, Any] | None = None) -> Any:
    answer = system.client.post(
        f"/api/clerk/units/{UNIT}/{path}", json=body or {}, headers=system.clerk(CLERK)
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


@pytest.fixture(scope="module")
def day_of_work(system: System, clock: FakeClock) -> dict[str, Any]:
    """A day with everything personal: names, OAB, process number, a survey comment, a clerk's reason."""
    lawyer = join(system, NAME, role="advogado", oabNumber=OAB, oabState="AC", processNumber=PROCESS)
    other = join(system, "Outra Pessoa Qualquer")
    clerk_post(system, "call")  # the lawyer
    clerk_post(system, f"tickets/{lawyer['ticketId']}/requeue", {"reason": CLERK_REASON})
    clerk_post(system, "call", {"ticketId": other["ticketId"], "reason": "Outra Pessoa pediu prioridade"})
    clerk_post(system, f"tickets/{other['ticketId']}/finish")
    clerk_post(system, "call")
    clerk_post(system, f"tickets/{lawyer['ticketId']}/start")
    clock.advance(timedelta(minutes=3))
    clerk_post(system, f"tickets/{lawyer['ticketId']}/finish")
    survey = system.client.post(
        f"/api/tickets/{lawyer['ticketId']}/survey",
        json={"score": 4, "comment": COMMENT},
        headers=auth(lawyer),
    )
    assert survey.status_code == 201, survey.text
    clock.advance(timedelta(minutes=2))  # the metric timer rolls the events up
    assert system.host.wait_idle(15)
    return {"lawyer": lawyer, "other": other, "pk": f"{UNIT}.{DAY:%Y%m%d}"}


def personal(entity: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in entity.items() if k in PERSONAL_FIELDS and v}


def rollups(system: System) -> list[dict[str, Any]]:
    """The metric rollups of the day of work (later days get rollups of their own as the clock moves)."""
    day = f"{DAY:%Y%m%d}"
    return sorted(
        (e for e in entities(system, "metrics") if str(e.get("day", "")) == day),
        key=lambda e: (e["PartitionKey"], e["RowKey"]),
    )


def test_the_holder_erases_their_own_data(system: System) -> None:
    ticket = join(system, "Apagar Meus Dados")
    someone_else = join(system, "Outro Cidadão")
    refused = system.client.delete(f"/api/tickets/{ticket['ticketId']}/data", headers=auth(someone_else))
    assert refused.status_code == 401 and refused.headers["content-type"].startswith("application/problem")
    gone = system.client.delete(f"/api/tickets/{ticket['ticketId']}/data", headers=auth(ticket))
    assert gone.status_code == 204
    assert view(system, ticket)["status"] == "left"  # left the line first
    again = system.client.delete(f"/api/tickets/{ticket['ticketId']}/data", headers=auth(ticket))
    assert again.status_code == 204  # idempotent
    pk = ticket["ticketId"].rsplit(".", 1)[0]
    stored = next(
        e
        for e in entities(system, "tickets", pk)
        if e.get("ticketId") == ticket["ticketId"] and e["RowKey"].startswith("t.")
    )
    assert stored["dataErasedAt"]
    found = where_found(dump_account(system.settings["AzureWebJobsStorage"]), ["Apagar Meus Dados"])
    assert not found, f"the erased name is still stored: {found}"  # anywhere, not just in known fields
    # being served: finish first
    clerk_post(system, "call", {"ticketId": someone_else["ticketId"], "reason": "teste"})
    clerk_post(system, f"tickets/{someone_else['ticketId']}/start")
    busy = system.client.delete(f"/api/tickets/{someone_else['ticketId']}/data", headers=auth(someone_else))
    assert busy.status_code == 409
    clerk_post(system, f"tickets/{someone_else['ticketId']}/finish")


def test_personal_data_is_purged_after_the_retention_period_and_rollups_stay(
    system: System, clock: FakeClock, day_of_work: dict[str, Any]
) -> None:
    pk = day_of_work["pk"]
    before = entities(system, "tickets", pk)
    assert any(personal(e) for e in before)
    assert any(e["RowKey"].startswith("h.") for e in before)  # presence heartbeats name clerks
    metrics_before = rollups(system)
    assert metrics_before

    runs = system.host.invocations("purge_personal_data")
    clock.set(datetime(2026, 4, 1, 6, 30, 0, tzinfo=UTC))  # 29 days later, at the timer's hour
    assert system.host.wait_for_invocations("purge_personal_data", runs + 1, timeout=15)
    assert system.host.wait_idle(15)
    assert [personal(e) for e in entities(system, "tickets", pk)] == [personal(e) for e in before]

    clock.set(datetime(2026, 4, 3, 6, 30, 0, tzinfo=UTC))  # 31 days later
    assert system.host.wait_for_invocations("purge_personal_data", runs + 2, timeout=15)
    assert system.host.wait_idle(15)
    after = entities(system, "tickets", pk)
    assert not [e["RowKey"] for e in after if personal(e)]
    assert not [e for e in after if e["RowKey"].startswith("h.")]
    text = json.dumps(after, default=str, ensure_ascii=False)
    for secret in (*SECRETS, COMMENT, "Outra Pessoa"):
        assert secret not in text, secret
    survey = next(e for e in after if e["RowKey"].startswith("s."))
    assert survey["score"] == 4 and survey["comment"] == ""
    tickets = [e for e in after if e["RowKey"].startswith("t.")]
    assert {t["status"] for t in tickets} <= {"done", "left"} and all(t["display"] for t in tickets)
    state = next(e for e in after if e["RowKey"] == "state")
    assert state["purgedAt"]
    reasons = [e["reason"] for e in after if e["RowKey"].startswith("e.") and e.get("reason")]
    assert f"servidor: {REMOVED_REASON}" in reasons and REMOVED_REASON in reasons
    assert rollups(system) == metrics_before, "the metric rollups must stay as they were"
    audit = system.client.get(
        "/api/gestao/audit",
        params={"unit": UNIT, "day": f"{DAY:%Y%m%d}"},
        headers=system.clerk("gestao@balcao.jus.br"),
    )
    assert audit.status_code == 200 and len(audit.json()["entries"]) >= 8  # the trail of actions stays
    purged = sum(1 for e in before if personal(e))
    print(f"\nretention: {purged} entities with personal data purged after 31 days")


def test_logs_carry_no_personal_data(day_of_work: dict[str, Any], logs: Captured) -> None:
    assert len(logs.texts) > 20  # the flow did log (requests, admissions, timers)
    # Each secret as a whole (no digit right before or after): a 5-digit OAB number also turns up, by chance,
    # inside the ETags and timestamps the Azure SDK logs ('2026-12-01T15:22:24.4632371Z').
    found = [re.compile(rf"(?<!\d){re.escape(s)}(?!\d)") for s in (*SECRETS, COMMENT)]
    leaks = [t for t in logs.texts for secret in found if secret.search(t)]
    print(f"\nlog records scanned: {len(logs.texts)}, with personal data: {len(leaks)}")
    assert not leaks, leaks[:5]
