"""The queue engine against a real Azurite: what only real storage shows (a thousand joins admitted by
several function instances at once, eight clerks on two workers calling in parallel). The rest of the
engine's rules run on the fakes (tests/usecases/test_queue_engine.py)."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from adapters.storage import queue_service
from domain.errors import ConcurrentUpdateError, NothingToCallError
from domain.ports import JOIN_QUEUE, MEETING_QUEUE, NOTIFY_QUEUE
from domain.tickets import Action, Status
from domain.usecases import admission, clerk_actions, joining
from domain.usecases.context import Context
from tests.support.services import build_services, demo_config

UNIT = "trf1-sjac-01vf"
NOW = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)


def join(ctx: Context, i: int, **extra: object) -> joining.JoinAccepted:
    """Citizen i arrives i milliseconds after NOW."""
    data = {
        "name": f"Cidadão Número {i}",
        "role": "parte",
        "reason": "orientacao",
        "consent": True,
        "category": "partes",
        **extra,
    }
    return joining.accept_join(ctx, UNIT, joining.JoinInput(**data), NOW + timedelta(milliseconds=i))  # type: ignore[arg-type]


def clear_queues(env: dict[str, str]) -> None:
    service = queue_service(env)
    for name in (JOIN_QUEUE, MEETING_QUEUE, NOTIFY_QUEUE):
        try:
            service.get_queue_client(name).clear_messages()
        except Exception:  # noqa: S110 - the queue may not exist yet
            pass


def admit_everything(ctx: Context, workers: int = 4, *others: Context) -> Counter[str]:
    """What the admission function does, with several function instances at once: `workers` threads
    share `ctx` (one instance: its process lock makes them take turns on a unit-day) unless `others`
    are given, then the threads are spread over `ctx` and `others` (separate instances, each with its
    own clients, cache and process locks: only the state's ETag keeps them apart)."""
    instances = [ctx, *others]
    outcome: Counter[str] = Counter()
    lock = threading.Lock()

    def worker(n: int) -> None:
        instance = instances[n % len(instances)]
        while True:
            drain = instance.bus.drain(JOIN_QUEUE, 32, visibility_timeout_s=60)  # type: ignore[attr-defined]
            if not drain.items:
                return
            result = admission.admit(instance, [m.payload for m in drain.items], NOW)
            drain.complete()
            with lock:
                outcome.update(result.values())

    with ThreadPoolExecutor(workers) as pool:
        for f in [pool.submit(worker, n) for n in range(workers)]:
            f.result()
    return outcome


class RefusedCommits:
    """Counts the state commits a store refused for a stale ETag (the races admission lost and retried)."""

    def __init__(self, ctx: Context) -> None:
        self.count = 0
        commit = ctx.store.commit

        def counted(*args: Any, **kwargs: Any) -> None:
            try:
                commit(*args, **kwargs)
            except ConcurrentUpdateError:
                self.count += 1
                raise

        ctx.store.commit = counted  # type: ignore[method-assign]


def test_1000_joins_at_once_are_all_admitted_with_gapless_numbers(
    storage_env: dict[str, str], unique: str
) -> None:
    """Four admission instances (separate contexts, as four Function instances) drain the same
    join-requests queue at once and race on the unit-day state's ETag."""
    clear_queues(storage_env)
    config = demo_config(maxWaiting=5000)
    ctx = build_services(storage_env, unique, config=config)
    with ThreadPoolExecutor(16) as pool:
        accepted = list(pool.map(lambda i: join(ctx, i), range(1000)))
    instances = [build_services(storage_env, unique, config=config) for _ in range(4)]
    refused = [RefusedCommits(instance) for instance in instances]
    outcome = admit_everything(instances[0], 4, *instances[1:])
    print(f"admission: {sum(r.count for r in refused)} commits refused for a stale ETag and retried")
    assert outcome["waiting"] == 1000, outcome
    tickets = ctx.store.list_tickets(UNIT, "20261130")
    assert {t["ticketId"] for t in tickets} == {a.ticket_id for a in accepted}
    seqs = Counter(int(t["seq"]) for t in tickets)
    twice, missing = sorted(k for k, v in seqs.items() if v > 1), sorted(set(range(1, 1001)) - set(seqs))
    assert not twice and not missing, (
        f"{len(twice)} order numbers given twice (first {twice[:3]}), {len(missing)} never given"
    )
    state, _ = ctx.store.load(UNIT, "20261130")
    assert state.seq == 1000 and state.waiting_count() == 1000
    assert sorted(e.seq for e in state.line) == list(range(1, 1001))  # every ticket in line once
    assert {f"{UNIT}.20261130.{e.short}" for e in state.line} == {a.ticket_id for a in accepted}


def test_eight_clerks_calling_in_parallel_never_share_a_citizen(
    storage_env: dict[str, str], unique: str
) -> None:
    """Two workers (separate contexts, caches and clients, as two Function instances) with four
    clerks' requests each: the ETag is what keeps them apart."""
    clear_queues(storage_env)
    ctx = build_services(storage_env, unique, config=demo_config(maxWaiting=5000))
    workers = [ctx, build_services(storage_env, unique, config=demo_config(maxWaiting=5000))]
    for i in range(500):
        join(ctx, i, priority=["idoso_60"] if i % 7 == 0 else [])
    assert admit_everything(ctx)["waiting"] == 500
    clerks = [ctx.principal(e) for e in ("ana.souza@trf1.jus.br", "bruno.lima@trf1.jus.br")]
    calls: list[str] = []
    lock = threading.Lock()

    def clerk_loop(n: int) -> None:
        clerk, worker = clerks[n % 2], workers[n // 4]
        while True:
            try:
                result = clerk_actions.call_next(worker, UNIT, clerk, NOW)
            except NothingToCallError:
                return
            with lock:
                calls.append(result.ticket_id)

    with ThreadPoolExecutor(8) as pool:
        for f in [pool.submit(clerk_loop, n) for n in range(8)]:
            f.result()
    assert len(calls) == 500
    assert len(set(calls)) == 500  # every ticket called exactly once
    state, _ = ctx.store.load(UNIT, "20261130")
    assert state.line == [] and len(state.called) == 500
    statuses = Counter(t["status"] for t in ctx.store.list_tickets(UNIT, "20261130"))
    assert statuses == Counter({"called": 500})


def test_a_clerk_acts_through_an_instance_that_did_not_see_the_last_change(
    storage_env: dict[str, str], unique: str
) -> None:
    """Flex Consumption sends each request of a clerk to any instance. An instance whose last copy of the
    state predates another instance's change must not refuse what that change made possible: a start
    after the call, a call after an admission (issue 17: "start: 409" in the 3-instance load run)."""
    clear_queues(storage_env)
    first, second = (build_services(storage_env, unique, config=demo_config()) for _ in range(2))
    clerk = first.principal("ana.souza@trf1.jus.br")
    ticket = join(first, 1).ticket_id
    assert admit_everything(second, 1)["waiting"] == 1  # the second instance's copy: one waiting
    assert clerk_actions.call_next(first, UNIT, clerk, NOW).ticket_id == ticket
    start = clerk_actions.ClerkMove(Action.START)
    assert clerk_actions.clerk_action(second, UNIT, ticket, start, clerk, NOW) == Status.IN_SERVICE
    finish = clerk_actions.ClerkMove(Action.FINISH)
    assert clerk_actions.clerk_action(first, UNIT, ticket, finish, clerk, NOW) == Status.DONE

    # The first instance's copy now has nobody waiting; someone is admitted by the second.
    late = join(first, 2).ticket_id
    assert admit_everything(second, 1)["waiting"] == 1
    assert clerk_actions.call_next(first, UNIT, clerk, NOW).ticket_id == late
    with pytest.raises(NothingToCallError):  # a refusal on a fresh read stands
        clerk_actions.call_next(second, UNIT, clerk, NOW)
    stored = {t["ticketId"]: t for t in first.store.list_tickets(UNIT, "20261130")}
    assert stored[ticket]["status"] == "done" and int(stored[ticket]["serviceSeconds"]) >= 0
