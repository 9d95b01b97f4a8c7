"""Issue 13 over HTTP on the dev host (Azurite, the real timers on a controlled clock, the real Web Push
adapter against a local push service that checks VAPID and decrypts what it receives): choosing how to
be told, bad contacts refused with nothing stored, presence of reachable and unreachable citizens,
"Estou aqui" near the front, a called citizen put back once then no-show, a gone subscription."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from adapters.notice_push import WebPushChannel, new_vapid_keys
from adapters.storage import table_service
from devhost.clock import FakeClock
from domain.ports import CitizenChannel
from functions import bootstrap
from functions.settings import Settings
from tests.e2e.test_timers_e2e import line_entry, upkeep_at
from tests.fakes.fake_push import FakePush
from tests.support.system import System, principal_header, running_system

UNIT = "trf1-sjac-02vf"  # 08-12 and 14-18 in Rio Branco (UTC-5), local meetings (links made at once)
DAY = "20261209"
START = datetime(2026, 12, 9, 13, 0, 30, tzinfo=UTC)  # Wednesday 08:00:30 in Rio Branco
CLERK = "ana.souza@trf1.jus.br"
PUBLIC, PRIVATE = new_vapid_keys()


@pytest.fixture(scope="module")
def push() -> Iterator[FakePush]:
    with FakePush() as service:
        yield service


@pytest.fixture(scope="module")
def system(push: FakePush, clock: FakeClock) -> Iterator[System]:
    def push_channels(s: Settings) -> dict[str, CitizenChannel]:  # the real adapter, trusting the fake
        return {
            "push": WebPushChannel(
                s.secret("PUSH_VAPID_PRIVATE_KEY"), "mailto:ti@trf1.jus.br", session=push.session()
            )
        }

    settings = {
        "PUSH_VAPID_PUBLIC_KEY": PUBLIC,
        "PUSH_VAPID_PRIVATE_KEY": PRIVATE,
        "PUSH_ENDPOINT_HOSTS": "127.0.0.1",  # the local push service's host
    }
    with (
        bootstrap.replaced(channels=(push_channels,)),
        running_system(always_open=False, clock=clock, extra_settings=settings) as running,
    ):
        yield running


def join(system: System, name: str, notices: list[dict[str, Any]] | None = None) -> Any:
    body: dict[str, Any] = {"name": name, "role": "parte", "reason": "orientacao", "consent": True}
    if notices is not None:
        body["notices"] = notices
    return system.client.post(f"/api/units/{UNIT}/tickets", json=body)


def bearer(ticket: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {ticket['token']}"}


def poll(system: System, ticket: dict[str, Any]) -> dict[str, Any]:
    answer: dict[str, Any] = system.client.get(
        f"/api/tickets/{ticket['ticketId']}", headers=bearer(ticket)
    ).json()
    return answer


def waiting(system: System, name: str, notices: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    answer = join(system, name, notices)
    assert answer.status_code == 202, answer.text
    ticket: dict[str, Any] = answer.json()
    system.wait(lambda: poll(system, ticket)["status"] == "waiting")
    return ticket


def entry(system: System, ticket: dict[str, Any]) -> Any:
    return line_entry(system, UNIT, DAY, ticket)


def pushes(push: FakePush, subscription: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    mine = subscription["endpoint"].rpartition("/")[2]
    return [
        r.payload or {}
        for r in push.received
        if r.subscriber == mine and (r.payload or {}).get("kind") == kind
    ]


def contact_rows(system: System) -> list[dict[str, Any]]:
    table = table_service(system.settings).get_table_client("tickets")
    query = "PartitionKey eq @pk and RowKey ge 'c.' and RowKey lt 'c/'"
    return list(table.query_entities(query, parameters={"pk": f"{UNIT}.{DAY}"}))


def test_the_unit_offers_push_with_its_key_and_bad_contacts_store_nothing(
    system: System, push: FakePush
) -> None:
    unit = system.client.get(f"/api/units/{UNIT}").json()
    assert unit["noticeChannels"] == ["push"] and unit["pushPublicKey"] == PUBLIC  # ACS not set up here
    bad_sub = {**push.subscribe(), "endpoint": "http://localhost/push/x"}
    refused = join(system, "Maria Errada", [{"channel": "push", "subscription": bad_sub}])
    assert refused.status_code == 400 and refused.headers["content-type"].startswith(
        "application/problem+json"
    )
    assert "https" in refused.json()["errors"]["notices[0].subscription"]
    sms = join(system, "Maria Errada", [{"channel": "sms", "phone": "+5568999123456"}])
    assert sms.status_code == 400 and "notices[0].channel" in sms.json()["errors"]  # not offered here
    assert contact_rows(system) == []
    ticket = waiting(system, "Joana Sem Aviso")
    put = system.client.put(
        f"/api/tickets/{ticket['ticketId']}/notices",
        json={
            "notices": [
                {"channel": "push", "subscription": {**bad_sub, "keys": {"p256dh": "x", "auth": "y"}}}
            ]
        },
        headers=bearer(ticket),
    )
    assert put.status_code == 400 and "notices[0].subscription" in put.json()["errors"]
    assert contact_rows(system) == [] and poll(system, ticket)["noticeChannels"] == []
    anyone = system.client.put(f"/api/tickets/{ticket['ticketId']}/notices", json={"notices": []})
    assert anyone.status_code == 401
    system.client.delete(f"/api/tickets/{ticket['ticketId']}", headers=bearer(ticket))


def test_reachable_never_ages_out_unreachable_does_and_near_the_front_confirms(
    system: System, push: FakePush, clock: FakeClock
) -> None:
    joined_at = datetime(2026, 12, 9, 13, 30, 0, tzinfo=UTC)  # 08:30 in Rio Branco
    clock.set(joined_at)
    subscription = push.subscribe()
    reachable = waiting(system, "Rita Avisada", [{"channel": "push", "subscription": subscription}])
    silent = waiting(system, "Saulo Calado")
    system.wait(lambda: pushes(push, subscription, "joined") and pushes(push, subscription, "near_front"))
    joined = pushes(push, subscription, "joined")[0]
    assert joined["url"].endswith(f"#u={UNIT}&t={reachable['ticketId']}.{reachable['token']}")
    assert joined["ticket"] == reachable["ticketId"] and all(r.vapid_ok for r in push.received)
    view = poll(system, reachable)
    assert view["reachable"] and view["noticeChannels"] == ["push"] and view["nearFront"]
    assert system.host.wait_idle(10)
    for minute in (4, 8, 12, 15):  # 15 simulated minutes without a poll from either page
        upkeep_at(system, clock, joined_at + timedelta(minutes=minute))
    assert not entry(system, reachable).absent_since_ms
    assert entry(system, silent).absent_since_ms  # absent after 5 minutes (the place kept for 10 more)
    here = system.client.post(
        f"/api/tickets/{reachable['ticketId']}/here", json={}, headers=bearer(reachable)
    )
    assert here.status_code == 204
    assert system.client.post(f"/api/tickets/{reachable['ticketId']}/here", json={}).status_code == 401
    assert poll(system, reachable)["hereConfirmed"] is True
    queue = system.client.get(f"/api/clerk/units/{UNIT}/queue", headers=principal_header(CLERK)).json()
    shown = next(c for c in queue["waiting"] if c["ticketId"] == reachable["ticketId"])
    assert shown["hereConfirmed"] is True and shown["noticeChannels"] == ["push"]
    assert shown["noticed"] == "avisado por notificação no celular às 08:30"  # Rio Branco time
    for ticket in (reachable, silent):
        system.client.delete(f"/api/tickets/{ticket['ticketId']}", headers=bearer(ticket))


def test_a_called_citizen_is_put_back_once_then_marked_no_show(
    system: System, push: FakePush, clock: FakeClock
) -> None:
    start = datetime(2026, 12, 9, 15, 0, 0, tzinfo=UTC)  # 10:00 in Rio Branco
    clock.set(start)
    subscription = push.subscribe()
    late = waiting(system, "Lia Atrasada", [{"channel": "push", "subscription": subscription}])
    answer = system.client.post(f"/api/clerk/units/{UNIT}/call", json={}, headers=principal_header(CLERK))
    assert answer.status_code == 200 and answer.json()["ticketId"] == late["ticketId"]
    system.wait(lambda: pushes(push, subscription, "called"))
    called = pushes(push, subscription, "called")[0]
    assert called["actions"][0] == {"action": "open", "title": "Entrar no atendimento"}
    no_show_s = 300
    upkeep_at(system, clock, start + timedelta(seconds=no_show_s + 60))
    assert poll(system, late)["status"] == "waiting"  # put back (alone in line: at the head)
    system.wait(lambda: pushes(push, subscription, "put_back"))
    again = system.client.post(f"/api/clerk/units/{UNIT}/call", json={}, headers=principal_header(CLERK))
    assert again.json()["ticketId"] == late["ticketId"]
    upkeep_at(system, clock, start + timedelta(seconds=2 * no_show_s + 180))
    assert poll(system, late)["status"] == "no_show"


def test_a_subscription_that_is_gone_is_dropped_and_the_page_is_told(
    system: System, push: FakePush, clock: FakeClock
) -> None:
    clock.set(datetime(2026, 12, 9, 16, 0, 0, tzinfo=UTC))
    push.answer_always(410)
    try:
        subscription = push.subscribe()
        ticket = waiting(system, "Tiago Sumido", [{"channel": "push", "subscription": subscription}])
        system.wait(lambda: poll(system, ticket)["channelLost"] == "push")
        view = poll(system, ticket)
        assert view["noticeChannels"] == [] and view["reachable"] is False
    finally:
        push.answer_always(0)
