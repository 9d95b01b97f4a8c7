"""Who is asking: the staff principal (from Easy Auth) and what each role may do.

Citizens are not principals: they hold a ticket token (`domain/tokens.py`).
"""

from __future__ import annotations

from dataclasses import dataclass

from domain.config import Configuration
from domain.errors import ForbiddenError, UnauthenticatedError


@dataclass(frozen=True)
class Principal:
    email: str
    name: str
    clerk_units: frozenset[str] = frozenset()
    manager_courts: frozenset[str] = frozenset()
    interpreter_courts: frozenset[str] = frozenset()
    admin: bool = False

    @staticmethod
    def from_staff(email: str, config: Configuration) -> Principal:
        """The staff configuration is the source of roles; an unknown e-mail has none."""
        email = (email or "").strip().lower()
        if not email:
            raise UnauthenticatedError("Entre com sua conta institucional para continuar.")
        member = next((m for m in config.staff if m.email == email), None)
        if member is None:
            return Principal(email=email, name=email)
        units: set[str] = set()
        courts: set[str] = set()
        interp: set[str] = set()
        admin = False
        for role in member.roles:
            if role.role == "clerk":
                units.update(role.units)
            elif role.role == "court_manager" and role.court:
                courts.add(role.court)
            elif role.role == "interpreter" and role.court:
                interp.add(role.court)
            elif role.role == "admin":
                admin = True
        return Principal(email, member.name, frozenset(units), frozenset(courts), frozenset(interp), admin)

    def can_serve(self, unit_id: str) -> bool:
        return unit_id in self.clerk_units

    def can_read_unit(self, unit_id: str, court_id: str) -> bool:
        return self.admin or unit_id in self.clerk_units or court_id in self.manager_courts

    def require_clerk(self, unit_id: str) -> None:
        if not self.can_serve(unit_id):
            raise ForbiddenError("Você não está designado(a) para atender nesta unidade.")
