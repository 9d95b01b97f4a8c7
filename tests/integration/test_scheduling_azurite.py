"""Scheduling against a real Azurite: no double booking under concurrent bookings from separate clients
(the slot's ETag). The other scheduling rules run on the fakes (tests/usecases/test_scheduling.py)."""

from __future__ import annotations

import json
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from adapters.records_table import TableUnitRecords
from adapters.storage import queue_service, table_service
from domain.config import Configuration, parse_configuration
from domain.errors import SlotUnavailableError
from domain.ports import APPOINTMENT_QUEUE, JOIN_QUEUE, MEETING_QUEUE, NOTIFY_QUEUE
from domain.usecases import booking
from domain.usecases.appointment_views import available_slots
from domain.usecases.context import Context
from domain.usecases.joining import JoinInput
from functions.answers import dump
from functions.answers.scheduling import slot_offer
from tests.support.services import CONFIG_FILE, build_services

UNIT = "tjam-tefe-vu"  # Manaus time (UTC-4), 08:00-14:00 on weekdays
MANAUS = ZoneInfo("America/Manaus")
MONDAY = datetime(2026, 12, 14, 7, 0, tzinfo=MANAUS)  # a working Monday, before opening
SLOT = datetime(2026, 12, 14, 10, 0, tzinfo=MANAUS)
CLERK = "elisa.prado@tjam.jus.br"
QUEUES = (JOIN_QUEUE, MEETING_QUEUE, NOTIFY_QUEUE, APPOINTMENT_QUEUE)


def config(**scheduling_settings: Any) -> Configuration:
    raw = json.loads(CONFIG_FILE.read_bytes())
    unit = next(u for u in raw["units"] if u["id"] == UNIT)
    unit["scheduling"] = {
        "enabled": True,
        "slotMinutes": 30,
        "capacity": 2,
        "minNoticeMinutes": 60,
        "reminderMinutes": 30,
        "selfBooking": "always",
        **scheduling_settings,
    }
    return parse_configuration(json.dumps(raw))


@pytest.fixture
def env(storage_env: dict[str, str]) -> dict[str, str]:
    service = queue_service(storage_env)
    for name in QUEUES:
        try:
            service.get_queue_client(name).clear_messages()
        except Exception:  # noqa: S110 - the queue may not exist yet
            pass
    return storage_env


def person(i: int, **extra: Any) -> JoinInput:
    data: dict[str, Any] = {
        "name": f"Pessoa Agendada {i}",
        "role": "parte",
        "reason": "orientacao",
        "consent": True,
    }
    data.update(extra)
    return JoinInput(**data)


def rows(records: TableUnitRecords, prefix: str) -> list[Any]:
    return records.query(UNIT, f"{prefix}.", f"{prefix}.~")


def test_concurrent_bookings_never_exceed_the_slot_capacity(env: dict[str, str], unique: str) -> None:
    # Every thread has its own client, as separate function instances would.
    svc = build_services(env, unique, config=config(), always_open=False)
    stores = [TableUnitRecords(table_service(env), unique + "appt") for _ in range(12)]
    contexts: list[Context] = [replace(svc, appointments=store) for store in stores]

    def attempt(i: int) -> str:
        try:
            booking.book(contexts[i], UNIT, person(i), SLOT, MONDAY)
            return "booked"
        except SlotUnavailableError:
            return "full"

    with ThreadPoolExecutor(12) as pool:
        outcome = Counter(pool.map(attempt, range(12)))
    assert outcome == {"booked": 2, "full": 10}
    appointments = rows(stores[0], "a")
    [slot] = rows(stores[0], "b")
    assert len(appointments) == 2
    assert sorted(slot.fields["holders"].split(",")) == sorted(r.key.rsplit(".", 1)[1] for r in appointments)
    offered = dump(slot_offer(available_slots(contexts[0], UNIT, MONDAY)))
    monday = next(d for d in offered["days"] if d["date"] == "2026-12-14")
    assert "10h00" not in [s["time"] for s in monday["slots"]]  # full
    assert {s["time"] for s in monday["slots"]} >= {"09h00", "09h30", "10h30"}
