"""The answer of the audit trail (`format=json`)."""

from __future__ import annotations

from pydantic import Field

from domain.usecases.audit import AuditDay
from functions.answers import Answer, iso


class AuditUnit(Answer):
    id: str
    name: str
    court: str


class AuditEntry(Answer):
    at: str = Field(description="No fuso da unidade")
    who: str = Field(description="E-mail do(a) servidor(a), citizen ou system")
    action: str
    ticket_id: str = Field(serialization_alias="ticketId")
    reason: str
    status: str


class AuditTrail(Answer):
    unit: AuditUnit
    day: str
    timezone: str
    entries: list[AuditEntry]

    @staticmethod
    def of(t: AuditDay) -> AuditTrail:
        return AuditTrail(
            unit=AuditUnit(id=t.unit_id, name=t.unit_name, court=t.court_id),
            day=f"{t.day:%Y-%m-%d}",
            timezone=t.timezone,
            entries=[
                AuditEntry(
                    at=iso(e.at),
                    who=e.who,
                    action=e.action,
                    ticket_id=e.ticket_id,
                    reason=e.reason,
                    status=e.status,
                )
                for e in t.entries
            ],
        )
