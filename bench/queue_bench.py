"""Queue engine benchmark: storage transactions per operation, poll cost and latency, join bursts.

Everything runs in one process: a private Azurite, the dev host serving `function_app` over HTTP on
loopback, and HTTP clients. Storage transactions are counted by `adapters.storage.METER`, which sees
every request the app's storage clients send (retries included). The dev host's own queue polling
(the Functions runtime's work, not the app's) is not counted.

Everything measured goes through the HTTP functions as a citizen or a clerk would (`Bench.join`,
`call_next`, `finish`, the polls), and a join answered 503 (storage out of reach; the answer says
`Retry-After`) is sent again after it, as the citizen presses "Entrar na fila" again when the page
says "Tente novamente em instantes"; how many were is printed. The bulk fills that put 1,000 and 5,000
people in line before a measurement (`Bench.fill`) are setup, not measured: they call the join use case
the HTTP function calls (`joining.accept_join`, the same queue message, admitted by the real queue
function) without the HTTP layer's limits. Those limits exist to slow a flood, and a fill to 5,000 is
one: through HTTP, the unit's join bucket (a third of the cap a minute) and past 80 % of the cap a proof
of work on every join (issue 16; ~0.5 s of CPU each, ~1,000 of them) made the fill take 6 minutes or
more of a 2-core machine. The state measured is the same: the same tickets, admitted the same way.
"""

from __future__ import annotations

import itertools
import json
import statistics
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any

import httpx

from adapters.storage import METER, table_service, unavailable
from adapters.tables import TableQueueStore
from bench.proof import solve
from bench.targets import FLAT_TOLERANCE, Record
from domain.usecases import joining
from functions import bootstrap
from functions.bodies import JoinBody
from tests.support.system import CONFIG_FILE, System, api_client, principal_header, running_system

UNIT = "tjac-rbr-1vce"  # one category, default policy
CLERK = "diego.rocha@tjac.jus.br"
Report = Callable[[str], None]


def _config(max_waiting: int) -> bytes:
    """The demo configuration with room for `max_waiting`. The citizens who fill the line do not poll:
    an hour before they count as absent keeps the upkeep timer from rewriting the state for them during
    the run (real citizens poll, or have a channel), which would make calls retry on its ETag."""
    raw = json.loads(CONFIG_FILE.read_bytes())
    for unit in raw["units"]:
        unit["limits"] = {**unit.get("limits", {}), "maxWaiting": max_waiting, "absentAfterSeconds": 3600}
    return json.dumps(raw).encode()


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


class Bench:
    def __init__(self, system: System) -> None:
        self.system = system
        self.store = TableQueueStore(table_service(system.settings))
        self.client = api_client(
            system.base_url,
            timeout=30,
            limits=httpx.Limits(max_connections=64, max_keepalive_connections=64),
        )
        self.counter = itertools.count(1)
        self.clerk = principal_header(CLERK)
        self.resent = 0  # joins answered 503 and sent again (`join`)
        self._lock = threading.Lock()

    def join(self, n: int, threads: int = 16) -> list[dict[str, Any]]:
        """`n` joins over HTTP, as the page sends them. Near the unit's cap (80 %) every join is asked
        for a proof of work (428) and sends again with one, as the page does: the joins measured at
        5,000 waiting count the proof's spend-once write. A 503 is sent again after its Retry-After
        (module docstring), counted in `resent`."""

        def one(_: int) -> dict[str, Any]:
            body = self._person()
            r = self.client.post(f"/api/units/{UNIT}/tickets", json=body)
            for _ in range(10):
                if r.status_code not in (428, 503):
                    break
                headers = {}
                if r.status_code == 428:  # near the cap: the page solves the unit's proof of work
                    headers["X-Balcao-Proof"] = solve(self.client.get(r.json()["challenge"]).json())[0]
                else:
                    with self._lock:
                        self.resent += 1
                    time.sleep(min(5.0, float(r.headers.get("Retry-After", "1"))))
                r = self.client.post(f"/api/units/{UNIT}/tickets", json=body, headers=headers)
            assert r.status_code == 202, r.text
            accepted: dict[str, Any] = r.json()
            accepted["acceptedAt"] = time.time()
            return accepted

        with ThreadPoolExecutor(threads) as pool:
            return list(pool.map(one, range(n)))

    def fill(self, n: int, threads: int = 8) -> None:
        """Put `n` more people in line, not measured (module docstring): the join use case of the HTTP
        function, then the admission of the queue function, awaited."""
        app = bootstrap.get()

        def one(_: int) -> None:
            person = JoinBody.model_validate(self._person()).to_input()
            for tries in range(1, 4):
                try:
                    joining.accept_join(app.context, UNIT, person, app.now())
                    return
                except Exception as exc:  # storage out of reach a moment: once more, as the page would
                    if tries == 3 or not unavailable(exc):
                        raise
                    time.sleep(1.0)

        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(one, range(n)))
        self.settle()

    def _person(self) -> dict[str, Any]:
        i = next(self.counter)
        return {"name": f"Pessoa de Teste {i}", "role": "parte", "reason": "orientacao", "consent": True}

    def settle(self) -> None:
        time.sleep(0.3)
        assert self.system.host.wait_idle(120)

    def waiting(self) -> int:
        listing = self.client.get(f"/api/units/{UNIT}").json()
        return int(listing["peopleWaiting"])

    def measure(self, action: Callable[[], Any], repeat: int) -> float:
        self.settle()
        METER.reset()
        for _ in range(repeat):
            action()
        return METER.total() / repeat

    def call_next(self) -> str:
        r = self.client.post(f"/api/clerk/units/{UNIT}/call", headers=self.clerk)
        assert r.status_code == 200, r.text
        return str(r.json()["ticketId"])

    def finish(self, ticket_id: str) -> None:
        r = self.client.post(f"/api/clerk/units/{UNIT}/tickets/{ticket_id}/finish", headers=self.clerk)
        assert r.status_code == 200, r.text

    def counted(self, function: str, action: Callable[[], Any]) -> tuple[int, Any]:
        """The transactions `function` made while `action` ran, after the host went idle."""
        self.settle()
        before = METER.by_operation().get(function, 0)
        result = action()
        return METER.by_operation().get(function, 0) - before, result


def run(report: Report, record: Record) -> None:
    report("")
    report("== Queue engine (Azurite + dev host, one unit) ==")
    resent = 0
    with running_system(config=_config(5000)) as system:
        bench = Bench(system)
        _poll_cost(bench, report, record)
        _poll_latency(bench, report)
        _shared_limits_cost(bench, report)  # before the table fills the line to its cap (5,000)
        _transactions_per_operation(bench, report, record)
        resent += bench.resent
    with running_system(config=_config(5000)) as system:
        bench = Bench(system)
        _join_burst(bench, report, record)
        resent += bench.resent
    report(f"joins answered 503 and sent again after its Retry-After, as a citizen would: {resent}")


def _per(function: str, count: int) -> float:
    return METER.by_operation().get(function, 0) / count


def _transactions_per_operation(bench: Bench, report: Report, record: Record) -> None:
    report("storage transactions per operation, attributed to the function that made them:")
    bench.join(1)
    first_call, ticket_id = bench.counted("clerk_call", bench.call_next)
    first_finish, _ = bench.counted("clerk_ticket_action", lambda: bench.finish(ticket_id))
    report(
        f"  first call next of this process: {first_call} (it also creates the client of the queue it"
        f" sends to, once per instance), first finish: {first_finish}; the table counts the calls after"
        " them, each measured alone (the previous call's meeting and card handled first)"
    )
    report(
        f"  {'waiting':>8} {'join':>6} {'admit/ticket':>13} {'poll':>6} {'call next':>10} {'finish':>7}"
        f" {'meeting+card':>13}"
    )
    have = bench.waiting()
    call_at: dict[int, float] = {}
    for target in (max(10, have + 20), 1000, 5000):
        bench.fill(target - have - 20)  # not measured
        METER.reset()
        tickets = bench.join(20, threads=4)
        bench.settle()
        join, admit = _per("join_queue", 20), _per("admit_join_requests", 20)
        have = target
        auth = {"Authorization": f"Bearer {tickets[-1]['token']}"}
        bench.settle()
        METER.reset()
        for _ in range(50):
            r = bench.client.get(f"/api/tickets/{tickets[-1]['ticketId']}", headers=auth)
            assert r.json()["status"] == "waiting", r.text
        poll = _per("get_ticket", 50)
        METER.reset()
        counts, called = zip(*(bench.counted("clerk_call", bench.call_next) for _ in range(10)), strict=True)
        bench.settle()
        call = call_at[target] = sum(counts) / len(counts)
        meeting = _per("create_meeting", 10) + _per("notify_clerks", 10)
        METER.reset()
        for ticket_id in called:
            bench.finish(ticket_id)
        finish = _per("clerk_ticket_action", 10)
        have -= 10
        report(
            f"  {target:>8} {join:>6.2f} {admit:>13.2f} {poll:>6.3f} {call:>10.2f} {finish:>7.2f}"
            f" {meeting:>13.2f}" + ("" if len(set(counts)) == 1 else f"   (calls: {list(counts)})")
        )
        record(f"poll tx at {target} waiting", poll)
        record(f"call next tx at {target} waiting", call)
    shortest, longest = min(call_at), max(call_at)
    record("call next growth", call_at[longest] - call_at[shortest])
    report(
        f"  targets: call next <= 3, and flat: at {longest} waiting at most {FLAT_TOLERANCE:g} above"
        f" {shortest} waiting ({call_at[longest] - call_at[shortest]:+.2f}); a poll <= 0.1"
    )


def _shared_limits_cost(bench: Bench, report: Report) -> None:
    """What the limits that hold across instances add to a join (functions/limits.py): the same 20
    joins from loopback (no client address: the unit's leased bucket only) and from 20 addresses
    (the client's bucket and its tickets too)."""

    def joins(addresses: bool) -> float:
        bench.settle()
        METER.reset()
        for _ in range(20):
            n = next(bench.counter)
            headers = {"X-Forwarded-For": f"198.18.7.{n % 250 + 1}"} if addresses else {}
            body = {"name": f"Pessoa de Custo {n}", "role": "parte", "reason": "orientacao", "consent": True}
            r = bench.client.post(f"/api/units/{UNIT}/tickets", json=body, headers=headers)
            assert r.status_code == 202, r.text
        return _per("join_queue", 20)

    plain, with_client = joins(False), joins(True)
    report(
        f"join: {plain:.2f} storage transactions without a client address, {with_client:.2f} from one "
        f"(the shared client bucket and tickets: +{with_client - plain:.2f}); a poll adds none"
    )


def _poll_cost(bench: Bench, report: Report, record: Record) -> None:
    tickets = bench.join(100)
    bench.settle()
    stop = time.monotonic() + 5.0
    polls = 0
    lock = threading.Lock()

    def citizen(t: dict[str, Any]) -> None:
        nonlocal polls
        headers = {"Authorization": f"Bearer {t['token']}"}
        etag = ""
        next_at = time.monotonic()
        while next_at < stop:
            r = bench.client.get(f"/api/tickets/{t['ticketId']}", headers={**headers, "If-None-Match": etag})
            etag = r.headers.get("ETag", etag)
            with lock:
                polls += 1
            next_at += 1.0
            time.sleep(max(0.0, next_at - time.monotonic()))

    METER.reset()
    with ThreadPoolExecutor(100) as pool:
        list(pool.map(citizen, tickets))
    tx = METER.by_operation().get("get_ticket", 0)
    config = METER.by_operation().get("configuration", 0)
    record("poll tx with 100 citizens", tx / max(1, polls))
    report(
        f"polls: 100 citizens polling every second for 5 s -> {polls} polls, {tx} storage transactions, "
        f"{tx / max(1, polls):.3f} per poll (target <= 0.1); meanwhile {config} configuration re-reads"
        " (each worker, once per BALCAO_CONFIG_TTL_SECONDS: 1 s here, 30 s by default; charged to no poll)"
    )


def _poll_latency(bench: Bench, report: Report) -> None:
    ticket = bench.join(1)[0]
    bench.settle()
    headers = {"Authorization": f"Bearer {ticket['token']}"}
    poll_ms: list[float] = []
    noop_ms: list[float] = []
    for _ in range(50):  # warm up both paths
        bench.client.get("/api/health")
        bench.client.get(f"/api/tickets/{ticket['ticketId']}", headers=headers)
    for _ in range(500):
        t0 = time.perf_counter()
        bench.client.get("/api/health")
        t1 = time.perf_counter()
        bench.client.get(f"/api/tickets/{ticket['ticketId']}", headers=headers)
        t2 = time.perf_counter()
        noop_ms.append((t1 - t0) * 1000)
        poll_ms.append((t2 - t1) * 1000)
    p50, p99 = statistics.median(poll_ms), _pct(poll_ms, 99)
    n50, n99 = statistics.median(noop_ms), _pct(noop_ms, 99)
    report(
        f"poll latency: p50 {p50:.2f} ms, p99 {p99:.2f} ms; "
        f"no-op function p50 {n50:.2f} ms, p99 {n99:.2f} ms; "
        f"ratio p50 {p50 / n50:.2f}x, p99 {p99 / n99:.2f}x (target <= 1.5x)"
    )


def _join_burst(bench: Bench, report: Report, record: Record) -> None:
    tickets = bench.join(1000, threads=32)
    bench.settle()
    by_id = {t["ticketId"]: t for t in tickets}
    day = tickets[0]["ticketId"].split(".")[1]
    delays = []
    seqs = []
    for stored in bench.store.list_tickets(UNIT, day):
        accepted = by_id.get(stored["ticketId"])
        if accepted and stored.get("admittedAt"):
            admitted = datetime.fromisoformat(stored["admittedAt"].replace("Z", "+00:00")).timestamp()
            delays.append(max(0.0, admitted - accepted["acceptedAt"]) * 1000)
            seqs.append(int(stored["seq"]))
    given = Counter(seqs)
    off = sum(n - 1 for n in given.values()) + len(set(range(1, len(seqs) + 1)) - set(given))
    record("burst order numbers given twice or never", off)
    record("burst joins not admitted", len(tickets) - len(delays))
    report(
        f"burst of 1,000 joins: {len(delays)} admitted, order numbers gapless: {off == 0}"
        f" ({off} given twice or never); time from 202 to admitted "
        f"p50 {statistics.median(delays):.0f} ms, p99 {_pct(delays, 99):.0f} ms"
    )
