"""Build the real use-case context over Azurite for integration tests (no HTTP, no host)."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path

from adapters.calendars import build_calendar
from adapters.favorites_table import TableFavoriteStore
from adapters.meetings_local import LocalMeetingProvider
from adapters.metrics_store import TableMetricsStore
from adapters.queues import StorageQueueBus
from adapters.records_table import APPOINTMENTS_TABLE, MESSAGES_TABLE, TableUnitRecords
from adapters.retention_store import TableRetentionStore
from adapters.storage import queue_service, table_service
from adapters.tables import TableQueueStore
from adapters.worker import process_parts
from domain.config import Configuration, parse_configuration
from domain.ports import ClerkNotifier, MeetingProvider, Notification
from domain.tokens import KeyRing
from domain.usecases.context import Context

CONFIG_FILE = Path(__file__).resolve().parents[2] / "infra" / "config" / "balcao.json"


def demo_config(**unit_limits: int) -> Configuration:
    """The demo configuration; `unit_limits` (e.g. maxWaiting=5000) override every unit's limits."""
    raw = json.loads(CONFIG_FILE.read_bytes())
    for unit in raw["units"]:
        unit["limits"] = {**unit.get("limits", {}), **unit_limits}
    return parse_configuration(json.dumps(raw))


class Providers(dict[str, MeetingProvider]):
    """Meeting providers by kind (`MeetingProviders`)."""

    def get(self, kind: str, default: MeetingProvider | None = None) -> MeetingProvider | None:  # type: ignore[override]
        return super().get(kind, default)


class NoChannel:
    """A notifier for contexts whose units have no Teams webhook: never called."""

    def send(self, webhook_url: str, notifications: list[Notification]) -> int:
        raise AssertionError(f"no webhook is configured, yet cards were sent to {webhook_url}")


def build_services(
    env: Mapping[str, str],
    table: str,
    *,
    config: Configuration | None = None,
    meetings: Mapping[str, MeetingProvider] | None = None,
    always_open: bool = True,
    notifier: ClerkNotifier | None = None,
) -> Context:
    """The use cases' ports over Azurite; the queue partitions in table `table` (a test's own)."""
    cfg = config or demo_config()
    tables = table_service(env)
    return Context(
        config=lambda: cfg,
        store=TableQueueStore(tables, table=table),
        bus=StorageQueueBus(queue_service(env)),
        keys=KeyRing({"k1": os.urandom(32)}),
        calendars=lambda unit: build_calendar(unit, cfg.court(unit.court)),
        appointments=TableUnitRecords(tables, APPOINTMENTS_TABLE),
        messages=TableUnitRecords(tables, MESSAGES_TABLE),
        metrics=TableMetricsStore(tables),
        retention=TableRetentionStore(tables, table=table),
        meetings=Providers(meetings or {"local": LocalMeetingProvider()}),
        notifier=notifier or NoChannel(),
        webhook_url_for=lambda _unit: None,
        **process_parts(),
        favorites=TableFavoriteStore(tables),
        room_census=lambda _kind: None,
        always_open=always_open,
    )
