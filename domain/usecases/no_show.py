""" "Ausente" (no-show) on a long shift: never before the unit's no-show time unless the clerk confirms.

A called citizen may still be opening the meeting (a phone, a slow connection, the Teams lobby): the
unit's `noShowSeconds` (limits) is how long they are given. Before it runs out, marking the ticket as a
no-show needs an explicit confirmation from the clerk (the console asks); after it, it is allowed at
once. The check reads the queue state fresh (not the shared ≤ 1 s snapshot): a ticket requeued and
called again must be timed from its latest call. Returning a no-show to the line ("Devolver à fila",
today's no-shows in the console: domain/usecases/clerk_queue.py) is the ticket table's
`(no_show, requeue) → waiting` transition; the citizen keeps their arrival time.
"""

from __future__ import annotations

from datetime import datetime

from domain.auth import Principal
from domain.config import UnitConfig
from domain.errors import ConflictError
from domain.queue import QueueState
from domain.tickets import Action, Status
from domain.times import ms
from domain.usecases.clerk_actions import ClerkMove, clerk_action
from domain.usecases.context import Context
from domain.usecases.ticket_moves import clerk_ticket
from domain.usecases.unit_day import ticket_day

CONFIRMED_EARLY = "confirmada pelo servidor antes do prazo"


class NoShowTooEarlyError(ConflictError):
    code = "ausencia-antes-do-prazo"
    default_message = (
        "Ainda está no prazo para a pessoa entrar na sala. Confirme para marcar a ausência agora."
    )


def _minutes_seconds(total_s: int) -> str:
    minutes, seconds = divmod(max(0, total_s), 60)
    if not minutes:
        return f"{seconds} s"
    return f"{minutes} min" if not seconds else f"{minutes} min {seconds:02d} s"


def check_no_show(state: QueueState, short: str, unit: UnitConfig, now_ms: int, confirmed: bool) -> None:
    """Raise NoShowTooEarlyError when a called (not started) ticket is marked absent before its time
    without confirmation. Anything else is left to the ticket's transition table."""
    called = state.called.get(short)
    if called is None or called.started_ms or confirmed:
        return
    due = called.called_ms + unit.limits.no_show_s * 1000
    if now_ms < due:
        waited = (now_ms - called.called_ms) // 1000
        raise NoShowTooEarlyError(
            f"A senha foi chamada há {_minutes_seconds(waited)} e o prazo da unidade para a pessoa entrar "
            f"na sala é de {_minutes_seconds(unit.limits.no_show_s)}. Confirme para marcar a ausência "
            "antes do prazo."
        )


def mark_no_show(
    ctx: Context, unit_id: str, ticket_id: str, clerk: Principal, now: datetime, confirmed: bool
) -> Status:
    """The console's "Ausente": see the module docstring. Returns the ticket's new status."""
    unit, tid = clerk_ticket(ctx, unit_id, ticket_id, clerk)
    state, _ = ctx.store.load(unit.id, ticket_day(tid))
    check_no_show(state, tid.short, unit, ms(now), confirmed)
    early = confirmed and tid.short in state.called
    asked = ClerkMove(Action.NO_SHOW, CONFIRMED_EARLY if early else "")
    return clerk_action(ctx, unit_id, ticket_id, asked, clerk, now)
