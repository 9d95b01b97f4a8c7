"""A use-case `Context` over in-memory fakes of every port (the unit tier: `make test-fast`)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from adapters.calendars import build_calendar
from adapters.worker import PartitionTurns, PresenceBuffer
from domain.auth import Principal
from domain.config import Configuration, UnitConfig, parse_configuration
from domain.contacts import PUSH_HOSTS
from domain.errors import ProviderError, TransientProviderError
from domain.ports import Meeting, MeetingProvider, MeetingRequest, NoticeChannelName, Notification, RoomCensus
from domain.tokens import KeyRing
from domain.usecases.context import Context
from tests.fakes.fake_channels import Channels, RecordingChannel
from tests.fakes.memory_bus import MemoryBus
from tests.fakes.memory_conversations import MemoryConversationStore, RecordingReplies
from tests.fakes.memory_favorites import MemoryFavoriteStore
from tests.fakes.memory_metrics import MemoryMetricsStore
from tests.fakes.memory_records import MemoryUnitRecords
from tests.fakes.memory_retention import MemoryRetentionStore
from tests.fakes.memory_store import MemoryQueueStore

CONFIG_FILE = Path(__file__).resolve().parents[2] / "infra" / "config" / "balcao.json"
KEYS = KeyRing({"k1": b"k" * 32})
T = TypeVar("T")
R = TypeVar("R")


def demo_config(**unit_limits: int) -> Configuration:
    """The demo configuration; `unit_limits` (e.g. maxWaiting=5000) override every unit's limits."""
    raw = json.loads(CONFIG_FILE.read_bytes())
    for unit in raw["units"]:
        unit["limits"] = {**unit.get("limits", {}), **unit_limits}
    return parse_configuration(json.dumps(raw))


class ScriptedMeetings:
    """A meeting provider: one deterministic meeting per ticket id; it can be told to fail."""

    def __init__(self, kind: str = "local", *, offline: bool = False) -> None:
        self.kind = kind
        self.offline = offline  # True: calls make the meeting in their own transaction
        self.created: dict[str, Meeting] = {}
        self.calls: list[MeetingRequest] = []
        self.transient_failures = 0  # the next N calls raise TransientProviderError
        self.broken = ""  # when set, every call raises ProviderError with this message

    def create(self, request: MeetingRequest) -> Meeting:
        self.calls.append(request)
        if self.broken:
            raise ProviderError(self.broken)
        if self.transient_failures:
            self.transient_failures -= 1
            raise TransientProviderError("O serviço de reuniões não respondeu.")
        url = f"https://reuniao.example/{request.ticket_id}"
        return self.created.setdefault(
            request.ticket_id, Meeting(url, self.kind, f"m-{request.ticket_id}", f"{url}?papel=servidor")
        )


class Providers(dict[str, MeetingProvider]):
    def get(self, kind: str, default: MeetingProvider | None = None) -> MeetingProvider | None:  # type: ignore[override]
        return super().get(kind, default)


@dataclass
class RecordingNotifier:
    """Records what it posts; each dedup key once (ClerkNotifier: the real one's window keeps them)."""

    sent: list[tuple[str, list[Notification]]] = field(default_factory=list)
    posted_keys: set[str] = field(default_factory=set)

    def send(self, webhook_url: str, notifications: Sequence[Notification]) -> int:
        fresh = [n for n in notifications if not n.dedup_key or n.dedup_key not in self.posted_keys]
        self.posted_keys.update(n.dedup_key for n in fresh if n.dedup_key)
        if fresh:
            self.sent.append((webhook_url, fresh))
        return len(fresh)

    def cards(self) -> list[Notification]:
        return [n for _, batch in self.sent for n in batch]


@dataclass
class CountingBackoff:
    """Never sleeps; counts the pauses (each is a lost optimistic update)."""

    pauses: int = 0

    def pause(self, attempt: int) -> None:
        self.pauses += 1


class InOrder:
    """Runs tasks one after another (a fake has no threads to spare)."""

    def map(self, task: Any, items: Sequence[Any]) -> list[Any]:
        return [task(item) for item in items]


@dataclass
class Fakes:
    """The fakes behind a context, for tests to set up and inspect."""

    config: Configuration
    store: MemoryQueueStore
    bus: MemoryBus
    appointments: MemoryUnitRecords
    messages: MemoryUnitRecords
    metrics: MemoryMetricsStore
    retention: MemoryRetentionStore
    meetings: ScriptedMeetings
    notifier: RecordingNotifier
    backoff: CountingBackoff
    sightings: PresenceBuffer
    favorites: MemoryFavoriteStore = field(default_factory=MemoryFavoriteStore)
    rooms: dict[str, RoomCensus] = field(default_factory=dict)  # provider kind → its room census
    channels: dict[str, RecordingChannel] = field(default_factory=dict)  # citizen-notice channels by name
    conversations: MemoryConversationStore = field(default_factory=MemoryConversationStore)
    replies: RecordingReplies = field(default_factory=RecordingReplies)

    def clerk(self, email: str) -> Principal:
        return Principal.from_staff(email, self.config)


def fake_context(
    config: Configuration | None = None,
    *,
    always_open: bool = True,
    webhooks: Mapping[str, str] | None = None,
    max_attempts: int = 60,
    channels: tuple[NoticeChannelName, ...] = ("push", "whatsapp", "sms", "email"),
    push_hosts: tuple[str, ...] = PUSH_HOSTS,
) -> tuple[Context, Fakes]:
    """A context over fresh fakes. `webhooks`: unit id → the URL of its Teams channel; `channels`: the
    citizen-notice channels set up (recording fakes)."""
    cfg = config or demo_config()
    store = MemoryQueueStore()
    appointments, messages = MemoryUnitRecords(), MemoryUnitRecords()
    fakes = Fakes(
        config=cfg,
        store=store,
        bus=MemoryBus(),
        appointments=appointments,
        messages=messages,
        metrics=MemoryMetricsStore(store),
        retention=MemoryRetentionStore(store, {"appointments": appointments, "messages": messages}),
        meetings=ScriptedMeetings(),
        notifier=RecordingNotifier(),
        backoff=CountingBackoff(),
        sightings=PresenceBuffer(),
        channels={name: RecordingChannel(name) for name in channels},
    )
    calendars: dict[str, Any] = {}

    def calendar_for(unit: UnitConfig) -> Any:
        if unit.id not in calendars:
            calendars[unit.id] = build_calendar(unit, cfg.court(unit.court))
        return calendars[unit.id]

    hooks = dict(webhooks or {})
    ctx = Context(
        config=lambda: cfg,
        store=store,
        bus=fakes.bus,
        keys=KEYS,
        calendars=calendar_for,
        appointments=appointments,
        messages=messages,
        metrics=fakes.metrics,
        retention=fakes.retention,
        meetings=Providers({"local": fakes.meetings, "teams": fakes.meetings, "jitsi": fakes.meetings}),
        notifier=fakes.notifier,
        webhook_url_for=lambda unit: hooks.get(unit.id),
        sightings=fakes.sightings,
        turns=PartitionTurns(),
        backoff=fakes.backoff,
        tasks=InOrder(),
        worker_id="w1",
        favorites=fakes.favorites,
        room_census=fakes.rooms.get,
        always_open=always_open,
        max_attempts=max_attempts,
        citizen_channels=Channels(fakes.channels),
        push_public_key="BPUBLICKEY-fake" if "push" in channels else "",
        push_hosts=push_hosts,
        conversations=fakes.conversations,
        replies=fakes.replies,
    )
    return ctx, fakes
