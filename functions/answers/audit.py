"""The answer of the audit trail (`format=json`)."""

from __future__ import annotations

from domain.usecases.audit import AuditDay
from functions.answers import answer_of

AuditTrail = answer_of(AuditDay, "AuditTrail")
