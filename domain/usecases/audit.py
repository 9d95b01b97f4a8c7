"""The audit trail of a unit's service day: who did what to which ticket, when, and why.

Every transition of a ticket is stored as an event in the unit-day partition, in the same transaction as
the change itself (`TicketWrite.event`), so the trail cannot miss a committed action. This use case reads
it back for the court's managers and the administrators: clerk actions (call, start, finish, no-show,
requeue, transfer) with the clerk's e-mail and reason, and the citizen's and the system's events around
them (admission, leaving, expiry), so that the order of service can be checked against the order of
arrival (DESIGN §6).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from domain.auth import Principal
from domain.errors import ForbiddenError, InvalidInputError, UnitNotFoundError
from domain.times import day_of
from domain.usecases.citizen_view import UnitRef
from domain.usecases.context import Context

ACTION_LABELS = {
    "admit": "entrada na fila",
    "reject": "recusa da entrada",
    "call": "chamada",
    "start": "início do atendimento",
    "finish": "fim do atendimento",
    "leave": "desistência",
    "mark_absent": "ausência detectada",
    "return": "retorno à fila",
    "expire": "expiração",
    "no_show": "não compareceu",
    "requeue": "devolução à fila",
    "transfer": "transferência",
    "close": "encerramento",
}
WHO_LABELS = {"citizen": "cidadão(ã)", "system": "sistema", "": "sistema"}


@dataclass(frozen=True)
class AuditEntry:
    at: datetime  # in the unit's time zone
    who: str  # the clerk's e-mail, "citizen" or "system"
    action: str
    ticket_id: str
    reason: str
    status: str


@dataclass(frozen=True)
class AuditUnit(UnitRef):
    court: str  # the court's id (the auditors are its managers)


@dataclass(frozen=True)
class AuditDay:
    unit: AuditUnit
    day: date
    timezone: str
    entries: tuple[AuditEntry, ...]


def parse_day(text: str, default: date) -> date:
    """`YYYYMMDD` (the partition's day), or `default` when empty."""
    text = (text or "").strip()
    if not text:
        return default
    try:
        return day_of(text)
    except ValueError:
        raise InvalidInputError(
            "Informe o dia no formato AAAAMMDD (por exemplo, 20260302).", fields={"day": "use AAAAMMDD"}
        ) from None


def require_auditor(who: Principal, court_id: str) -> None:
    """Administrators, and the managers of the unit's court; nobody else (clerks included)."""
    if not (who.admin or court_id in who.manager_courts):
        raise ForbiddenError("A trilha de auditoria é restrita à gestão do tribunal e à administração.")


def audit_day(ctx: Context, who: Principal, unit_id: str, day_text: str, now: datetime) -> AuditDay:
    """The unit-day's events in time order. `day_text` empty means today in the unit's time zone."""
    unit_id = (unit_id or "").strip()
    if not unit_id:
        raise InvalidInputError("Informe a unidade (unit).", fields={"unit": "obrigatório"})
    unit = ctx.config().unit(unit_id)
    if unit is None:
        if not who.admin:  # do not tell others which ids exist beyond the public directory
            require_auditor(who, "")
        raise UnitNotFoundError()
    require_auditor(who, unit.court)
    zone = ZoneInfo(unit.timezone)
    day = parse_day(day_text, now.astimezone(zone).date())
    rows = ctx.store.list_events(unit.id, f"{day:%Y%m%d}")
    entries = sorted((_entry(row, zone) for row in rows), key=lambda e: (e.at, e.ticket_id))
    return AuditDay(AuditUnit(unit.id, unit.name, unit.court), day, unit.timezone, tuple(entries))


def _entry(row: Mapping[str, Any], zone: ZoneInfo) -> AuditEntry:
    at = datetime.fromisoformat(str(row.get("at", "")))
    return AuditEntry(
        at=at.astimezone(zone),
        who=str(row.get("by", "") or "system"),
        action=str(row.get("action", "")),
        ticket_id=str(row.get("ticketId", "")),
        reason=str(row.get("reason", "") or ""),
        status=str(row.get("status", "") or ""),
    )
