"""What the per-minute timer does for each unit: enforce the hours, notice who left, raise coverage
alerts (Res. 372 art. 3: the counter works during the whole of the unit's opening hours, and only then).

All three read the same unit-day state, so they run together: one state read and one heartbeat query
per unit per minute, and a write only when something changes.

- **Closing.** When the unit closes for the rest of its service day (a lunch break is not a closing:
  the line is kept and joining is refused until it reopens), its closing policy applies:
  `serve_waiting` (default) keeps serving whoever is in line for up to `overtimeMinutes`, as at a
  physical counter, then closes what is left; `close_queue` closes the line at once. Closed tickets are
  told so, with the unit's alternatives, on the citizen's page.
- **Stale entries.** A waiting citizen whose page has not been seen for `absentAfterSeconds` becomes
  absent and keeps the place for `graceSeconds` (the place is restored as soon as the page polls again);
  after that the ticket expires. A called citizen whose attendance has not started within
  `noShowSeconds` is marked no-show. A clerk whose console has not been seen for `CLERK_STALE_S` is
  set offline.
- **Coverage.** An open unit with nobody online for `coverageAlertMinutes`, or with someone waiting
  and nobody online, alerts its Teams channel once per episode.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from domain.config import UnitConfig
from domain.ordering import Entry
from domain.presence import merge
from domain.queue import QueueState, put_back
from domain.tickets import Action, Status, TicketWrite, move
from domain.times import iso_utc, ms
from domain.usecases.citizen_notices import mark_near_front, queue_citizen_notice, tell_near
from domain.usecases.context import Context
from domain.usecases.notices import send_notice
from domain.usecases.unit_day import NoChange, mutate, service_day

CLERK_STALE_S = 300
MAX_PER_COMMIT = 45  # two operations per ticket (ticket + event) plus the state: ≤ 100


@dataclass
class UpkeepReport:
    unit_id: str
    day: str
    open_now: bool
    transitions: dict[str, int] = field(default_factory=dict)
    alerted: bool = False


def run_upkeep(ctx: Context, now: datetime) -> list[UpkeepReport]:
    """The per-minute pass over every active unit (today's service day, and yesterday's while it
    still has people in line: a unit's day may end after UTC midnight)."""
    reports = []
    for unit in ctx.config().units:
        if not unit.active:
            continue
        today = service_day(unit, now)
        yesterday = service_day(unit, now - timedelta(days=1))
        if yesterday != today:
            old = ctx.store.peek(unit.id, yesterday, max_age_s=300.0)
            if old.line or old.called or (old.seq and old.closed != "closed"):
                reports.append(upkeep_unit(ctx, unit, yesterday, now))
        reports.append(upkeep_unit(ctx, unit, today, now))
    return reports


def upkeep_unit(ctx: Context, unit: UnitConfig, day: str, now: datetime) -> UpkeepReport:
    calendar = ctx.calendars(unit)
    is_today = day == service_day(unit, now)
    open_now = is_today and (ctx.always_open or calendar.is_open(now))
    day_over = not is_today or (not open_now and _closed_for_the_day(ctx, unit, day, now))
    seen = merge(ctx.store.read_heartbeats(unit.id, day))
    report = UpkeepReport(unit.id, day, open_now)
    now_ms = ms(now)

    notices = ctx.config().notices_for(unit)
    put_back_ids: list[str] = []
    near: list[str] = []

    def change(state: QueueState) -> tuple[bool, list[TicketWrite]]:
        writes: list[TicketWrite] = []
        dirty = False
        put_back_ids.clear()  # of an attempt that lost to another writer, or of the last round
        near.clear()

        def record(short: str, current: Status, action: Action, reason: str) -> None:
            ticket_id = f"{unit.id}.{day}.{short}"
            writes.append(
                move(
                    ticket_id,
                    current,
                    action,
                    now,
                    "system",
                    reason,
                    fields={f"{action.value}At": iso_utc(now)},
                )
            )
            report.transitions[action.value] = report.transitions.get(action.value, 0) + 1

        # 1. Closing policy, once the service day is over.
        if day_over and not state.closed:
            state.closed = "closed" if unit.closing_policy == "close_queue" else "serving"
            state.closed_at_ms = now_ms
            dirty = True
        elif open_now and state.closed:  # reopened (a closure lifted, hours changed)
            state.closed, state.closed_at_ms = "", 0
            dirty = True
        overtime_over = (
            state.closed == "serving" and now_ms - state.closed_at_ms >= unit.limits.overtime_min * 60_000
        )
        if state.closed == "closed" or overtime_over:
            for entry in list(state.line)[:MAX_PER_COMMIT]:
                record(entry.short, line_status(entry), Action.CLOSE, f"encerramento ({unit.closing_policy})")
                state.remove(entry.short)
            if not state.line and state.closed != "closed":
                state.closed = "closed"
                dirty = True

        # 2. Stale entries.
        for entry in list(state.line):
            if len(writes) >= MAX_PER_COMMIT:
                break
            last = max(seen.get(entry.short, 0), entry.arrived_ms)
            if state.reachable(entry.short):  # told off the page: never absent for silence (DESIGN §6)
                if entry.absent_since_ms:  # absent before choosing a channel: back in line
                    record(entry.short, Status.ABSENT, Action.RETURN, "pode ser avisado(a) fora da página")
                    state.remove(entry.short)
                    state.restore(entry)
                continue
            if not entry.absent_since_ms and now_ms - last >= unit.limits.absent_after_s * 1000:
                record(entry.short, Status.WAITING, Action.MARK_ABSENT, "página sem atualizar")
                state.mark_absent(entry.short, now_ms)
            elif entry.absent_since_ms and seen.get(entry.short, 0) > entry.absent_since_ms:
                record(entry.short, Status.ABSENT, Action.RETURN, "voltou a acompanhar a fila")
                state.remove(entry.short)
                state.restore(entry)
            elif entry.absent_since_ms and now_ms - entry.absent_since_ms >= unit.limits.grace_s * 1000:
                record(entry.short, Status.ABSENT, Action.EXPIRE, "ausente além da tolerância")
                state.remove(entry.short)
        for short, called in list(state.called.items()):
            if len(writes) >= MAX_PER_COMMIT:
                break
            if not called.started_ms and now_ms - called.called_ms >= unit.limits.no_show_s * 1000:
                reach = state.reach_of(short)
                if reach.put_back < notices.put_back_times and not state.closed:
                    order = state.order(unit.ordering.policy())
                    state.take_called(short)
                    state.restore(put_back(called.entry, notices.put_back_places, order))
                    reach.put_back, reach.near_ms, reach.here_ms = reach.put_back + 1, 0, 0
                    state.reach[short] = reach
                    places = f"{notices.put_back_places} lugares atrás"
                    record(short, Status.CALLED, Action.REQUEUE, f"não entrou a tempo: voltou {places}")
                    writes[-1] = replace(
                        writes[-1], fields={**writes[-1].fields, "putBackPlaces": notices.put_back_places}
                    )
                    put_back_ids.append(f"{unit.id}.{day}.{short}")
                    continue
                record(short, Status.CALLED, Action.NO_SHOW, "não entrou no atendimento a tempo")
                state.take_called(short)
        for email, clerk in state.clerks.items():
            last_seen = max(clerk.seen_ms, seen.get(f"clerk:{email}", 0))
            if clerk.status != "offline" and now_ms - last_seen >= CLERK_STALE_S * 1000:
                state.set_clerk(email, "offline", now_ms)
                dirty = True

        # Reachable citizens who came near the front (the line moved, or they were put back).
        near.extend(mark_near_front(ctx, state, unit, now) if not day_over else [])
        dirty = dirty or bool(near)

        # 3. Coverage.
        if open_now and state.clerks_online() == 0:
            if not state.unattended_since_ms:
                state.unattended_since_ms, state.unattended_alerted = now_ms, False
                dirty = True
            unattended_min = (now_ms - state.unattended_since_ms) / 60_000
            if not state.unattended_alerted and (
                unattended_min >= unit.limits.coverage_alert_min
                or (state.waiting_count() and unattended_min >= 1)
            ):
                state.unattended_alerted = True
                report.alerted = dirty = True
        elif state.unattended_since_ms:
            state.unattended_since_ms, state.unattended_alerted = 0, False
            dirty = True

        if not writes and not dirty:
            raise NoChange(False)
        more = bool(writes) and len(writes) >= MAX_PER_COMMIT
        return more, writes

    more = True
    while more:  # more than one transaction's worth of transitions: go again
        more = mutate(ctx, unit.id, day, change)
        for ticket_id in put_back_ids:
            queue_citizen_notice(
                ctx, "put_back", ticket_id, f"put_back.{ticket_id.rpartition('.')[2]}.{now_ms}"
            )
        tell_near(ctx, near)
    if report.alerted:
        state = ctx.store.peek(unit.id, day, max_age_s=0.0)
        send_notice(
            ctx,
            "no_clerk_online",
            unit.id,
            f"nobody.{state.unattended_since_ms}",
            waiting_count=state.waiting_count(),
            minutes_unattended=max(0, (now_ms - state.unattended_since_ms) // 60_000),
        )
    return report


def line_status(entry: Entry) -> Status:
    return Status.ABSENT if entry.absent_since_ms else Status.WAITING


def _closed_for_the_day(ctx: Context, unit: UnitConfig, day: str, now: datetime) -> bool:
    """Closed now and not opening again within the same service day (a break is not a closing)."""
    opening = ctx.calendars(unit).next_opening(now)
    return opening is None or service_day(unit, opening) != day
