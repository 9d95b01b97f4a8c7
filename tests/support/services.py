"""Build the real use-case services over Azurite for integration tests (no HTTP, no host)."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path

from adapters.calendars import build_calendar
from adapters.meetings_local import LocalMeetingProvider
from adapters.queues import StorageQueueBus
from adapters.storage import queue_service, table_service
from adapters.tables import TableQueueStore
from domain.config import Configuration, parse_configuration
from domain.ports import MeetingProvider
from domain.services import Services
from domain.tokens import KeyRing

CONFIG_FILE = Path(__file__).resolve().parents[2] / "infra" / "config" / "balcao.json"


def demo_config(**unit_limits: int) -> Configuration:
    """The demo configuration; `unit_limits` (e.g. maxWaiting=5000) override every unit's limits."""
    raw = json.loads(CONFIG_FILE.read_bytes())
    for unit in raw["units"]:
        unit["limits"] = {**unit.get("limits", {}), **unit_limits}
    return parse_configuration(json.dumps(raw))


def build_services(
    env: Mapping[str, str],
    table: str,
    *,
    config: Configuration | None = None,
    meetings: Mapping[str, MeetingProvider] | None = None,
    always_open: bool = True,
) -> Services:
    cfg = config or demo_config()
    return Services(
        config=lambda: cfg,
        store=TableQueueStore(table_service(env), table=table),
        bus=StorageQueueBus(queue_service(env)),
        keys=KeyRing({"k1": os.urandom(32)}),
        calendar_for=lambda unit: build_calendar(unit, cfg.court(unit.court)),
        meetings=dict(meetings or {"local": LocalMeetingProvider()}),
        always_open=always_open,
    )
