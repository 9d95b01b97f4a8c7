"""The asynchronous channel against a real Azurite: refusals store nothing, protocols are gapless, the
deadline clock in the inbox, the reply on the citizen's page, the overdue alert once, and the counts."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from adapters.records_table import TableUnitRecords
from adapters.storage import queue_service, table_service
from domain import async_channel as ac
from domain import services as uc
from domain.errors import ConflictError, InvalidInputError, NotFoundError, UnauthenticatedError
from tests.support.services import build_services, demo_config

UNIT = "tjam-tefe-vu"  # Manaus time, 08:00-14:00 on weekdays; 24 opening hours to answer
MANAUS = ZoneInfo("America/Manaus")
FRIDAY = datetime(2026, 12, 11, 12, 0, tzinfo=MANAUS)
CLERK = "elisa.prado@tjam.jus.br"


@pytest.fixture
def svc(storage_env: dict[str, str], unique: str) -> uc.Services:
    service = queue_service(storage_env)
    try:
        service.get_queue_client(uc.NOTIFY_QUEUE).clear_messages()
    except Exception:  # noqa: S110 - the queue may not exist yet
        pass
    return build_services(storage_env, unique, config=demo_config(), always_open=False)


@pytest.fixture
def records(storage_env: dict[str, str], unique: str) -> TableUnitRecords:
    return TableUnitRecords(table_service(storage_env), unique + "msg")


def message(text: str = "A audiência de segunda-feira foi mantida?", **kw: Any) -> ac.MessageInput:
    data: dict[str, Any] = {
        "name": "Raimundo Nonato",
        "role": "parte",
        "reason": "orientacao",
        "consent": True,
    }
    data.update(kw)
    return ac.MessageInput(text=text, **data)


def everything(records: TableUnitRecords) -> list[Any]:
    return records.query(UNIT, "", "~")


@pytest.mark.parametrize(
    "bad",
    [
        message(attachments=1),
        message("Segue a petição: data:application/pdf;base64,JVBERi0xLjQK"),
        message("<p>Prezados,</p><p>segue</p>"),
        message("x" * 2001),
        message("   "),
        message(consent=False),
    ],
)
def test_refused_messages_store_nothing(
    svc: uc.Services, records: TableUnitRecords, bad: ac.MessageInput
) -> None:
    with pytest.raises(InvalidInputError) as refused:
        ac.send_message(svc, records, UNIT, bad, FRIDAY)
    assert refused.value.message and refused.value.fields
    assert everything(records) == []  # no message, no protocol number taken, no count


def test_a_unit_without_the_channel_refuses(svc: uc.Services, records: TableUnitRecords) -> None:
    with pytest.raises(NotFoundError):
        ac.send_message(svc, records, "trf1-sjac-01vf", message(), FRIDAY)
    assert records.query("trf1-sjac-01vf", "", "~") == []


def test_protocols_are_gapless_under_concurrency(svc: uc.Services, records: TableUnitRecords) -> None:
    with ThreadPoolExecutor(8) as pool:
        sent = list(
            pool.map(lambda i: ac.send_message(svc, records, UNIT, message(f"Dúvida {i}"), FRIDAY), range(8))
        )
    assert sorted(s.protocol for s in sent) == [f"TJAM-TEFE-VU-2026-{i:06d}" for i in range(1, 9)]
    [counts] = records.query(UNIT, "k.", "k.~")
    assert counts.fields["received"] == 8


def test_message_reply_deadline_and_overdue(svc: uc.Services, records: TableUnitRecords) -> None:
    sent = ac.send_message(svc, records, UNIT, message(), FRIDAY)
    # 24 opening hours from Friday 12:00: 2 h Friday + 6 h on each following working day
    assert sent.due_at == datetime(2026, 12, 17, 12, 0, tzinfo=MANAUS)
    view = ac.message_view(svc, records, sent.message_id, sent.token)
    assert view["status"] == "open" and view["reply"] is None and "petições" in view["notice"]
    with pytest.raises(UnauthenticatedError):
        ac.message_view(svc, records, sent.message_id, "k1.forged")

    clerk = svc.principal(CLERK)
    saturday = FRIDAY + timedelta(days=1)
    inbox = ac.inbox(svc, records, UNIT, clerk, saturday)
    [item] = inbox["open"]
    assert item["protocol"] == sent.protocol and item["name"] == "Raimundo Nonato"
    assert item["deadline"] == {
        "state": "on_time",
        "minutesLeft": 22 * 60,
        "text": "Restam 22h de expediente",
    }

    # Thursday 12:30: overdue. The Teams channel is told once; it counts once.
    late = datetime(2026, 12, 17, 12, 30, tzinfo=MANAUS)
    other = ac.send_message(svc, records, UNIT, message("Outra dúvida"), late)
    assert ac.run_overdue(svc, records, late) == 1
    assert ac.run_overdue(svc, records, late + timedelta(minutes=1)) == 0
    taken = svc.bus.drain(uc.NOTIFY_QUEUE, 32)  # type: ignore[attr-defined]
    taken.complete()
    [alert] = [m.payload for m in taken.items]
    assert alert["kind"] == "async_overdue" and alert["protocol"] == sent.protocol
    assert "Raimundo" not in str(alert) and alert["overdue_text"] == "Prazo vencido há 30 min de expediente"
    inbox = ac.inbox(svc, records, UNIT, clerk, late)
    assert inbox["counts"] == {"open": 2, "overdue": 1, "dueSoon": 0}
    assert [i["protocol"] for i in inbox["open"]] == [sent.protocol, other.protocol]  # oldest deadline first

    answered = ac.reply(svc, records, UNIT, sent.message_id, clerk, "Sim, a audiência foi mantida.", late)
    assert answered["onTime"] is False
    with pytest.raises(ConflictError):
        ac.reply(svc, records, UNIT, sent.message_id, clerk, "De novo", late)
    view = ac.message_view(svc, records, sent.message_id, sent.token)
    assert view["status"] == "answered" and view["reply"]["text"] == "Sim, a audiência foi mantida."
    ac.reply(svc, records, UNIT, other.message_id, clerk, "Respondido.", late)

    config = svc.config()
    numbers = ac.async_indicators(config, records, (config.unit(UNIT),), late, 30)  # type: ignore[arg-type]
    assert numbers["total"] == {
        "received": 2,
        "answered": 2,
        "answeredOnTime": 1,
        "overdue": 1,
        "openNow": 0,
        "overdueNow": 0,
    }
    assert ac.run_overdue(svc, records, late + timedelta(days=30)) == 0  # answered: never overdue again


def test_the_inbox_is_for_the_units_clerks(svc: uc.Services, records: TableUnitRecords) -> None:
    from domain.errors import ForbiddenError

    with pytest.raises(ForbiddenError):
        ac.inbox(svc, records, UNIT, svc.principal("ana.souza@trf1.jus.br"), FRIDAY)
