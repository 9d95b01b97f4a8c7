"""The queue engine against a real Azurite: concurrency, batching, replays."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from adapters.storage import queue_service
from domain import services as uc
from domain.errors import ConcurrentUpdateError, NothingToCallError, UnauthenticatedError
from tests.support.services import build_services, demo_config

UNIT = "trf1-sjac-01vf"
NOW = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)


def join(svc: uc.Services, i: int, **extra: object) -> uc.JoinAccepted:
    """Citizen i arrives i milliseconds after NOW."""
    data = {
        "name": f"Cidadão Número {i}",
        "role": "parte",
        "reason": "orientacao",
        "consent": True,
        "category": "partes",
        **extra,
    }
    return uc.accept_join(svc, UNIT, uc.JoinInput(**data), NOW + timedelta(milliseconds=i))  # type: ignore[arg-type]


def clear_queues(env: dict[str, str]) -> None:
    service = queue_service(env)
    for name in (uc.JOIN_QUEUE, uc.MEETING_QUEUE, uc.NOTIFY_QUEUE):
        try:
            service.get_queue_client(name).clear_messages()
        except Exception:  # noqa: S110 - the queue may not exist yet
            pass


def admit_everything(svc: uc.Services, workers: int = 4, *others: uc.Services) -> Counter[str]:
    """What the admission function does, with several function instances at once: `workers` threads
    share `svc` (one instance: its process lock makes them take turns on a unit-day) unless `others`
    are given, then the threads are spread over `svc` and `others` (separate instances, each with its
    own clients, cache and process locks: only the state's ETag keeps them apart)."""
    instances = [svc, *others]
    outcome: Counter[str] = Counter()
    lock = threading.Lock()

    def worker(n: int) -> None:
        instance = instances[n % len(instances)]
        while True:
            drain = instance.bus.drain(uc.JOIN_QUEUE, 32, visibility_timeout_s=60)  # type: ignore[attr-defined]
            if not drain.items:
                return
            result = uc.admit(instance, [m.payload for m in drain.items], NOW)
            drain.complete()
            with lock:
                outcome.update(result.values())

    with ThreadPoolExecutor(workers) as pool:
        for f in [pool.submit(worker, n) for n in range(workers)]:
            f.result()
    return outcome


class RefusedCommits:
    """Counts the state commits a store refused for a stale ETag (the races admission lost and retried)."""

    def __init__(self, svc: uc.Services) -> None:
        self.count = 0
        commit = svc.store.commit

        def counted(*args: Any, **kwargs: Any) -> None:
            try:
                commit(*args, **kwargs)
            except ConcurrentUpdateError:
                self.count += 1
                raise

        svc.store.commit = counted  # type: ignore[method-assign]


def test_1000_joins_at_once_are_all_admitted_with_gapless_numbers(
    storage_env: dict[str, str], unique: str
) -> None:
    """Four admission instances (separate services, as four Function instances) drain the same
    join-requests queue at once and race on the unit-day state's ETag."""
    clear_queues(storage_env)
    config = demo_config(maxWaiting=5000)
    svc = build_services(storage_env, unique, config=config)
    with ThreadPoolExecutor(16) as pool:
        accepted = list(pool.map(lambda i: join(svc, i), range(1000)))
    instances = [build_services(storage_env, unique, config=config) for _ in range(4)]
    refused = [RefusedCommits(instance) for instance in instances]
    outcome = admit_everything(instances[0], 4, *instances[1:])
    print(f"admission: {sum(r.count for r in refused)} commits refused for a stale ETag and retried")
    assert outcome["waiting"] == 1000, outcome
    tickets = svc.store.list_tickets(UNIT, "20261130")
    assert {t["ticketId"] for t in tickets} == {a.ticket_id for a in accepted}
    seqs = Counter(int(t["seq"]) for t in tickets)
    twice, missing = sorted(k for k, v in seqs.items() if v > 1), sorted(set(range(1, 1001)) - set(seqs))
    assert not twice and not missing, (
        f"{len(twice)} order numbers given twice (first {twice[:3]}), {len(missing)} never given"
    )
    state, _ = svc.store.load(UNIT, "20261130")
    assert state.seq == 1000 and state.waiting_count() == 1000
    assert sorted(e.seq for e in state.line) == list(range(1, 1001))  # every ticket in line once
    assert {f"{UNIT}.20261130.{e.short}" for e in state.line} == {a.ticket_id for a in accepted}


def test_a_replayed_admission_changes_nothing(storage_env: dict[str, str], unique: str) -> None:
    clear_queues(storage_env)
    svc = build_services(storage_env, unique)
    for i in range(5):
        join(svc, i)
    drain = svc.bus.drain(uc.JOIN_QUEUE, 32)  # type: ignore[attr-defined]
    payloads = [m.payload for m in drain.items]
    first = uc.admit(svc, payloads, NOW)
    before, _ = svc.store.load(UNIT, "20261130")
    again = uc.admit(svc, payloads, NOW)
    after, _ = svc.store.load(UNIT, "20261130")
    drain.complete()
    assert set(first.values()) == {"waiting"} and set(again.values()) == {"duplicate"}
    assert [e.short for e in after.line] == [e.short for e in before.line] and after.seq == before.seq == 5


def test_a_replay_after_the_citizen_was_called_is_recognised_by_storage(
    storage_env: dict[str, str], unique: str
) -> None:
    clear_queues(storage_env)
    svc = build_services(storage_env, unique)
    join(svc, 1)
    drain = svc.bus.drain(uc.JOIN_QUEUE, 32)  # type: ignore[attr-defined]
    payloads = [m.payload for m in drain.items]
    uc.admit(svc, payloads, NOW)
    drain.complete()
    clerk = svc.principal("ana.souza@trf1.jus.br")
    called = uc.call_next(svc, UNIT, clerk, NOW)
    uc.clerk_action(svc, UNIT, called.ticket_id, uc.Action.FINISH, clerk, NOW)
    assert uc.admit(svc, payloads, NOW) == {
        called.ticket_id: "duplicate"
    }  # the ticket exists: no second place
    state, _ = svc.store.load(UNIT, "20261130")
    assert state.line == [] and state.seq == 1


def test_eight_clerks_calling_in_parallel_never_share_a_citizen(
    storage_env: dict[str, str], unique: str
) -> None:
    """Two workers (separate services, caches and clients, as two Function instances) with four
    clerks' requests each: the ETag is what keeps them apart."""
    clear_queues(storage_env)
    svc = build_services(storage_env, unique, config=demo_config(maxWaiting=5000))
    workers = [svc, build_services(storage_env, unique, config=demo_config(maxWaiting=5000))]
    for i in range(500):
        join(svc, i, priority=["idoso_60"] if i % 7 == 0 else [])
    assert admit_everything(svc)["waiting"] == 500
    clerks = [svc.principal(e) for e in ("ana.souza@trf1.jus.br", "bruno.lima@trf1.jus.br")]
    calls: list[str] = []
    lock = threading.Lock()

    def clerk_loop(n: int) -> None:
        clerk, worker = clerks[n % 2], workers[n // 4]
        while True:
            try:
                result = uc.call_next(worker, UNIT, clerk, NOW)
            except NothingToCallError:
                return
            with lock:
                calls.append(result.ticket_id)

    with ThreadPoolExecutor(8) as pool:
        for f in [pool.submit(clerk_loop, n) for n in range(8)]:
            f.result()
    assert len(calls) == 500
    assert len(set(calls)) == 500  # every ticket called exactly once
    state, _ = svc.store.load(UNIT, "20261130")
    assert state.line == [] and len(state.called) == 500
    statuses = Counter(t["status"] for t in svc.store.list_tickets(UNIT, "20261130"))
    assert statuses == Counter({"called": 500})


def test_position_and_wait_estimate_follow_the_line(storage_env: dict[str, str], unique: str) -> None:
    clear_queues(storage_env)
    svc = build_services(storage_env, unique)
    normal = [join(svc, i) for i in range(3)]
    admit_everything(svc, workers=1)
    elder = join(svc, 99, priority=["idoso_80"])
    admit_everything(svc, workers=1)
    svc.store._cache.clear()  # type: ignore[attr-defined]
    views = {a.ticket_id: uc.ticket_view(svc, a.ticket_id, a.token, NOW) for a in [*normal, elder]}
    assert views[elder.ticket_id]["position"] == 1  # 80+ goes first even arriving last
    assert [views[a.ticket_id]["position"] for a in normal] == [2, 3, 4]
    assert views[normal[2].ticket_id]["peopleAhead"] == 3
    assert (
        views[normal[2].ticket_id]["estimatedWait"]["maxMinutes"]
        >= views[normal[0].ticket_id]["estimatedWait"]["maxMinutes"]
    )
    with pytest.raises(UnauthenticatedError):
        uc.ticket_view(svc, elder.ticket_id, normal[0].token, NOW)


def test_queue_full_is_told_at_the_door(storage_env: dict[str, str], unique: str) -> None:
    clear_queues(storage_env)
    svc = build_services(storage_env, unique, config=demo_config(maxWaiting=2))
    join(svc, 1)
    join(svc, 2)
    admit_everything(svc, workers=1)
    svc.store._cache.clear()  # type: ignore[attr-defined]
    with pytest.raises(uc.QueueFullError):
        join(svc, 3)
    with pytest.raises(uc.AlreadyInQueueError):
        join(svc, 1)  # the same person (name and role) already has an active ticket here
