"""The ports a use case may talk to, in one frozen dataclass built once by the composition root
(functions/bootstrap.py; tests/fakes builds one over in-memory fakes).

A new port is a new field here (with its Protocol in domain/ports.py) and an argument of the
composition root; use cases reach it as `ctx.<port>`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from domain.auth import Principal
from domain.config import Configuration, UnitConfig
from domain.contacts import PUSH_HOSTS
from domain.conversation.ports import ConversationStore, TextReplies
from domain.errors import UnitNotFoundError
from domain.ports import (
    Backoff,
    Calendar,
    CitizenChannels,
    ClerkNotifier,
    FavoriteStore,
    MeetingProviders,
    MessageBus,
    MetricsStore,
    QueueStore,
    RetentionStore,
    RoomCensus,
    Sightings,
    TaskRunner,
    Turns,
    UnitRecords,
)
from domain.tokens import KeyRing

# The citizen's pages of the records followed by a link (site/assets/js/stored.js `appointmentLink`,
# `messageLink`): page, query parameter of the id. The token goes in the fragment.
RECORD_PAGES = {"appointment": ("agendar.html", "agendamento"), "message": ("mensagem.html", "mensagem")}


@dataclass(frozen=True)
class Context:
    """Everything the use cases need. `always_open` keeps every unit open (demos); `max_attempts`
    bounds the retries of an optimistic update (domain/usecases/unit_day.py)."""

    config: Callable[[], Configuration]
    store: QueueStore
    bus: MessageBus
    keys: KeyRing
    calendars: Callable[[UnitConfig], Calendar]
    appointments: UnitRecords
    messages: UnitRecords
    metrics: MetricsStore
    retention: RetentionStore
    meetings: MeetingProviders
    notifier: ClerkNotifier
    webhook_url_for: Callable[[UnitConfig], str | None]
    sightings: Sightings
    turns: Turns
    backoff: Backoff
    tasks: TaskRunner
    worker_id: str
    favorites: FavoriteStore
    room_census: Callable[[str], RoomCensus | None]  # by meeting provider kind (domain/usecases/rooms.py)
    always_open: bool = False
    max_attempts: int = 60
    # Citizen notices (issue 13): the channels set up in this deployment (None: none), the VAPID public
    # key the pages subscribe with, the push services' hosts a subscription may name, and the citizen's
    # own page of a ticket (unit, ticket id, token → URL; made at the edge, the token in the fragment).
    citizen_channels: CitizenChannels | None = None
    push_public_key: str = ""
    push_hosts: tuple[str, ...] = PUSH_HOSTS
    citizen_page: Callable[[str, str, str], str] = lambda unit, ticket, token: (
        f"/entrar.html#u={unit}&t={ticket}.{token}"
    )
    # The page of a record the citizen follows ("appointment" | "message", its id, its token), for the
    # reminder and the reply notices: the token in the fragment only.
    record_page: Callable[[str, str, str], str] = lambda page, record, token: (
        f"/{RECORD_PAGES[page][0]}?{RECORD_PAGES[page][1]}={record}#t={token}"
    )
    # The conversation over WhatsApp (issue 18): its states and the free-form replies (None: not set up).
    conversations: ConversationStore | None = None
    replies: TextReplies | None = None

    def unit(self, unit_id: str) -> UnitConfig:
        unit = self.config().unit(unit_id)
        if unit is None:
            raise UnitNotFoundError()
        return unit

    def principal(self, email: str) -> Principal:
        return Principal.from_staff(email, self.config())
