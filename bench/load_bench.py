"""Load test on loopback: 1,000 citizens polling and 10 clerks working one unit (issues 10 and 17),
on 1 and then on 3 dev host instances (processes) against one Azurite, as Flex Consumption scales out.

A private Azurite and `INSTANCES` dev host processes serving `function_app` (tests/support/cluster.py),
driven by an asyncio + httpx client in a process of its own (16 keep-alive connections per instance,
each request to the next instance in turn). Bounded: 1,000 joins, then at most `MAX_SECONDS` of work (or
until every citizen was called). Citizens poll every `POLL_EVERY_S` (with `If-None-Match`), each from
its own address (`X-Forwarded-For`, as Azure's front end sets it; the traffic itself stays on
127.0.0.1); 10 clerks of the unit call next, start and finish as fast as the API lets them.

Prints, per number of instances: requests and errors by kind, tickets called and called twice,
throughput, and p50/p99 latency per kind of request; then the table of both. The target: no error, no
ticket called twice. On this machine every instance and the client share two cores: the instances
compete for them, so more instances add no throughput here; what the run shows is that the app stays
correct (nothing called twice, nothing lost) when the requests of one unit reach several processes.
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import statistics
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import httpx

from bench.proof import solve
from bench.targets import Record
from tests.support.cluster import running_cluster
from tests.support.system import CONFIG_FILE, async_json_writes, principal_header

UNIT = "tjac-rbr-1vce"
CITIZENS = 1000
CLERKS = 10
# The page polls every 1.5 s; 1,000 citizens at that pace offer ~670 polls/s, more than the dev host
# serves on two cores shared with the client (~480 requests/s closed loop, for a no-op function). Every
# 3 s keeps the host below saturation, so that the latencies are the API's, not a queue in front of it.
POLL_EVERY_S = 3.0
MAX_SECONDS = 60.0
JOIN_TRIES = 20  # presses of "Entrar na fila" after a 429 before a citizen is counted as refused
CONNECTIONS = 16  # keep-alive connections per instance (the dev host runs a thread per connection)
INSTANCES = (1, 3)
KINDS = ("join", "poll", "call", "action")
Report = Callable[[str], None]


# The unit is one that expects the run's crowd, 1,000 people in the first half-minute: the largest cap
# the configuration allows (maxWaiting 5,000). Its join bucket, a third of that at once and as many a
# minute (functions/limits.per_unit), stays above half while they join (they take ~1,000, it refills
# ~28 a second), so that neither a 429 nor a proof of work (428 below half the bucket,
# functions/proof.py) is asked of them: the run is about the line across instances, not a flood. A
# citizen refused anyway does what the page does (`Load.join`); only a join that never gets in is an
# error.
MAX_WAITING = 5000


def _config() -> bytes:
    raw = json.loads(CONFIG_FILE.read_bytes())
    for unit in raw["units"]:
        unit["limits"] = {**unit.get("limits", {}), "maxWaiting": MAX_WAITING}
    for i in range(CLERKS):
        raw["staff"].append(
            {
                "email": f"servidor{i:02d}@tjac.jus.br",
                "name": f"Servidor {i:02d}",
                "roles": [{"role": "clerk", "units": [UNIT]}],
            }
        )
    return json.dumps(raw, ensure_ascii=False).encode()


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))] if ordered else 0.0


def _address(i: int) -> str:
    return f"198.18.{i // 250}.{i % 250 + 1}"  # the benchmarking range (RFC 2544), in a header only


class Load:
    def __init__(self, clients: list[httpx.AsyncClient]) -> None:
        self.clients = clients
        self.turn = 0
        self.errors: Counter[str] = Counter()
        self.retried: Counter[str] = Counter()  # answers a citizen acts on as the page asks (not errors)
        self.requests: Counter[str] = Counter()
        self.ms: dict[str, list[float]] = {kind: [] for kind in KINDS}
        self.called: list[str] = []
        self.done = asyncio.Event()

    async def request(self, kind: str, method: str, url: str, **kwargs: Any) -> httpx.Response | None:
        """One request, to the next instance in turn; its latency is recorded when answered."""
        self.requests[kind] += 1
        self.turn += 1
        client = self.clients[self.turn % len(self.clients)]
        started = time.perf_counter()
        try:
            answer = await client.request(method, url, **kwargs)
        except httpx.HTTPError as exc:
            self.errors[f"{kind}: {type(exc).__name__}"] += 1
            return None
        self.ms.setdefault(kind, []).append((time.perf_counter() - started) * 1000)
        return answer

    async def join(self, i: int, gate: asyncio.Semaphore) -> dict[str, Any] | None:
        """A citizen joining as on the page: a 429 (the unit's join bucket) shows "Tente novamente em
        instantes" with the form kept, and the citizen presses again, here after the answer's
        Retry-After; a 428 makes the page solve the unit's proof of work (site/assets/js/proof.js) and
        send again with it. Only a join still refused after `JOIN_TRIES` presses, or refused otherwise,
        is an error; the presses again are counted apart."""
        body = {"name": f"Pessoa de Carga {i}", "role": "parte", "reason": "orientacao", "consent": True}
        headers = {"X-Forwarded-For": _address(i)}
        for tries in range(1, JOIN_TRIES + 1):
            async with gate:
                r = await self.request(
                    "join", "POST", f"/api/units/{UNIT}/tickets", json=body, headers=headers
                )
            if r is None or r.status_code not in (428, 429) or tries == JOIN_TRIES:
                break
            self.retried[f"join {r.status_code}"] += 1
            if r.status_code == 429:
                await asyncio.sleep(float(r.headers.get("Retry-After") or 1))
                continue
            found = await self.request("challenge", "GET", r.json()["challenge"], headers=headers)
            if found is None or found.status_code != 200:
                break
            payload, _ = await asyncio.to_thread(solve, found.json())
            headers = {**headers, "X-Balcao-Proof": payload}
        if r is None or r.status_code != 202:
            self.errors[f"join: {r.status_code if r is not None else 'no answer'}"] += 1
            return None
        ticket: dict[str, Any] = r.json()
        ticket["address"] = _address(i)
        return ticket

    async def citizen(self, ticket: dict[str, Any], offset: float, deadline: float) -> None:
        headers = {"Authorization": f"Bearer {ticket['token']}", "X-Forwarded-For": ticket["address"]}
        etag = ""
        await asyncio.sleep(offset)
        while time.monotonic() < deadline and not self.done.is_set():
            r = await self.request(
                "poll",
                "GET",
                f"/api/tickets/{ticket['ticketId']}",
                headers={**headers, "If-None-Match": etag},
            )
            if r is not None:
                if r.status_code == 200:
                    etag = r.headers.get("ETag", etag)
                    if r.json().get("status") in ("done", "closed", "expired", "left"):
                        return
                elif r.status_code != 304:
                    self.errors[f"poll: {r.status_code}"] += 1
            await asyncio.sleep(POLL_EVERY_S)

    async def clerk(self, email: str, deadline: float) -> None:
        headers = principal_header(email)
        base = f"/api/clerk/units/{UNIT}"
        while time.monotonic() < deadline and not self.done.is_set():
            r = await self.request("call", "POST", f"{base}/call", headers=headers)
            if r is None:
                continue
            if r.status_code == 409:  # nobody waiting
                self.done.set()
                return
            if r.status_code != 200:
                self.errors[f"call: {r.status_code}"] += 1
                continue
            ticket_id = r.json()["ticketId"]
            self.called.append(ticket_id)
            for action in ("start", "finish"):
                done = await self.request(
                    "action", "POST", f"{base}/tickets/{ticket_id}/{action}", headers=headers
                )
                if done is None or done.status_code != 200:
                    self.errors[f"{action}: {done.status_code if done is not None else 'no answer'}"] += 1


def _clients(base_urls: list[str]) -> list[httpx.AsyncClient]:
    limits = httpx.Limits(max_connections=CONNECTIONS, max_keepalive_connections=CONNECTIONS)
    hooks = {"request": [async_json_writes]}  # writes say JSON, as the pages do
    return [
        httpx.AsyncClient(base_url=url, timeout=30, limits=limits, event_hooks=hooks) for url in base_urls
    ]


async def _join_all(base_urls: list[str]) -> dict[str, Any]:
    clients = _clients(base_urls)
    try:
        load = Load(clients)
        gate = asyncio.Semaphore(32)
        started = time.monotonic()
        joined = [t for t in await asyncio.gather(*(load.join(i, gate) for i in range(CITIZENS))) if t]
        return {
            "tickets": joined,
            "seconds": time.monotonic() - started,
            "errors": dict(load.errors),
            "retried": dict(load.retried),
            "join_ms": load.ms["join"],
        }
    finally:
        for client in clients:
            await client.aclose()


async def _work(base_urls: list[str], tickets: list[dict[str, Any]]) -> dict[str, Any]:
    clients = _clients(base_urls)
    try:
        load = Load(clients)
        deadline = time.monotonic() + MAX_SECONDS
        started = time.monotonic()
        citizens = [
            asyncio.create_task(load.citizen(t, i * POLL_EVERY_S / len(tickets), deadline))
            for i, t in enumerate(tickets)
        ]
        clerks = [
            asyncio.create_task(load.clerk(f"servidor{i:02d}@tjac.jus.br", deadline)) for i in range(CLERKS)
        ]
        await asyncio.gather(*clerks)
        load.done.set()
        await asyncio.gather(*citizens)
        return {
            "seconds": time.monotonic() - started,
            "called": load.called,
            "requests": dict(load.requests),
            "errors": dict(load.errors),
            "ms": load.ms,
        }
    finally:
        for client in clients:
            await client.aclose()


def _in_child(step: str, base_urls: list[str], tickets: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """Run in a process of its own, so that the client does not share the dev hosts' interpreter lock."""
    if step == "join":
        return asyncio.run(_join_all(base_urls))
    return asyncio.run(_work(base_urls, tickets or []))


def _report(
    instances: int, joined: dict[str, Any], in_line: int, work: dict[str, Any], report: Report, record: Record
) -> dict[str, Any]:
    called: list[str] = work["called"]
    twice = len(called) - len(set(called))
    requests = Counter(work["requests"])
    retried = sum(joined["retried"].values())
    requests["join"] = len(joined["tickets"]) + sum(joined["errors"].values()) + retried
    errors = Counter(joined["errors"]) + Counter(work["errors"])
    total = sum(requests.values())
    ms = {**work["ms"], "join": joined["join_ms"]}
    throughput = (total - requests["join"]) / max(work["seconds"], 0.001)
    report(f"-- {instances} instance{'s' if instances > 1 else ''} --")
    report(
        f"{len(joined['tickets'])} citizens joined in {joined['seconds']:.1f} s ({in_line} in line); "
        f"{CLERKS} clerks worked {work['seconds']:.1f} s: {len(called)} called, {twice} called twice"
    )
    report(
        f"requests: {total} ({', '.join(f'{k} {v}' for k, v in sorted(requests.items()))}), "
        f"{throughput:.0f}/s while working; errors: {sum(errors.values())}"
        + (f" {dict(errors)}" if errors else "")
        + f"; joins sent again as the page does (after Retry-After on 429, with a proof on 428): {retried}"
    )
    report(
        "latency: "
        + "; ".join(
            f"{kind} p50 {statistics.median(ms[kind] or [0]):.1f} ms, p99 {_pct(ms[kind], 99):.1f} ms"
            for kind in KINDS
        )
    )
    record(f"load tickets called twice on {instances} instances", twice)
    record(f"load errors on {instances} instances", sum(errors.values()))
    record(f"load citizens lost on {instances} instances", len(joined["tickets"]) - in_line)
    return {"throughput": throughput, "ms": ms, "errors": sum(errors.values()), "twice": twice}


def _table(rows: dict[int, dict[str, Any]], report: Report) -> None:
    report("")
    head = "".join(f" {kind + ' p50/p99 ms':>22}" for kind in KINDS)
    report(f"  {'instances':>9} {'requests/s':>10}{head}  outcome")
    for instances, row in rows.items():
        ms = row["ms"]
        cells = "".join(
            f" {f'{statistics.median(ms[k] or [0]):.0f} / {_pct(ms[k], 99):.0f}':>22}" for k in KINDS
        )
        outcome = f"{row['errors']} errors, {row['twice']} called twice"
        report(f"  {instances:>9} {row['throughput']:>10.0f}{cells}  {outcome}")
    report("  targets: no error, no ticket called twice, every citizen in line, on every number of instances")


def _waiting(base_url: str, expected: int) -> int:
    """People waiting in the unit once admission has caught up (bounded; the count is cached ≤ 5 s)."""
    deadline = time.monotonic() + 120
    seen = -1
    while time.monotonic() < deadline:
        seen = int(httpx.get(f"{base_url}/api/units/{UNIT}", timeout=10).json()["peopleWaiting"])
        if seen >= expected:
            return seen
        time.sleep(1.0)
    return seen


def run(report: Report, record: Record) -> None:
    report("")
    report(f"== Load (loopback): {CITIZENS:,} citizens polling, {CLERKS} clerks, one unit ==")
    report(f"citizens poll every {POLL_EVERY_S:g} s: {CITIZENS / POLL_EVERY_S:.0f} polls/s offered")
    rows: dict[int, dict[str, Any]] = {}
    for instances in INSTANCES:
        with (
            running_cluster(instances, config=_config(), connections=CONNECTIONS) as cluster,
            ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as child,
        ):
            urls = cluster.base_urls
            joined = child.submit(_in_child, "join", urls).result(timeout=300)
            in_line = _waiting(urls[0], len(joined["tickets"]))
            work = child.submit(_in_child, "work", urls, joined["tickets"]).result(timeout=MAX_SECONDS + 600)
        rows[instances] = _report(instances, joined, in_line, work, report, record)
    _table(rows, report)


if __name__ == "__main__":
    run(print, lambda name, value: None)
