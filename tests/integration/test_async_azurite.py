"""The asynchronous channel against a real Azurite: protocols stay gapless when messages arrive at once
(the counter's ETag). The channel's other rules run on the fakes (tests/usecases/test_async_channel.py)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from adapters.records_table import TableUnitRecords
from adapters.storage import queue_service, table_service
from domain.messages import MessageInput
from domain.ports import NOTIFY_QUEUE
from domain.usecases import async_channel
from domain.usecases.context import Context
from tests.support.services import build_services, demo_config

UNIT = "tjam-tefe-vu"  # Manaus time, 08:00-14:00 on weekdays; 24 opening hours to answer
MANAUS = ZoneInfo("America/Manaus")
FRIDAY = datetime(2026, 12, 11, 12, 0, tzinfo=MANAUS)
CLERK = "elisa.prado@tjam.jus.br"


@pytest.fixture
def svc(storage_env: dict[str, str], unique: str, records: TableUnitRecords) -> Context:
    service = queue_service(storage_env)
    try:
        service.get_queue_client(NOTIFY_QUEUE).clear_messages()
    except Exception:  # noqa: S110 - the queue may not exist yet
        pass
    return replace(
        build_services(storage_env, unique, config=demo_config(), always_open=False), messages=records
    )


@pytest.fixture
def records(storage_env: dict[str, str], unique: str) -> TableUnitRecords:
    return TableUnitRecords(table_service(storage_env), unique + "msg")


def message(text: str = "A audiência de segunda-feira foi mantida?", **kw: Any) -> MessageInput:
    data: dict[str, Any] = {
        "name": "Raimundo Nonato",
        "role": "parte",
        "reason": "orientacao",
        "consent": True,
    }
    data.update(kw)
    return MessageInput(text=text, **data)


def test_protocols_are_gapless_under_concurrency(svc: Context, records: TableUnitRecords) -> None:
    with ThreadPoolExecutor(8) as pool:
        sent = list(
            pool.map(
                lambda i: async_channel.send_message(svc, UNIT, message(f"Dúvida {i}"), FRIDAY), range(8)
            )
        )
    assert sorted(s.protocol for s in sent) == [f"TJAM-TEFE-VU-2026-{i:06d}" for i in range(1, 9)]
    [counts] = records.query(UNIT, "k.", "k.~")
    assert counts.fields["received"] == 8
