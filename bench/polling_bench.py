"""Function executions per waiting citizen-hour with adaptive polling (issue 13, point 6).

A simulated half hour, on the use cases over the in-memory fakes (tests/fakes/) with a simulated
clock: 100 citizens join a unit at once; one clerk calls the next every 18 s (the meeting starts 2 s
after the call, so the unit's measured service time is ~16 s), so the last citizen is called after
30 minutes. Each citizen's page polls when the previous answer says (`pollAfterSeconds`, as
site/assets/js/citizen.js does for a visible page) until it sees its call. The per-minute upkeep runs
as the timer does, so a page that polled too rarely would be marked absent.

Counted per citizen: the join (HTTP), its admission (one queue-triggered execution per message) and
every poll; the unit's timers are per unit, not per citizen, and are left out. Printed beside the same
run with the page's former fixed cadence (every 1.5 s). The latency is the simulated time from the
call to the poll that shows it; the API's shared state adds at most 1 s to it (DESIGN §4), which the
fakes, whose state is always fresh, do not.
"""

from __future__ import annotations

import heapq
import math
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bench.targets import Record
from domain.tickets import Action
from domain.usecases import citizen_view, clerk_actions
from domain.usecases.upkeep import run_upkeep
from tests.fakes.context import fake_context
from tests.support import flows

UNIT = "trf1-sjac-02vf"  # Rio Branco, 08-12 and 14-18; default limits
CLERK = "ana.souza@trf1.jus.br"
START = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)  # Monday, 10:00 in Rio Branco
CITIZENS = 100
CALL_EVERY_S = 18  # 100 calls in 30 minutes
START_AFTER_S = 2


@dataclass
class Outcome:
    executions: int
    waiting_hours: float
    latencies: list[float]
    absent: int

    @property
    def per_citizen_hour(self) -> float:
        return self.executions / self.waiting_hours


def simulate(cadence: Callable[[dict[str, object]], float] | None = None) -> Outcome:
    """The scenario of the module docstring; `cadence(answer)` replaces the server's hint."""
    ctx, _ = fake_context()
    clerk = ctx.principal(CLERK)
    now = START
    tickets = [flows.join(ctx, UNIT, now, f"Pessoa Numero {n}") for n in range(CITIZENS)]
    flows.admit_waiting(ctx, now)
    executions = 2 * CITIZENS  # the joins and their admissions
    called_at: dict[str, float] = {}
    seen_at: dict[str, float] = {}
    absent: set[str] = set()
    # Events: (second, order, kind, index). Each page polls within 2 s of joining (phases drawn from a
    # fixed seed, so that polls and calls do not fall on the same instants).
    phases = random.Random(13)  # a simulation's phases, not a secret
    events: list[tuple[float, int, str, int]] = [
        (phases.uniform(0, 2), 1, "poll", i) for i in range(CITIZENS)
    ]
    events += [(k * CALL_EVERY_S + 0.5, 0, "call", k) for k in range(1, CITIZENS + 1)]
    events += [(float(m * 60), 2, "upkeep", m) for m in range(1, 32)]
    heapq.heapify(events)
    current = ""
    while events and len(seen_at) < CITIZENS:
        at, _, kind, index = heapq.heappop(events)
        now = START + timedelta(seconds=at)
        if kind == "call":
            if current:
                clerk_actions.clerk_action(
                    ctx, UNIT, current, clerk_actions.ClerkMove(Action.FINISH), clerk, now
                )
            citizen_view.note_seen(ctx, UNIT, "20261130", f"clerk:{CLERK}", now)
            current = clerk_actions.call_next(ctx, UNIT, clerk, now).ticket_id
            called_at[current] = at
            heapq.heappush(events, (at + START_AFTER_S, 0, "start", 0))
        elif kind == "start":
            clerk_actions.clerk_action(ctx, UNIT, current, clerk_actions.ClerkMove(Action.START), clerk, now)
        elif kind == "upkeep":
            run_upkeep(ctx, now)
        else:
            ticket = tickets[index]
            answer = flows.ticket_json(ctx, ticket, now)
            executions += 1
            if answer["status"] == "absent":
                absent.add(ticket.ticket_id)
            if answer["status"] in ("called", "in_service"):
                seen_at[ticket.ticket_id] = at
                continue
            wait = cadence(answer) if cadence else float(answer["pollAfterSeconds"])
            heapq.heappush(events, (at + wait, 1, "poll", index))
    waited_s = sum(seen_at.values())
    latencies = [seen_at[t] - called_at[t] for t in seen_at]
    return Outcome(executions, waited_s / 3600, latencies, len(absent))


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def run(report: Callable[[str], None], record: Record) -> None:
    report("")
    report("== Adaptive polling: 100 citizens, one clerk calling every 18 s (a simulated 30-minute wait) ==")
    adaptive = simulate()
    fixed = simulate(lambda _answer: 1.5)
    for name, outcome in (("adaptive (pollAfterSeconds)", adaptive), ("fixed every 1.5 s (before)", fixed)):
        report(
            f"  {name}: {outcome.executions} executions over {outcome.waiting_hours:.1f} waiting "
            f"citizen-hours = {outcome.per_citizen_hour:.0f} per citizen-hour; turn seen after the call: "
            f"p95 {p95(outcome.latencies):.1f} s, max {max(outcome.latencies):.1f} s (simulated, "
            f"+ <= 1 s of shared state); marked absent: {outcome.absent}"
        )
    report(f"  ratio fixed / adaptive: {fixed.per_citizen_hour / adaptive.per_citizen_hour:.1f}")
    record("adaptive polling executions per citizen-hour", adaptive.per_citizen_hour)
    record("adaptive polling turn seen p95 s", p95(adaptive.latencies))
    record("adaptive polling citizens marked absent", adaptive.absent)
