"""The composition root: settings, clients and use-case services, built lazily and once.

Nothing here runs at import time (an exception while importing `function_app.py` makes Azure report
"no job functions found" and nothing else). Tests replace the clock with `set_clock`.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

from domain.config import UnitConfig
from domain.ports import Calendar, MeetingProvider
from domain.services import Services
from domain.tokens import KeyRing

ROOT = Path(__file__).resolve().parents[1]
PLACEHOLDERS = ("", "change-me", "changeme", "<", "todo", "xxx")

_clock: Callable[[], datetime] = lambda: datetime.now(UTC)  # noqa: E731


def now() -> datetime:
    return _clock()


def set_clock(clock: Callable[[], datetime]) -> None:
    """For tests that drive opening hours and timers with a controllable clock."""
    global _clock
    _clock = clock


class SettingsError(RuntimeError):
    pass


@dataclass(frozen=True)
class Settings:
    """Typed view of the app settings (local.settings.json `Values` locally, app settings in Azure)."""

    env: Mapping[str, str]

    def get(self, name: str, default: str = "") -> str:
        value = self.env.get(name, default) or default
        # A Key Vault reference Azure could not resolve (secret not created yet) arrives verbatim.
        return default if value.startswith("@Microsoft.KeyVault(") else value

    def flag(self, name: str) -> bool:
        return self.get(name).strip().lower() in ("1", "true", "yes", "sim")

    def secret(self, name: str) -> str:
        value = self.get(name)
        if value.strip().lower().startswith(PLACEHOLDERS[1:]) or not value.strip():
            raise SettingsError(f"Setting {name} is missing or still a placeholder")
        return value

    @property
    def public_base_url(self) -> str:
        return self.get("BALCAO_PUBLIC_BASE_URL", "http://localhost:7071").rstrip("/")

    @property
    def site_origins(self) -> list[str]:
        return [o.strip().rstrip("/") for o in self.get("BALCAO_SITE_ORIGINS").split(",") if o.strip()]


@cache
def settings() -> Settings:
    return Settings(dict(os.environ))


@cache
def telemetry() -> bool:
    """Azure Monitor, once per process, when APPLICATIONINSIGHTS_CONNECTION_STRING is set (not reset by
    `reset()`: the exporter's providers are global). Called by the function wrappers (http_common)."""
    from adapters.telemetry import configure_once

    return configure_once(settings().env)


@cache
def table_service() -> Any:
    from adapters.storage import table_service as build

    return build(settings().env)


@cache
def queue_service() -> Any:
    from adapters.storage import queue_service as build

    return build(settings().env)


@cache
def bus() -> Any:
    from adapters.queues import StorageQueueBus

    return StorageQueueBus(queue_service())


@cache
def store() -> Any:
    from adapters.tables import TableQueueStore

    return TableQueueStore(table_service())


@cache
def config_store() -> Any:
    from adapters.config_source import TableConfigStore

    return TableConfigStore(table_service())


@cache
def config_source() -> Any:
    from adapters.config_source import BlobConfigSource
    from adapters.storage import blob_service

    return BlobConfigSource(
        blob_service(settings().env), settings().get("BALCAO_CONFIG_BLOB", "config/balcao.json")
    )


@cache
def configuration() -> Any:
    from adapters.config_source import CachedConfiguration

    return CachedConfiguration(
        config_store(),
        ttl_s=float(settings().get("BALCAO_CONFIG_TTL_SECONDS", "30")),
        on_change=_warm_up_providers,
    )


@cache
def meeting_providers() -> dict[str, MeetingProvider]:
    """Providers are built on first use of each kind, so a court without Teams needs no Graph settings."""
    return _LazyProviders()


class _LazyProviders(dict[str, MeetingProvider]):
    _lock = threading.Lock()

    def get(self, key: str, default: Any = None) -> Any:  # type: ignore[override]
        with self._lock:
            if key not in self:
                factory = _PROVIDER_FACTORIES.get(key)
                if factory is None:
                    return default
                self[key] = factory(settings())
            return self[key]


def _local_provider(s: Settings) -> MeetingProvider:
    from adapters.meetings_local import LocalMeetingProvider

    return LocalMeetingProvider(base_url=s.public_base_url)


def _teams_provider(s: Settings) -> MeetingProvider:
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


def _jitsi_provider(s: Settings) -> MeetingProvider:
    from adapters.meetings_jitsi import JitsiMeetingProvider

    return JitsiMeetingProvider(
        host_url=s.get("JITSI_BASE_URL", "https://meet.jit.si"),
        # rooms must be the same on every instance: a shared secret (by default the token keys)
        room_secret=s.get("JITSI_ROOM_SECRET") or s.secret("BALCAO_TOKEN_KEYS"),
        app_id=s.get("JITSI_APP_ID") or None,
        app_secret=s.secret("JITSI_JWT_SECRET") if s.get("JITSI_APP_ID") else None,
    )


_PROVIDER_FACTORIES: dict[str, Callable[[Settings], MeetingProvider]] = {
    "local": _local_provider,
    "teams": _teams_provider,
    "jitsi": _jitsi_provider,
}


@cache
def notifier() -> Any:
    """Webhook pacing is shared by every instance (in storage): Flex runs the queue on many at once.
    The window is a quarter second longer than Teams' second: a slot booked in storage reaches Teams
    after its own instance's delay (thread scheduling, connection), which differs between instances;
    5 posts within one second at the receiver were seen with the 50 ms margin of a single process."""
    from adapters.teams_webhook import TeamsWebhookNotifier

    return TeamsWebhookNotifier(pacer=shared_limits().pacer, rate_margin=0.25)


@cache
def shared_limits() -> Any:
    """Limits that hold across instances (adapters/limits_table.py); client keys are keyed hashes."""
    from adapters.limits_table import TableLimits

    keys = KeyRing.parse(settings().secret("BALCAO_TOKEN_KEYS"))
    return TableLimits(table_service(), fingerprint=lambda text: keys.fingerprint(text, 24))


_calendars: dict[tuple[str, str], Calendar] = {}


def calendar_for(unit: UnitConfig) -> Calendar:
    """One calendar per unit and configuration version (holidays looked up once per year)."""
    from adapters.calendars import build_calendar

    key = (unit.id, unit.model_dump_json())
    found = _calendars.get(key)
    if found is None:
        court = configuration()().court(unit.court)
        found = build_calendar(unit, court)
        _calendars[key] = found
    return found


def _warm_up_providers(config: Any) -> None:
    """Build, in the background, the meeting providers the configured units use (see warm_up)."""
    kinds = {unit.meeting.provider for unit in config.units if unit.active}

    def run() -> None:
        for kind in kinds:
            try:
                provider = meeting_providers().get(kind)
                getattr(provider, "warm_up", lambda: None)()
            except Exception:  # a provider that cannot be built fails later, where it is used
                logging.getLogger("balcao").warning("meeting provider %s could not be warmed up", kind)

    threading.Thread(target=run, name="warm-up-providers", daemon=True).start()


@cache
def retention_store() -> Any:
    from adapters.retention_store import TableRetentionStore

    return TableRetentionStore(table_service())


def retention_days() -> int:
    """How long personal data is kept (LGPD): BALCAO_RETENTION_DAYS, 30 days by default."""
    from domain.retention import DEFAULT_RETENTION_DAYS

    raw = settings().get("BALCAO_RETENTION_DAYS", str(DEFAULT_RETENTION_DAYS))
    try:
        days = int(raw)
    except ValueError:
        raise SettingsError(f"BALCAO_RETENTION_DAYS must be a whole number of days, not {raw!r}") from None
    if days < 1:
        raise SettingsError("BALCAO_RETENTION_DAYS must be at least 1")
    return days


@cache
def limiter() -> Any:
    """The abuse limits' buckets of this worker (functions/limits.py)."""
    from functions.limits import Limiter

    return Limiter(shared=_SharedLimitsOnUse())


class _SharedLimitsOnUse:
    """`shared_limits()` built on first use: a poll, which never uses it, needs no storage settings."""

    def __getattr__(self, name: str) -> Any:
        return getattr(shared_limits(), name)


@cache
def services() -> Services:
    s = settings()
    return Services(
        config=configuration(),
        store=store(),
        bus=bus(),
        keys=KeyRing.parse(s.secret("BALCAO_TOKEN_KEYS")),
        calendar_for=calendar_for,
        meetings=meeting_providers(),
        notifier=notifier(),
        webhook_url_for=lambda unit: s.get(unit.webhook_setting) if unit.webhook_setting else None,
        public_base_url=s.public_base_url,
        always_open=s.flag("BALCAO_ALWAYS_OPEN"),
    )


def reset() -> None:
    """Forget every client, setting and cache (tests start several hosts in one process)."""
    global _clock
    for built in (
        settings,
        table_service,
        queue_service,
        bus,
        store,
        config_store,
        config_source,
        configuration,
        meeting_providers,  # built with the settings of their host (the local provider's base URL)
        notifier,
        services,
        limiter,
        shared_limits,
        retention_store,
    ):
        built.cache_clear()
    _calendars.clear()
    _clock = lambda: datetime.now(UTC)  # noqa: E731
