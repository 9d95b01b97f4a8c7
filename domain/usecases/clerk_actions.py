"""What a clerk does to the line: call the next citizen (by the law's order) or a specific one (saying
why), start, finish, mark a no-show, requeue, transfer, and say whether they are online.

A call is atomic (one transaction guarded by the unit-day state's ETag): two clerks never get the same
citizen. Every call that is not the head of the line records why (DESIGN §6).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from domain.auth import Principal
from domain.config import UnitConfig
from domain.errors import InvalidInputError, InvalidTransitionError, TicketNotFoundError
from domain.ordering import CLASS_LABELS, Entry
from domain.people import CLERK_REASON_MAX
from domain.ports import MEETING_QUEUE
from domain.queue import CLERK_STATUSES, QueueState, display_number, order_reason
from domain.tickets import Action, Status, TicketId, TicketWrite, move
from domain.times import iso_utc, ms
from domain.usecases.context import Context
from domain.usecases.ticket_moves import transition_ticket
from domain.usecases.unit_day import mutate, service_day, ticket_day
from domain.validation import clean_text

CLERK_ACTIONS = frozenset({Action.START, Action.FINISH, Action.NO_SHOW, Action.REQUEUE, Action.TRANSFER})


@dataclass(frozen=True)
class CallResult:
    ticket_id: str
    display_number: str
    priority: str
    out_of_order_reason: str


def clerk_ticket(ctx: Context, unit_id: str, ticket_id: str, clerk: Principal) -> tuple[UnitConfig, TicketId]:
    """The unit (which the clerk must serve) and a ticket of that unit, or the matching error."""
    unit = ctx.unit(unit_id)
    clerk.require_clerk(unit.id)
    tid = TicketId.parse(ticket_id)
    if tid.unit_id != unit.id:
        raise TicketNotFoundError()
    return unit, tid


def clerk_reason(reason: str) -> str:
    return clean_text(reason, field="reason", label="o motivo", max_len=CLERK_REASON_MAX, required=False)


def call_next(ctx: Context, unit_id: str, clerk: Principal, now: datetime, category: str = "") -> CallResult:
    """Call the head of the line (by the unit's policy) atomically; then ask for a meeting."""
    unit = ctx.unit(unit_id)
    clerk.require_clerk(unit.id)
    policy = unit.ordering.policy()

    def change(state: QueueState) -> tuple[CallResult, list[TicketWrite]]:
        entry = state.next_to_call(policy, category)
        return call_entry(state, unit, entry, clerk, now, order_reason(state, entry, category))

    result = mutate(ctx, unit.id, service_day(unit, now), change)
    ctx.bus.send(MEETING_QUEUE, {"ticketId": result.ticket_id})
    return result


def call_ticket(
    ctx: Context, unit_id: str, ticket_id: str, clerk: Principal, now: datetime, reason: str = ""
) -> CallResult:
    """Call a specific ticket. When it is not the head of the line the clerk must say why."""
    unit, tid = clerk_ticket(ctx, unit_id, ticket_id, clerk)
    reason = clerk_reason(reason)
    policy = unit.ordering.policy()

    def change(state: QueueState) -> tuple[CallResult, list[TicketWrite]]:
        entry = state.find(tid.short)
        if entry is None:
            if tid.short in state.called:
                raise InvalidTransitionError("Esta senha já foi chamada.")
            raise TicketNotFoundError("Esta senha não está aguardando na fila.")
        order = state.order(policy)
        is_head = bool(order) and order[0].short == entry.short
        if not is_head and not reason:
            raise InvalidInputError(
                "Informe o motivo para chamar fora da ordem da fila.",
                fields={"reason": "obrigatório quando a senha não é a próxima da fila"},
            )
        why = order_reason(state, entry, "") if is_head else f"servidor: {reason}"
        return call_entry(state, unit, entry, clerk, now, why)

    result = mutate(ctx, unit.id, ticket_day(tid), change)
    ctx.bus.send(MEETING_QUEUE, {"ticketId": result.ticket_id})
    return result


def call_entry(
    state: QueueState, unit: UnitConfig, entry: Entry, clerk: Principal, now: datetime, reason: str
) -> tuple[CallResult, list[TicketWrite]]:
    """Take `entry` out of the line as called by `clerk` (the change of a call)."""
    ticket_id = f"{unit.id}.{state.day}.{entry.short}"
    display = display_number(entry)
    current = Status.ABSENT if entry.absent_since_ms else Status.WAITING
    wait_s = max(0, (ms(now) - entry.arrived_ms) // 1000)
    write = move(
        ticket_id,
        current,
        Action.CALL,
        now,
        clerk.email,
        reason,
        {"waitSeconds": wait_s, "klass": int(entry.klass)},
        fields={
            "calledAt": iso_utc(now),
            "calledBy": clerk.email,
            "callReason": reason,
            "meetingStatus": "pending",
            "waitSeconds": wait_s,
        },
    )
    state.call(entry.short, clerk.email, ms(now), unit.ordering.policy(), display)
    state.set_clerk(clerk.email, "online", ms(now))
    return CallResult(ticket_id, display, CLASS_LABELS[entry.klass], reason), [write]


@dataclass(frozen=True)
class ClerkMove:
    """What a clerk asks of a ticket: the action, why (optional), and a transfer's target unit."""

    action: Action
    reason: str = ""
    target_unit: str = ""


def clerk_action(
    ctx: Context, unit_id: str, ticket_id: str, asked: ClerkMove, clerk: Principal, now: datetime
) -> Status:
    """start / finish / no-show / requeue / transfer on a called (or no-show) ticket."""
    unit, tid = clerk_ticket(ctx, unit_id, ticket_id, clerk)
    if asked.action not in CLERK_ACTIONS:
        raise InvalidTransitionError("Ação não permitida ao(à) servidor(a).")
    if asked.action == Action.TRANSFER:
        target = ctx.unit(asked.target_unit)
        if not target.active or target.id == unit.id:
            raise InvalidInputError(
                "Escolha outra unidade ativa para a transferência.", fields={"targetUnit": "unidade inválida"}
            )
    reason = clerk_reason(asked.reason)
    return transition_ticket(
        ctx, tid, asked.action, clerk.email, now, reason=reason, target_unit=asked.target_unit
    )


def set_presence(ctx: Context, unit_id: str, clerk: Principal, status: str, now: datetime) -> None:
    unit = ctx.unit(unit_id)
    clerk.require_clerk(unit.id)
    if status not in CLERK_STATUSES:
        raise InvalidInputError("Situação inválida.", fields={"status": "use online, paused ou offline"})

    def change(state: QueueState) -> tuple[None, list[TicketWrite]]:
        state.set_clerk(clerk.email, status, ms(now))
        return None, []

    mutate(ctx, unit.id, service_day(unit, now), change)
