"""Load test on loopback: 1,000 citizens polling and 10 clerks working one unit (issue 10).

A private Azurite and the dev host serving `function_app`, driven by an asyncio + httpx client in a
process of its own (over 16 keep-alive connections). Bounded: 1,000 joins, then at most `MAX_SECONDS`
of work (or until every citizen was called). Citizens poll every `POLL_EVERY_S` (with `If-None-Match`),
each from its own address
(`X-Forwarded-For`, as Azure's front end sets it; the traffic itself stays on 127.0.0.1); 10 clerks of
the unit call next, start and finish as fast as the API lets them.

Prints: requests and errors by kind, tickets called and called twice, p50/p99 latency of polls and of
the clerks' calls. The target: no error, no ticket called twice.
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

from bench.targets import Record
from tests.support.system import CONFIG_FILE, principal_header, running_system

UNIT = "tjac-rbr-1vce"
CITIZENS = 1000
CLERKS = 10
# The page polls every 1.5 s; 1,000 citizens at that pace offer ~670 polls/s, more than the dev host
# serves on two cores shared with the client (~480 requests/s closed loop, for a no-op function). Every
# 3 s keeps the host below saturation, so that the latencies are the API's, not a queue in front of it.
POLL_EVERY_S = 3.0
MAX_SECONDS = 60.0
CONNECTIONS = 16  # keep-alive connections of the client (the dev host runs a thread per connection)
Report = Callable[[str], None]


def _config() -> bytes:
    raw = json.loads(CONFIG_FILE.read_bytes())
    for unit in raw["units"]:
        unit["limits"] = {**unit.get("limits", {}), "maxWaiting": 2 * CITIZENS}
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
    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client
        self.errors: Counter[str] = Counter()
        self.requests: Counter[str] = Counter()
        self.poll_ms: list[float] = []
        self.call_ms: list[float] = []
        self.called: list[str] = []
        self.done = asyncio.Event()

    async def request(self, kind: str, method: str, url: str, **kwargs: Any) -> httpx.Response | None:
        self.requests[kind] += 1
        try:
            return await self.client.request(method, url, **kwargs)
        except httpx.HTTPError as exc:
            self.errors[f"{kind}: {type(exc).__name__}"] += 1
            return None

    async def join(self, i: int, gate: asyncio.Semaphore) -> dict[str, Any] | None:
        body = {"name": f"Pessoa de Carga {i}", "role": "parte", "reason": "orientacao", "consent": True}
        async with gate:
            r = await self.request(
                "join",
                "POST",
                f"/api/units/{UNIT}/tickets",
                json=body,
                headers={"X-Forwarded-For": _address(i)},
            )
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
            started = time.perf_counter()
            r = await self.request(
                "poll",
                "GET",
                f"/api/tickets/{ticket['ticketId']}",
                headers={**headers, "If-None-Match": etag},
            )
            if r is not None:
                self.poll_ms.append((time.perf_counter() - started) * 1000)
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
            started = time.perf_counter()
            r = await self.request("call", "POST", f"{base}/call", headers=headers)
            if r is None:
                continue
            if r.status_code == 409:  # nobody waiting
                self.done.set()
                return
            if r.status_code != 200:
                self.errors[f"call: {r.status_code}"] += 1
                continue
            self.call_ms.append((time.perf_counter() - started) * 1000)
            ticket_id = r.json()["ticketId"]
            self.called.append(ticket_id)
            for action in ("start", "finish"):
                done = await self.request(
                    "action", "POST", f"{base}/tickets/{ticket_id}/{action}", headers=headers
                )
                if done is None or done.status_code != 200:
                    self.errors[f"{action}: {done.status_code if done is not None else 'no answer'}"] += 1


def _client(base_url: str) -> httpx.AsyncClient:
    limits = httpx.Limits(max_connections=CONNECTIONS, max_keepalive_connections=CONNECTIONS)
    return httpx.AsyncClient(base_url=base_url, timeout=30, limits=limits)


async def _join_all(base_url: str) -> dict[str, Any]:
    async with _client(base_url) as client:
        load = Load(client)
        gate = asyncio.Semaphore(32)
        started = time.monotonic()
        joined = [t for t in await asyncio.gather(*(load.join(i, gate) for i in range(CITIZENS))) if t]
        return {"tickets": joined, "seconds": time.monotonic() - started, "errors": dict(load.errors)}


async def _work(base_url: str, tickets: list[dict[str, Any]]) -> dict[str, Any]:
    async with _client(base_url) as client:
        load = Load(client)
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
            "poll_ms": load.poll_ms,
            "call_ms": load.call_ms,
        }


def _in_child(step: str, base_url: str, tickets: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """Run in a process of its own, so that the client does not share the dev host's interpreter lock."""
    if step == "join":
        return asyncio.run(_join_all(base_url))
    return asyncio.run(_work(base_url, tickets or []))


def _report(
    joined: dict[str, Any], in_line: int, work: dict[str, Any], report: Report, record: Record
) -> None:
    called: list[str] = work["called"]
    twice = len(called) - len(set(called))
    requests = Counter(work["requests"])
    requests["join"] = len(joined["tickets"]) + sum(joined["errors"].values())
    errors = Counter(joined["errors"]) + Counter(work["errors"])
    total = sum(requests.values())
    polls, calls = work["poll_ms"], work["call_ms"]
    report(
        f"citizens poll every {POLL_EVERY_S:g} s: {len(joined['tickets']) / POLL_EVERY_S:.0f} polls/s offered"
    )
    report(
        f"{len(joined['tickets'])} citizens joined in {joined['seconds']:.1f} s ({in_line} in line); "
        f"{CLERKS} clerks worked {work['seconds']:.1f} s: {len(called)} called, {twice} called twice"
    )
    report(
        f"requests: {total} ({', '.join(f'{k} {v}' for k, v in sorted(requests.items()))}), "
        f"{(total - requests['join']) / max(work['seconds'], 0.001):.0f}/s while working; "
        f"errors: {sum(errors.values())}" + (f" {dict(errors)}" if errors else "")
    )
    report(
        f"latency: poll p50 {statistics.median(polls or [0]):.1f} ms, p99 {_pct(polls, 99):.1f} ms; "
        f"call next p50 {statistics.median(calls or [0]):.1f} ms, p99 {_pct(calls, 99):.1f} ms"
    )
    record("load tickets called twice", twice)
    record("load errors", sum(errors.values()))
    report("  targets: no error, no ticket called twice")


def run(report: Report, record: Record) -> None:
    report("")
    report(f"== Load (loopback): {CITIZENS:,} citizens polling, {CLERKS} clerks, one unit ==")
    with running_system(config=_config()) as system:

        def settle() -> None:
            time.sleep(0.3)
            assert system.host.wait_idle(120)

        def waiting() -> int:
            time.sleep(5.1)  # the directory's count is cached up to 5 s
            return int(system.client.get(f"/api/units/{UNIT}").json()["peopleWaiting"])

        with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as child:
            joined = child.submit(_in_child, "join", system.base_url).result(timeout=300)
            settle()
            in_line = waiting()
            work = child.submit(_in_child, "work", system.base_url, joined["tickets"]).result(
                timeout=MAX_SECONDS + 120
            )
        _report(joined, in_line, work, report, record)


if __name__ == "__main__":
    run(print, lambda name, value: None)
