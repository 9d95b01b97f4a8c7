"""Calling in a colleague (Res. 372 art. 4): during an attendance (the ticket is called or in service
and its meeting has a link) the clerk invites another clerk of the unit, or a Libras interpreter
registered for the unit's court (staff role `interpreter`), to the same meeting.

The invitation is an Adaptive Card in the unit's Teams channel with the join link (the clerk's link when
the provider gives one) and the invitee's name; it is recorded on the ticket (`invitations`, a JSON
list) and as an `invite` event in the unit-day's event log (the audit trail), in one transaction
guarded by the queue state's ETag, so two invitations at the same time are both kept. The ticket keeps
its status (an `AttendanceEvent`, not a transition).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

from domain.auth import Principal
from domain.config import Configuration, UnitConfig
from domain.errors import ConflictError, InvalidInputError, InvalidTransitionError
from domain.queue import QueueState
from domain.tickets import AttendanceAction, AttendanceEvent, Status, TicketWrite
from domain.times import iso_utc
from domain.usecases.context import Context
from domain.usecases.notices import send_notice
from domain.usecases.ticket_moves import clerk_ticket
from domain.usecases.unit_day import mutate, service_day, ticket_day

INTERPRETER_LABEL = "Intérprete de Libras"
CLERK_LABEL = "Servidor(a) da unidade"
MAX_INVITATIONS = 5


@dataclass(frozen=True)
class Colleague:
    email: str
    name: str
    role: str  # "clerk" | "interpreter"

    @property
    def label(self) -> str:
        return INTERPRETER_LABEL if self.role == "interpreter" else CLERK_LABEL


@dataclass(frozen=True)
class ColleagueOnline:
    email: str
    name: str
    role: str
    role_label: str
    status: str  # online | paused | offline


@dataclass(frozen=True)
class Colleagues:
    colleagues: list[ColleagueOnline]


@dataclass(frozen=True)
class Invitation:
    ticket_id: str
    invitee: Colleague
    join_url: str


def colleagues_of(config: Configuration, unit: UnitConfig, me: str = "") -> list[Colleague]:
    """The unit's other clerks, then the interpreters registered for its court (or for every court)."""
    clerks: list[Colleague] = []
    interpreters: list[Colleague] = []
    for member in config.staff:
        if member.email == me:
            continue
        for role in member.roles:
            if role.role == "clerk" and unit.id in role.units:
                clerks.append(Colleague(member.email, member.name, "clerk"))
                break
            if role.role == "interpreter" and role.court in (unit.court, None):
                interpreters.append(Colleague(member.email, member.name, "interpreter"))
                break
    return sorted(clerks, key=lambda c: c.name) + sorted(interpreters, key=lambda c: c.name)


def list_colleagues(ctx: Context, unit_id: str, clerk: Principal, now: datetime) -> Colleagues:
    unit = ctx.unit(unit_id)
    clerk.require_clerk(unit.id)
    state = ctx.store.peek(unit.id, service_day(unit, now))
    return Colleagues(
        [
            ColleagueOnline(
                c.email,
                c.name,
                c.role,
                c.label,
                state.clerks[c.email].status if c.email in state.clerks else "offline",
            )
            for c in colleagues_of(ctx.config(), unit, clerk.email)
        ]
    )


def invite_colleague(
    ctx: Context, unit_id: str, ticket_id: str, clerk: Principal, email: str, now: datetime
) -> Invitation:
    """Invite a colleague or an interpreter to the attendance's meeting (see the module docstring)."""
    unit, tid = clerk_ticket(ctx, unit_id, ticket_id, clerk)
    wanted = (email or "").strip().lower()
    colleague = next((c for c in colleagues_of(ctx.config(), unit, clerk.email) if c.email == wanted), None)
    if colleague is None:
        raise InvalidInputError(
            "Convide um(a) servidor(a) desta unidade ou um(a) intérprete de Libras do tribunal.",
            fields={"email": "não é colega desta unidade nem intérprete do tribunal"},
        )
    found: dict[str, str] = {}

    def change(state: QueueState) -> tuple[int, list[TicketWrite]]:
        called = state.called.get(tid.short)
        if called is None:
            raise InvalidTransitionError("Só é possível convidar durante o atendimento desta senha.")
        stored = ctx.store.get_ticket(ticket_id) or {}
        link = stored.get("clerkJoinUrl") or stored.get("joinUrl") or called.join_url
        if called.meeting != "ready" or not link:
            raise InvalidTransitionError("A reunião deste atendimento ainda não está pronta. Aguarde o link.")
        invitations: list[dict[str, str]] = json.loads(stored.get("invitations") or "[]")
        if any(i["email"] == colleague.email for i in invitations):
            raise ConflictError(f"{colleague.name} já foi convidado(a) para este atendimento.")
        if len(invitations) >= MAX_INVITATIONS:
            raise ConflictError(f"No máximo {MAX_INVITATIONS} convites por atendimento.")
        invitations.append(
            {"email": colleague.email, "role": colleague.role, "by": clerk.email, "at": iso_utc(now)}
        )
        found["link"] = link
        event = AttendanceEvent(
            ticket_id,
            AttendanceAction.INVITE,
            Status.IN_SERVICE if called.started_ms else Status.CALLED,
            now,
            clerk.email,
            f"convite: {colleague.label.lower()}",
            data={"invitee": colleague.email, "role": colleague.role},
        )
        return len(invitations), [
            TicketWrite(ticket_id, {"invitations": json.dumps(invitations)}, event=event)
        ]

    count = mutate(ctx, unit.id, ticket_day(tid), change)
    inviter = next((m.name for m in ctx.config().staff if m.email == clerk.email), clerk.name)
    digest = hashlib.sha256(colleague.email.encode()).hexdigest()[:10]
    send_notice(
        ctx,
        "colleague_invited",
        unit.id,
        f"invite.{tid.short}.{count}.{digest}",
        ticket_id,
        invitee_name=colleague.name,
        invitee_role=colleague.label,
        invited_by=inviter,
    )
    return Invitation(ticket_id, colleague, found["link"])


def invite_interpreter_if_asked(
    ctx: Context, unit: UnitConfig, ticket_id: str, clerk_email: str, now: datetime
) -> bool:
    """Res. CNJ 401/2021: a citizen who asked for a Libras interpreter when joining gets the court's
    interpreter invited, by the invitation above, as soon as the meeting has its link. Idempotent (a replay
    finds the interpreter invited). False when nothing was asked or the court has no interpreter."""
    interpreter = next(
        (c for c in colleagues_of(ctx.config(), unit, clerk_email) if c.role == "interpreter"), None
    )
    if interpreter is None:
        return False  # checked first: a court without an interpreter costs no read of the ticket
    stored = ctx.store.get_ticket(ticket_id) or {}
    if "libras" not in json.loads(stored.get("accessibility") or "[]"):
        return False
    if any(i["email"] == interpreter.email for i in json.loads(stored.get("invitations") or "[]")):
        return True
    try:
        invite_colleague(ctx, unit.id, ticket_id, ctx.principal(clerk_email), interpreter.email, now)
    except (ConflictError, InvalidTransitionError):
        pass  # invited meanwhile, or the attendance ended: nothing more to do
    return True
