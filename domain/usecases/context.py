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
from domain.errors import UnitNotFoundError
from domain.ports import (
    Backoff,
    Calendar,
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

    def unit(self, unit_id: str) -> UnitConfig:
        unit = self.config().unit(unit_id)
        if unit is None:
            raise UnitNotFoundError()
        return unit

    def principal(self, email: str) -> Principal:
        return Principal.from_staff(email, self.config())
