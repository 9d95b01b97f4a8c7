"""The URLs the answers and the cards carry, made here (the domain hands out ids, never URLs)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from domain.ports import ClerkNotifier, Notification
from domain.usecases.context import RECORD_PAGES


@dataclass(frozen=True)
class Links:
    base: str  # BALCAO_PUBLIC_BASE_URL, without the trailing slash

    def ticket(self, ticket_id: str) -> str:
        return f"{self.base}/api/tickets/{ticket_id}"

    def appointment(self, appointment_id: str) -> str:
        return f"{self.ticket(appointment_id)}/appointment"

    def message(self, message_id: str) -> str:
        return f"{self.ticket(message_id)}/message"

    def unit_page(self, unit_id: str) -> str:
        return f"{self.base}/?unidade={unit_id}"

    def citizen_page(self, unit_id: str, ticket_id: str, token: str) -> str:
        """The citizen's own page of a ticket, for notices: the token only in the fragment (never sent
        to a server, so never in a server log)."""
        return f"{self.base}/entrar.html#u={unit_id}&t={ticket_id}.{token}"

    def record_page(self, page: str, record_id: str, token: str) -> str:
        """The citizen's page of an appointment or a message (`RECORD_PAGES`), the token only in the
        fragment."""
        name, param = RECORD_PAGES[page]
        return f"{self.base}/{name}?{param}={record_id}#t={token}"

    def console(self, unit_id: str) -> str:
        return f"{self.base}/servidor.html?unidade={unit_id}"


class WithConsoleLinks:
    """A `ClerkNotifier` that gives every card the link to the unit's clerk console."""

    def __init__(self, notifier: ClerkNotifier, links: Links) -> None:
        self._notifier = notifier
        self._links = links

    def send(self, webhook_url: str, notifications: Sequence[Notification]) -> int:
        return self._notifier.send(
            webhook_url,
            [
                replace(n, data={"console_url": self._links.console(n.unit_id), **n.data})
                for n in notifications
            ],
        )
