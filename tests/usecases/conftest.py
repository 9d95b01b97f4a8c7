"""The unit tier's shared set-up: a use-case context over fresh fakes (tests/fakes/), the clock of a
working Monday in Rio Branco, and shortcuts for what citizens and clerks do."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from domain.auth import Principal
from domain.tickets import Action
from domain.usecases import clerk_actions, joining
from domain.usecases.context import Context
from tests.fakes.context import Fakes, fake_context
from tests.support import flows

UNIT = "trf1-sjac-01vf"  # Rio Branco (UTC-5): categories "partes" and "advogados"
OTHER = "trf1-sjac-02vf"  # Ana serves both
FAR = "tjam-tefe-vu"  # another court; Elisa serves it
DAY = "20261130"
NOW = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)  # Monday, 10:00 in Rio Branco
ANA = "ana.souza@trf1.jus.br"
BRUNO = "bruno.lima@trf1.jus.br"  # serves UNIT only
ELISA = "elisa.prado@tjam.jus.br"
MANAGER = "fabio.nunes@trf1.jus.br"  # court manager of trf1
ADMIN = "gestao@balcao.jus.br"


@dataclass
class World:
    """A context over fakes, with a clock that moves one second per action unless told otherwise."""

    ctx: Context
    fakes: Fakes
    now: datetime = NOW

    def tick(self, seconds: float = 1) -> datetime:
        self.now += timedelta(seconds=seconds)
        return self.now

    def who(self, email: str) -> Principal:
        return self.ctx.principal(email)

    def join(self, name: str = "Ana Maria", unit: str = UNIT, **extra: Any) -> joining.JoinAccepted:
        return flows.join(self.ctx, unit, self.tick(), name, **extra)

    def admit(self) -> dict[str, str]:
        return flows.admit_waiting(self.ctx, self.now)

    def arrive(self, name: str = "Ana Maria", unit: str = UNIT, **extra: Any) -> joining.JoinAccepted:
        """Joined and admitted."""
        accepted = self.join(name, unit, **extra)
        self.admit()
        return accepted

    def view(self, ticket: joining.JoinAccepted) -> dict[str, Any]:
        return flows.ticket_json(self.ctx, ticket, self.tick())

    def call(
        self, ticket: joining.JoinAccepted, clerk: str = ANA, reason: str = "teste"
    ) -> clerk_actions.CallResult:
        unit = ticket.unit_id
        return clerk_actions.call_ticket(
            self.ctx, unit, ticket.ticket_id, self.who(clerk), self.tick(), reason
        )

    def act(self, ticket: joining.JoinAccepted, action: Action, clerk: str = ANA, **more: str) -> str:
        asked = clerk_actions.ClerkMove(action, **more)
        unit = ticket.unit_id
        return clerk_actions.clerk_action(
            self.ctx, unit, ticket.ticket_id, asked, self.who(clerk), self.tick()
        )

    def stored(self, ticket: joining.JoinAccepted | str) -> dict[str, Any]:
        ticket_id = ticket if isinstance(ticket, str) else ticket.ticket_id
        found = self.ctx.store.get_ticket(ticket_id)
        assert found is not None, ticket_id
        return found


@pytest.fixture
def world() -> Iterator[World]:
    ctx, fakes = fake_context()
    yield World(ctx, fakes)
