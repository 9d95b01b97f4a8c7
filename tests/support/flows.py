"""Shortcuts over the use cases for tests of both tiers (fakes and Azurite): join, admit what waits,
and read an answer as the API would serve it (the presenters of functions/answers)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from domain.ports import JOIN_QUEUE
from domain.usecases import admission, citizen_view, joining
from domain.usecases.context import Context
from functions.answers import dump
from functions.answers.tickets import ticket_view
from functions.links import Links

LINKS = Links("http://balcao.test")


def join(
    ctx: Context, unit: str, at: datetime, name: str = "Ana Maria", **extra: Any
) -> joining.JoinAccepted:
    data: dict[str, Any] = {"name": name, "role": "parte", "reason": "orientacao", "consent": True, **extra}
    if unit == "trf1-sjac-01vf":
        data.setdefault("category", "partes")
    return joining.accept_join(ctx, unit, joining.JoinInput(**data), at)


def admit_waiting(ctx: Context, at: datetime) -> dict[str, str]:
    """What the admission function does with everything waiting in `join-requests`."""
    outcome: dict[str, str] = {}
    while True:
        batch = ctx.bus.drain(JOIN_QUEUE, 32)  # type: ignore[attr-defined]
        if not batch.items:
            return outcome
        outcome.update(admission.admit(ctx, [m.payload for m in batch.items], at))
        batch.complete()


def ticket_json(ctx: Context, ticket: joining.JoinAccepted | tuple[str, str], at: datetime) -> dict[str, Any]:
    """The citizen's poll, as `GET /api/tickets/{ticket}` answers it."""
    ticket_id, token = ticket if isinstance(ticket, tuple) else (ticket.ticket_id, ticket.token)
    return dump(ticket_view(citizen_view.ticket_view(ctx, ticket_id, token, at), LINKS))
