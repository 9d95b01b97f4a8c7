"""Fault injection on the whole system (dev host + Azurite + fakes of Graph and Teams), issue 10.

- storage stopped mid-run and restarted: polls answer 503 problem+json quickly while it is down, the
  system resumes by itself, and every ticket accepted before the outage is admitted after it;
- Graph answering 429, 500 and timing out: the queue retries, one meeting per attendance;
- the Teams webhook down (minutes in production; seconds here, with timeouts scaled down the same way):
  the queue retries, the card arrives once after it heals, and joins keep flowing meanwhile;
- a handler crashing half-way (after its commit, before its queue work is done): the redelivery ends
  in the same state as one clean run;
- the clock jumping at opening time and over midnight.

Faults injected, tickets checked afterwards and tickets lost are counted and printed at the end. A ticket
is checked by reading it back from Table Storage (its entity and the unit-day's queue state), never from
what the API or the test remembers: it is lost when its entity is missing, names someone else, has a
status the test did not expect, misses its display number or meeting link, or is absent from the line it
should be waiting in (or there twice).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from azure.core.exceptions import ResourceNotFoundError
from azure.data.tables import TableServiceClient

from adapters.meetings_teams import GraphRetries, TeamsMeetingProvider
from adapters.queues import Drain, StorageQueueBus
from adapters.storage import table_service
from adapters.tables import TableQueueStore
from adapters.teams_webhook import Retries, TeamsWebhookNotifier, WebhookTuning
from devhost import queues as devhost_queues
from devhost.clock import FakeClock
from domain.ports import NOTIFY_QUEUE
from functions import bootstrap
from tests.adapters.test_meetings_teams import FixedTokenCredential
from tests.fakes.fake_graph import FakeGraph, ScriptedResponse, odata_error
from tests.fakes.fake_webhook import FakeWebhook
from tests.support.system import CONFIG_FILE, System, running_system

pytestmark = [pytest.mark.e2e, pytest.mark.azurite]

UNIT = "tjac-rbr-1vce"  # one category, Teams in the tests below
CLERK = "diego.rocha@tjac.jus.br"
ORGANIZER = "balcao.1vce@tjac.jus.br"
FIGURES = {"faults injected": 0, "tickets checked": 0, "tickets lost": 0}


@pytest.fixture(scope="module", autouse=True)
def figures() -> Iterator[None]:
    yield
    line = "fault injection: " + ", ".join(f"{k} {v}" for k, v in FIGURES.items())
    print("\n" + line)
    artifacts = Path(__file__).resolve().parents[2] / "test-artifacts"  # read by people, not by tests
    artifacts.mkdir(exist_ok=True)
    (artifacts / "fault-figures.txt").write_text(line + "\n", encoding="utf-8")


def fault(n: int = 1) -> None:
    FIGURES["faults injected"] += n


def lost_in_storage(
    system: System, tickets: list[dict[str, Any]], statuses: set[str], join_urls: dict[str, str] | None = None
) -> list[str]:
    """What is wrong with each ticket as stored: read back from the tickets table and the queue state."""
    table = TableServiceClient.from_connection_string(system.settings["AzureWebJobsStorage"])
    client = table.get_table_client("tickets")
    lost: list[str] = []
    for ticket in tickets:
        tid = ticket["ticketId"]
        unit, day, short = tid.split(".")
        try:
            entity = client.get_entity(f"{unit}.{day}", f"t.{short}")
        except ResourceNotFoundError:
            lost.append(f"{tid}: not in storage")
            continue
        state, _ = store_of(system).load(unit, day)
        in_line = [e.short for e in state.line].count(short)
        should_be_in_line = 1 if entity.get("status") in ("waiting", "absent") else 0
        problems = [
            f"status {entity.get('status')!r}, expected {sorted(statuses)}"
            if entity.get("status") not in statuses
            else "",
            f"name {entity.get('name')!r}, joined as {ticket['name']!r}"
            if entity.get("name") != ticket["name"]
            else "",
            "no display number" if not entity.get("display") else "",
            f"in the line {in_line} times" if in_line != should_be_in_line else "",
            "called but not in the state's called tickets"
            if entity.get("status") == "called" and short not in state.called
            else "",
        ]
        if join_urls and tid in join_urls and entity.get("joinUrl") != join_urls[tid]:
            problems.append(
                f"meeting link {entity.get('joinUrl')!r}, the citizen was given {join_urls[tid]!r}"
            )
        lost += [f"{tid}: {p}" for p in problems if p]
    return lost


def checked(
    system: System,
    tickets: list[dict[str, Any]],
    statuses: set[str],
    join_urls: dict[str, str] | None = None,
) -> None:
    """Count and check `tickets` from storage: each must be there, with one of `statuses`."""
    lost = lost_in_storage(system, tickets, statuses, join_urls)
    FIGURES["tickets checked"] += len(tickets)
    FIGURES["tickets lost"] += len({line.split(":")[0] for line in lost})
    assert not lost, "tickets lost or damaged in storage:\n" + "\n".join(lost)


def join(system: System, name: str, unit: str = UNIT, **extra: Any) -> httpx.Response:
    body = {"name": name, "role": "parte", "reason": "orientacao", "consent": True, **extra}
    return system.client.post(f"/api/units/{unit}/tickets", json=body)


def joined(system: System, name: str, unit: str = UNIT) -> dict[str, Any]:
    answer = join(system, name, unit)
    assert answer.status_code == 202, answer.text
    ticket: dict[str, Any] = {**answer.json(), "name": name}
    return ticket


def poll(system: System, ticket: dict[str, Any]) -> httpx.Response:
    return system.client.get(
        f"/api/tickets/{ticket['ticketId']}", headers={"Authorization": f"Bearer {ticket['token']}"}
    )


def status(system: System, ticket: dict[str, Any]) -> str:
    answer = poll(system, ticket)
    return str(answer.json().get("status")) if answer.status_code == 200 else f"http {answer.status_code}"


def store_of(system: System) -> TableQueueStore:
    return TableQueueStore(table_service(system.settings))


# --- storage outage ---------------------------------------------------------------------------------


def test_storage_outage_answers_503_and_the_system_resumes_by_itself(monkeypatch: pytest.MonkeyPatch) -> None:
    # A receive of join requests in flight when storage stops can be done by Azurite and its answer lost:
    # those messages come back only when their receive lease ends (10 minutes on the Functions host and
    # the dev host). The lease is shortened here so that "resumes by itself" is seen within the test.
    monkeypatch.setattr(devhost_queues, "RECEIVE_VISIBILITY_TIMEOUT", 20)
    with running_system() as system:
        before = [joined(system, f"Antes {i}") for i in range(6)]
        system.wait(lambda: all(status(system, t) == "waiting" for t in before), timeout=15)
        during = [joined(system, f"Na hora {i}") for i in range(6)]  # accepted, maybe not admitted yet
        system.azurite.stop(remove_data=False)
        fault()
        try:
            answers: list[tuple[float, httpx.Response]] = []
            deadline = time.monotonic() + 15
            while time.monotonic() < deadline:  # the shared state may be served from cache for 1 s
                started = time.monotonic()
                answer = poll(system, before[0])
                answers.append((time.monotonic() - started, answer))
                if answer.status_code == 503:
                    break
            took, down = answers[-1]
            assert down.status_code == 503, down.text
            assert down.headers["content-type"].startswith("application/problem+json")
            assert down.headers["Retry-After"] and "indisponível" in down.json()["title"]
            assert took < 5, f"a poll took {took:.1f} s to fail while storage was down"
            refused = join(system, "Durante a queda")
            assert refused.status_code == 503 and "Traceback" not in refused.text
            print(f"\nstorage down: polls answered 503 in {max(t for t, _ in answers):.2f} s at most")
        finally:
            system.azurite.start()
        system.wait(lambda: poll(system, before[0]).status_code == 200, timeout=30)
        tickets = before + during
        system.wait(lambda: all(status(system, t) == "waiting" for t in tickets), timeout=40)
        day = before[0]["ticketId"].split(".")[1]
        state, _ = store_of(system).load(UNIT, day)
        seqs = sorted(e.seq for e in state.line)
        checked(system, tickets, {"waiting"})
        assert seqs == list(range(1, len(tickets) + 1)), seqs  # each admitted once, gapless
        after = joined(system, "Depois da queda")
        system.wait(lambda: status(system, after) == "waiting", timeout=15)


# --- the clock jumping ----------------------------------------------------------------------------

RIO_BRANCO = "trf1-sjac-02vf"  # 08-12 and 14-18 in Rio Branco (UTC-5)


# Before the Teams section: its module-scoped system stays up until the module ends, and the process's
# bootstrap is shared, so a system started beside it can be built from the other one's settings
# (always open, another Azurite) by one of its threads.
def test_clock_jumps_at_opening_time_and_over_midnight() -> None:
    monday = datetime(2026, 12, 7, 12, 59, 30, tzinfo=UTC)  # 07:59:30 in Rio Branco
    clock = FakeClock(monday)
    with running_system(always_open=False, clock=clock) as system:
        refused = join(system, "Cedo Demais", RIO_BRANCO)
        assert refused.status_code == 409 and refused.headers["content-type"].startswith(
            "application/problem"
        )
        clock.set(monday + timedelta(minutes=1))  # 08:00:30: open
        fault()
        assert system.host.wait_idle(10)
        first = joined(system, "Na Abertura", RIO_BRANCO)
        system.wait(lambda: status(system, first) == "waiting")

        clock.set(datetime(2026, 12, 7, 22, 59, 0, tzinfo=UTC))  # 17:59: a minute before closing
        assert system.host.wait_idle(10)
        last = joined(system, "No Fim do Dia", RIO_BRANCO)
        system.wait(lambda: status(system, last) == "waiting")
        runs = system.host.invocations("queue_upkeep")
        clock.set(datetime(2026, 12, 8, 5, 0, 30, tzinfo=UTC))  # jump over closing and midnight: 00:00:30
        fault()
        assert system.host.wait_for_invocations("queue_upkeep", runs + 1, timeout=10)
        assert system.host.wait_idle(15)
        # yesterday's line is in its closing policy (serve the waiting, with overtime), not forgotten
        assert status(system, last) in ("waiting", "closed")
        runs = system.host.invocations("queue_upkeep")
        clock.set(datetime(2026, 12, 8, 8, 0, 30, tzinfo=UTC))  # 03:00:30: past any overtime
        assert system.host.wait_for_invocations("queue_upkeep", runs + 1, timeout=10)
        assert system.host.wait_idle(15)
        finals = {t["ticketId"]: status(system, t) for t in (first, last)}
        listing = {u["id"]: u for u in system.client.get("/api/units").json()["units"]}
        assert not listing[RIO_BRANCO]["openNow"] and listing[RIO_BRANCO]["peopleWaiting"] == 0
        # every ticket ended (closed with the day, or expired after its page went silent) and still
        # answers its holder: none is left waiting in a day that is over
        assert set(finals.values()) <= {"closed", "expired"}, finals
        checked(system, [first, last], {"closed", "expired"})

        clock.set(datetime(2026, 12, 9, 13, 0, 30, tzinfo=UTC))  # Wednesday 08:00:30 (8 Dec is a holiday)
        fault()
        assert system.host.wait_idle(10)
        fresh = joined(system, "Dia Seguinte", RIO_BRANCO)
        system.wait(lambda: status(system, fresh) == "waiting")
        assert fresh["ticketId"].split(".")[1] == "20261209"
        state, _ = store_of(system).load(RIO_BRANCO, "20261209")
        assert [e.seq for e in state.line] == [1]
        checked(system, [fresh], {"waiting"})


# --- Graph and the Teams webhook ------------------------------------------------------------------


@pytest.fixture(scope="module")
def graph() -> Iterator[FakeGraph]:
    with FakeGraph() as fake:
        yield fake


@pytest.fixture(scope="module")
def webhook() -> Iterator[FakeWebhook]:
    with FakeWebhook() as fake:
        yield fake


@pytest.fixture(scope="module")
def teams(graph: FakeGraph, webhook: FakeWebhook) -> Iterator[System]:
    """The unit on Teams (fake Graph) with its channel's webhook (fake), timeouts scaled down."""
    raw = json.loads(CONFIG_FILE.read_bytes())
    unit = next(u for u in raw["units"] if u["id"] == UNIT)
    unit["meeting"] = {"provider": "teams", "organizer": ORGANIZER}
    graph_with_short_timeouts = lambda s: TeamsMeetingProvider(  # noqa: E731
        credential=FixedTokenCredential(),
        base_url=graph.base_url,
        retries=GraphRetries(max_retries=1, backoff_factor=0.05, request_timeout=0.5, call_timeout=2.0),
    )
    with (
        bootstrap.replaced(
            meetings={"teams": graph_with_short_timeouts},
            notifier=lambda s: TeamsWebhookNotifier(
                tuning=WebhookTuning(retries=Retries(request_timeout=0.3), total_timeout=0.8)
            ),
        ),
        running_system(
            config=json.dumps(raw).encode(), extra_settings={unit["webhookSetting"]: webhook.url()}
        ) as running,
    ):
        yield running


def call_next(system: System) -> dict[str, Any]:
    answer = system.client.post(f"/api/clerk/units/{UNIT}/call", headers=system.clerk(CLERK))
    assert answer.status_code == 200, answer.text
    result: dict[str, Any] = answer.json()
    return result


def finish(system: System, ticket_id: str) -> None:
    answer = system.client.post(
        f"/api/clerk/units/{UNIT}/tickets/{ticket_id}/finish", headers=system.clerk(CLERK)
    )
    assert answer.status_code == 200, answer.text


def join_url(system: System, ticket: dict[str, Any]) -> str | None:
    view = poll(system, ticket).json()
    url = view.get("meeting", {}).get("joinUrl") if isinstance(view.get("meeting"), dict) else None
    return str(url) if url else None


def delivered(text: str) -> Callable[[list[Any]], bool]:
    return lambda received: any(200 <= r.status < 300 and text in json.dumps(r.body) for r in received)


def cards_mentioning(webhook: FakeWebhook, text: str) -> list[Any]:
    return [c for c in webhook.cards() if text in json.dumps(c, ensure_ascii=False)]


def test_graph_429_500_and_timeouts_end_in_one_meeting(teams: System, graph: FakeGraph) -> None:
    ticket = joined(teams, "Graph Instável")
    teams.wait(lambda: status(teams, ticket) == "waiting")
    busy = odata_error("TooManyRequests", "throttled")
    graph.script(
        "POST",
        "createOrGet",
        ScriptedResponse(429, {"Retry-After": "1"}, busy),
        ScriptedResponse(500, body=odata_error("InternalServerError", "boom")),
        ScriptedResponse(500, body=odata_error("InternalServerError", "boom")),
        ScriptedResponse(504, body=odata_error("GatewayTimeout", "slow"), delay=1.5),  # client times out
    )
    fault(4)
    assert call_next(teams)["ticketId"] == ticket["ticketId"]
    url = teams.wait(lambda: join_url(teams, ticket), timeout=30)
    meetings = graph.meetings_for(ticket["ticketId"])
    assert len(meetings) == 1 and meetings[0]["joinWebUrl"] == url
    assert len(graph.requests_to("POST", "createOrGet")) >= 5
    checked(teams, [ticket], {"called"}, {ticket["ticketId"]: url})
    finish(teams, ticket["ticketId"])


def test_the_teams_webhook_down_delays_the_card_and_blocks_nothing(
    teams: System, webhook: FakeWebhook
) -> None:
    ticket = joined(teams, "Webhook Fora")
    teams.wait(lambda: status(teams, ticket) == "waiting")
    webhook.go_down()
    fault()
    try:
        call_next(teams)
        url = teams.wait(lambda: join_url(teams, ticket), timeout=10)  # the link does not wait for Teams
        teams.wait(lambda: any(r.status == 0 for r in webhook.received), timeout=10)
        other = joined(teams, "Entrou Durante a Queda")
        started = time.monotonic()
        teams.wait(lambda: status(teams, other) == "waiting", timeout=10)
        admitted_in = time.monotonic() - started
        time.sleep(2.5)  # the channel stays down across several deliveries of the card
        assert not cards_mentioning(webhook, url)
    finally:
        webhook.heal()
    assert webhook.wait_for(delivered(url), timeout=20)
    assert teams.host.wait_idle(15)
    assert len(cards_mentioning(webhook, url)) == 1
    failed_posts = sum(1 for r in webhook.received if r.status == 0)
    print(f"\nwebhook down: {failed_posts} posts dropped, a join admitted meanwhile in {admitted_in:.2f} s")
    assert admitted_in < 5
    checked(teams, [ticket], {"called"}, {ticket["ticketId"]: url})
    checked(teams, [other], {"waiting"})
    finish(teams, ticket["ticketId"])
    assert call_next(teams)["ticketId"] == other["ticketId"]
    finish(teams, other["ticketId"])


# --- crashes half-way -----------------------------------------------------------------------------


def crash_once(target: Any, name: str, when: Callable[..., bool] = lambda *a, **k: True) -> list[int]:
    """Make `target.name` raise once (after doing nothing), the first time `when(*args)` holds."""
    original = getattr(target, name)
    crashed: list[int] = []
    lock = threading.Lock()

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with lock:
            fire = not crashed and when(*args, **kwargs)
            if fire:
                crashed.append(1)
        if fire:
            raise RuntimeError(f"injected crash in {name}")
        return original(*args, **kwargs)

    setattr(target, name, wrapper)
    return crashed


def test_admission_crashing_after_its_commit_is_redelivered_to_the_same_result(teams: System) -> None:
    assert teams.host.wait_idle(10)
    original = Drain.complete
    crashed = crash_once(Drain, "complete")  # committed, not yet deleted from the queue
    try:
        ticket = joined(teams, "Admissão Interrompida")
        teams.wait(lambda: bool(crashed), timeout=10)
        fault()
        teams.wait(lambda: status(teams, ticket) == "waiting", timeout=10)
        assert teams.host.wait_idle(15)
    finally:
        Drain.complete = original  # type: ignore[method-assign]
    day, short = ticket["ticketId"].split(".")[1:]
    state, _ = store_of(teams).load(UNIT, day)
    tickets = [t for t in store_of(teams).list_tickets(UNIT, day) if t["ticketId"] == ticket["ticketId"]]
    assert len(tickets) == 1 and state.find(short) is not None
    assert sorted(e.seq for e in state.line) == sorted({e.seq for e in state.line})
    checked(teams, [ticket], {"waiting"})
    assert call_next(teams)["ticketId"] == ticket["ticketId"]
    teams.wait(lambda: join_url(teams, ticket), timeout=15)
    finish(teams, ticket["ticketId"])


def test_meeting_crashing_before_the_card_is_queued_sends_one_card(
    teams: System, graph: FakeGraph, webhook: FakeWebhook
) -> None:
    ticket = joined(teams, "Reunião Interrompida")
    teams.wait(lambda: status(teams, ticket) == "waiting")
    original = StorageQueueBus.send
    crashed = crash_once(StorageQueueBus, "send", lambda self, queue, *a, **k: queue == NOTIFY_QUEUE)
    try:
        call_next(teams)
        teams.wait(lambda: bool(crashed), timeout=10)
        fault()
        url = teams.wait(lambda: join_url(teams, ticket), timeout=15)
        assert webhook.wait_for(delivered(url), timeout=20)
        assert teams.host.wait_idle(15)
    finally:
        StorageQueueBus.send = original  # type: ignore[method-assign]
    assert len(graph.meetings_for(ticket["ticketId"])) == 1
    assert len(cards_mentioning(webhook, url)) == 1
    checked(teams, [ticket], {"called"}, {ticket["ticketId"]: url})
    finish(teams, ticket["ticketId"])
