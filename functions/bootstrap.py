"""The composition root: every port, the clock and the settings in one frozen `Bootstrap`, built lazily
on first use and once per process; `reset()` forgets it (tests start several hosts in one process).

Nothing here runs at import time (an exception while importing `function_app.py` makes Azure report
"no job functions found" and nothing else). Handlers call `get()` for the ports and `now()` for the
time; tests replace the clock with `set_clock` and adapters with `replaced(...)`.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import cache
from urllib.parse import urlsplit

from adapters.calendars import Calendars
from adapters.config_source import BlobConfigSource, CachedConfiguration, TableConfigStore
from adapters.favorites_table import TableFavoriteStore
from adapters.limits_table import TableLimits
from adapters.metrics_store import TableMetricsStore
from adapters.notice_whatsapp import ChannelReplies, TableConversationStore
from adapters.queues import StorageQueueBus
from adapters.records_table import APPOINTMENTS_TABLE, MESSAGES_TABLE, TableUnitRecords
from adapters.retention_store import TableRetentionStore
from adapters.storage import blob_service, queue_service, table_service
from adapters.tables import TableQueueStore
from adapters.worker import process_parts
from domain.config import Configuration
from domain.contacts import PUSH_HOSTS
from domain.ports import (
    BatchBus,
    CitizenChannel,
    ClerkNotifier,
    ConfigFile,
    ConfigStore,
    Configurations,
    MeetingProvider,
    RoomCensus,
)
from domain.ratelimit import Rate
from domain.tokens import KeyRing
from domain.usecases.context import Context
from functions.limits import Limiter
from functions.links import Links, WithConsoleLinks
from functions.proof import Proofs
from functions.settings import Settings
from functions.teams_sso import TeamsSignIn

log = logging.getLogger("balcao")

Clock = Callable[[], datetime]
ProviderFactory = Callable[[Settings], MeetingProvider]
NotifierFactory = Callable[[Settings], ClerkNotifier]
ChannelFactory = Callable[[Settings], Mapping[str, CitizenChannel]]


def system_clock() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Bootstrap:
    """Everything the handlers use: the use cases' ports (`context`) and what only the edge needs."""

    settings: Settings
    clock: Clock
    context: Context
    bus: BatchBus  # the same bus as `context.bus`, with batch draining for the queue handlers
    config: Configurations
    config_file: ConfigFile
    config_store: ConfigStore
    links: Links
    retention_days: int

    def now(self) -> datetime:
        return self.clock()


def local_provider(s: Settings) -> MeetingProvider:
    from adapters.meetings_local import LocalMeetingProvider

    return LocalMeetingProvider(base_url=s.public_base_url)


def teams_provider(s: Settings) -> MeetingProvider:
    from adapters.meetings_teams import TeamsMeetingProvider

    managed = s.flag("GRAPH_USE_MANAGED_IDENTITY")
    return TeamsMeetingProvider(
        tenant_id=s.get("GRAPH_TENANT_ID") or None,
        client_id=s.get("GRAPH_CLIENT_ID") or None,
        client_secret=None if managed else s.secret("GRAPH_CLIENT_SECRET"),
        use_managed_identity=managed,
        managed_identity_client_id=s.get("AZURE_CLIENT_ID") or None,
        base_url=s.get("GRAPH_BASE_URL", "https://graph.microsoft.com/v1.0"),
        lobby_scope=s.get("TEAMS_LOBBY_SCOPE", "organization"),
    )


def jitsi_provider(s: Settings) -> MeetingProvider:
    from adapters.meetings_jitsi import JitsiMeetingProvider

    return JitsiMeetingProvider(
        host_url=s.get("JITSI_BASE_URL", "https://meet.jit.si"),
        # rooms must be the same on every instance: a shared secret (by default the token keys)
        room_secret=s.get("JITSI_ROOM_SECRET") or s.secret("BALCAO_TOKEN_KEYS"),
        app_id=s.get("JITSI_APP_ID") or None,
        app_secret=s.secret("JITSI_JWT_SECRET") if s.get("JITSI_APP_ID") else None,
    )


def teams_notifier(s: Settings) -> ClerkNotifier:
    """Webhook pacing is shared by every instance (in storage): Flex runs the queue on many at once.
    The window is half a second longer than Teams' second: a slot booked in storage reaches Teams after
    its own instance's delay (thread scheduling, connection), which differs between instances; 5 posts
    within one second at the receiver were seen with a 50 ms margin, and once in a loaded test run with
    250 ms. Posts carry up to 10 cards each, so 4 posts in 1.5 s still carry 26 cards a second."""
    from adapters.teams_webhook import Pacing, TeamsWebhookNotifier, WebhookTuning

    return TeamsWebhookNotifier(
        pacer=shared_limits().pacer,
        tuning=WebhookTuning(pacing=Pacing(window=1.5)),
        teams_app_id=s.get("BALCAO_TEAMS_APP_ID"),
    )


def room_census(s: Settings) -> Callable[[str], RoomCensus | None]:
    """Who can count people in a meeting room (domain/usecases/rooms.py): Jitsi, when
    JITSI_ROOM_SIZE_URL is set (prosody's mod_muc_size); nobody else."""
    found: dict[str, RoomCensus] = {}
    if s.get("JITSI_ROOM_SIZE_URL"):
        from adapters.meetings_jitsi import JitsiRoomCensus

        app_id = s.get("JITSI_APP_ID") or None
        found["jitsi"] = JitsiRoomCensus(
            s.get("JITSI_ROOM_SIZE_URL"),
            s.get("JITSI_XMPP_DOMAIN")
            or urlsplit(s.get("JITSI_BASE_URL", "https://meet.jit.si")).hostname
            or "",
            app_id=app_id,
            app_secret=s.secret("JITSI_JWT_SECRET") if app_id else None,
        )
    return found.get


def push_channels(s: Settings) -> dict[str, CitizenChannel]:
    """Web Push, when the VAPID keys are set (PUSH_VAPID_PUBLIC_KEY, PUSH_VAPID_PRIVATE_KEY: base64url;
    PUSH_VAPID_SUBJECT: the court's mailto:)."""
    if not (s.get("PUSH_VAPID_PUBLIC_KEY") and s.get("PUSH_VAPID_PRIVATE_KEY")):
        return {}
    from adapters.notice_push import WebPushChannel

    subject = s.get("PUSH_VAPID_SUBJECT") or "mailto:balcao-virtual@example.invalid"
    return {"push": WebPushChannel(s.secret("PUSH_VAPID_PRIVATE_KEY"), subject)}


def acs_channels(s: Settings) -> dict[str, CitizenChannel]:
    """SMS, WhatsApp and e-mail through Azure Communication Services, those whose settings are present
    (adapters/notice_acs.py)."""
    from adapters.notice_acs import acs_channels as build_acs

    return build_acs(s.env)


# Sends per window of seconds, per channel, across instances (CITIZEN_NOTICE_RATE_<CHANNEL>="N/W"
# overrides): conservative defaults, below what the push services and ACS accept by default.
CHANNEL_RATES = {"push": (50, 1.0), "whatsapp": (10, 1.0), "sms": (5, 1.0), "email": (10, 1.0)}


class CitizenChannelSet:
    """The citizen-notice channels of this deployment (`CitizenChannels`), built on first use from the
    channel factories (push here; ACS's SMS, WhatsApp and e-mail from theirs), each paced across
    instances. A factory that fails (a setting missing) sets up none of its channels, and says so."""

    def __init__(self, factories: Sequence[ChannelFactory], settings: Settings) -> None:
        self._factories = factories
        self._settings = settings
        self._built: dict[str, CitizenChannel] | None = None
        self._lock = threading.Lock()

    def get(self, name: str) -> CitizenChannel | None:
        with self._lock:
            if self._built is None:
                self._built = self._build()
            return self._built.get(name)

    def _build(self) -> dict[str, CitizenChannel]:
        from adapters.notice_pacing import PacedChannel

        found: dict[str, CitizenChannel] = {}
        for factory in self._factories:
            try:
                found.update(factory(self._settings))
            except Exception:  # a channel that cannot be built is not offered
                log.warning("citizen notice channels of %s not set up", getattr(factory, "__name__", "?"))
        paced: dict[str, CitizenChannel] = {}
        for name, channel in found.items():
            count, window = CHANNEL_RATES.get(name, (5, 1.0))
            channel_upper = name.upper()
            custom = self._settings.get(f"CITIZEN_NOTICE_RATE_{channel_upper}")
            if custom:
                first, _, second = custom.partition("/")
                count, window = int(first), float(second or 1)
            pacer = shared_limits().pacer(f"citizen.{name}", count, window, time.monotonic)
            paced[name] = PacedChannel(channel, pacer)
        return paced


@dataclass(frozen=True)
class Factories:
    """How the adapters that reach other services are built (tests replace them: `replaced`)."""

    meetings: Mapping[str, ProviderFactory] = field(
        default_factory=lambda: {"local": local_provider, "teams": teams_provider, "jitsi": jitsi_provider}
    )
    notifier: NotifierFactory = teams_notifier
    # citizen-notice channels (issue 13): Web Push, and SMS, WhatsApp and e-mail through ACS
    channels: tuple[ChannelFactory, ...] = (push_channels, acs_channels)


class MeetingProviders:
    """Providers are built on first use of each kind, so a court without Teams needs no Graph settings."""

    def __init__(self, factories: Mapping[str, ProviderFactory], settings: Settings) -> None:
        self._factories = factories
        self._settings = settings
        self._built: dict[str, MeetingProvider] = {}
        self._lock = threading.Lock()

    def get(self, kind: str) -> MeetingProvider | None:
        with self._lock:
            if kind not in self._built:
                factory = self._factories.get(kind)
                if factory is None:
                    return None
                self._built[kind] = factory(self._settings)
            return self._built[kind]

    def warm_up(self, config: Configuration) -> None:
        """Build, in the background, the providers the configured units use (their `warm_up`)."""
        kinds = {unit.meeting.provider for unit in config.units if unit.active}

        def run() -> None:
            for kind in kinds:
                try:
                    provider = self.get(kind)
                    getattr(provider, "warm_up", lambda: None)()
                except Exception:  # a provider that cannot be built fails later, where it is used
                    log.warning("meeting provider %s could not be warmed up", kind)

        threading.Thread(target=run, name="warm-up-providers", daemon=True).start()


def build(settings: Settings, clock: Clock, factories: Factories) -> Bootstrap:
    """Every client and adapter of one process (SDK clients connect on first use, not here)."""
    tables = table_service(settings.env)
    bus = StorageQueueBus(queue_service(settings.env))
    store = TableQueueStore(tables)
    config_store = TableConfigStore(tables)
    providers = MeetingProviders(factories.meetings, settings)
    config = CachedConfiguration(config_store, ttl_s=settings.config_ttl_s, on_change=providers.warm_up)
    links, channels = Links(settings.public_base_url), CitizenChannelSet(factories.channels, settings)
    context = Context(
        config=config,
        store=store,
        bus=bus,
        keys=KeyRing.parse(settings.secret("BALCAO_TOKEN_KEYS")),
        calendars=Calendars(config),
        appointments=TableUnitRecords(tables, APPOINTMENTS_TABLE),
        messages=TableUnitRecords(tables, MESSAGES_TABLE),
        metrics=TableMetricsStore(tables),
        retention=TableRetentionStore(tables),
        meetings=providers,
        notifier=WithConsoleLinks(factories.notifier(settings), links),
        webhook_url_for=lambda unit: settings.webhook_url(unit.webhook_setting),
        **process_parts(),
        favorites=TableFavoriteStore(tables),
        room_census=room_census(settings),
        always_open=settings.always_open,
        citizen_channels=channels,
        push_public_key=settings.get("PUSH_VAPID_PUBLIC_KEY"),
        push_hosts=PUSH_HOSTS
        + tuple(h.strip() for h in settings.get("PUSH_ENDPOINT_HOSTS").split(",") if h.strip()),
        citizen_page=links.citizen_page,
        record_page=links.record_page,
        conversations=TableConversationStore(tables),
        replies=ChannelReplies(channels),
    )
    return Bootstrap(
        settings=settings,
        clock=clock,
        context=context,
        bus=bus,
        config=config,
        config_file=BlobConfigSource(
            blob_service(settings.env), settings.get("BALCAO_CONFIG_BLOB", "config/balcao.json")
        ),
        config_store=config_store,
        links=links,
        retention_days=settings.retention_days,
    )


_lock = threading.Lock()
_current: Bootstrap | None = None
_limiter: Limiter | None = None
_teams: TeamsSignIn | None = None
_shared: TableLimits | None = None
_shared_lock = threading.Lock()
_clock: Clock = system_clock
_factories = Factories()


def get() -> Bootstrap:
    """The process's ports, built on first use."""
    global _current
    current = _current
    if current is None:
        with _lock:
            if _current is None:
                _current = build(Settings(dict(os.environ)), _clock, _factories)
            current = _current
    return current


def now() -> datetime:
    return _clock()


def limiter() -> Limiter:
    """The abuse limits of this worker (functions/limits.py), needing no port (a request is limited before
    anything is built); those shared by every instance are built on first use (a poll uses none)."""
    global _limiter
    with _lock:
        if _limiter is None:
            _limiter = Limiter(shared=_SharedLimitsOnUse())
        return _limiter


def teams() -> TeamsSignIn:
    """Teams SSO (functions/identity.py's third source): needs no port, so it is known before the rest."""
    global _teams
    with _lock:
        if _teams is None:
            _teams = TeamsSignIn(settings().env)
        return _teams


def proofs() -> Proofs:
    """Proof-of-work challenges (functions/proof.py) with BALCAO_ALTCHA_KEY: one HMAC, made on each use."""
    return Proofs(settings().secret("BALCAO_ALTCHA_KEY"))


def shared_limits() -> TableLimits:
    """Limits that hold across instances (adapters/limits_table.py); client keys are keyed hashes."""
    global _shared
    with _shared_lock:  # not `_lock`: `get()` builds the notifier, which uses these, under `_lock`
        if _shared is None:
            s = settings()
            keys = KeyRing.parse(s.secret("BALCAO_TOKEN_KEYS"))
            _shared = TableLimits(table_service(s.env), fingerprint=lambda text: keys.fingerprint(text, 24))
        return _shared


class _SharedLimitsOnUse:
    """`shared_limits()` built on first use (see `limiter`)."""

    def bucket(self, key: str, rate: Rate, count: int = 1) -> tuple[int, float]:
        return shared_limits().bucket(key, rate, count)

    def held(self, client: str) -> list[tuple[str, float]]:
        return shared_limits().held(client)

    def hold(self, client: str, ticket_id: str) -> None:
        shared_limits().hold(client, ticket_id)

    def held_bookings(self, client: str) -> list[str]:
        return shared_limits().held_bookings(client)

    def hold_booking(self, client: str, appointment_id: str, until: float) -> None:
        shared_limits().hold_booking(client, appointment_id, until)

    def level(self, key: str, rate: Rate) -> float:
        return shared_limits().level(key, rate)

    def spend(self, token: str, expires: float) -> bool:
        return shared_limits().spend(token, expires)


def settings() -> Settings:
    """The settings alone, without building the ports (CORS needs them even when a port cannot be
    built, to answer the error)."""
    current = _current
    return current.settings if current is not None else Settings(os.environ)


def set_clock(clock: Clock) -> None:
    """For tests that drive opening hours and timers with a controllable clock."""
    global _clock, _current
    with _lock:
        _clock = clock
        if _current is not None:
            _current = replace(_current, clock=clock)


def reset() -> None:
    """Forget every client, setting and cache, and the clock (tests start several hosts in a process)."""
    global _current, _clock, _limiter, _shared, _teams
    with _lock, _shared_lock:
        _current = _limiter = _shared = _teams = None
        _clock = system_clock


@contextmanager
def replaced(
    *,
    meetings: Mapping[str, ProviderFactory] | None = None,
    notifier: NotifierFactory | None = None,
    channels: tuple[ChannelFactory, ...] | None = None,
) -> Iterator[None]:
    """Build the given adapters differently while the block runs (tests: fake Graph, short timeouts,
    citizen-notice channels)."""
    global _factories
    before = _factories
    _factories = Factories(
        meetings={**before.meetings, **(meetings or {})},
        notifier=notifier or before.notifier,
        channels=before.channels if channels is None else channels,
    )
    try:
        yield
    finally:
        _factories = before


@cache
def telemetry() -> bool:
    """Azure Monitor, once per process, when APPLICATIONINSIGHTS_CONNECTION_STRING is set (not reset by
    `reset()`: the exporter's providers are global). Called by the function wrappers (http_common)."""
    from adapters.telemetry import configure_once

    return configure_once(dict(os.environ))
