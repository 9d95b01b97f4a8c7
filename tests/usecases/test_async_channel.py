"""The asynchronous channel on the fakes (moved from the Azurite tier, assertions kept; gapless
protocols under concurrency stay on Azurite): refusals store nothing, the deadline clock in the inbox,
the reply on the citizen's page, the overdue alert once, and the counts. Answers are read as the API
serves them."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from domain.auth import Principal
from domain.errors import ConflictError, InvalidInputError, NotFoundError, UnauthenticatedError
from domain.messages import MessageInput
from domain.ports import NOTIFY_QUEUE
from domain.usecases import async_channel, async_overdue
from domain.usecases.context import Context
from functions.answers import dump, present
from functions.answers import messages as answers
from tests.fakes.context import Fakes, demo_config, fake_context
from tests.fakes.memory_records import MemoryUnitRecords
from tests.integration.test_async_azurite import CLERK, FRIDAY, MANAUS, UNIT, message


@pytest.fixture
def context_and_fakes() -> tuple[Context, Fakes]:
    return fake_context(demo_config(), always_open=False)


@pytest.fixture
def svc(context_and_fakes: tuple[Context, Fakes]) -> Context:
    return context_and_fakes[0]


@pytest.fixture
def fakes(context_and_fakes: tuple[Context, Fakes]) -> Fakes:
    return context_and_fakes[1]


@pytest.fixture
def records(fakes: Fakes) -> MemoryUnitRecords:
    return fakes.messages


def everything(records: MemoryUnitRecords) -> list[Any]:
    return records.query(UNIT, "", "~")


def message_json(ctx: Context, message_id: str, token: str) -> dict[str, Any]:
    return dump(answers.message_view(async_channel.message_view(ctx, message_id, token)))


def inbox_json(ctx: Context, unit: str, clerk: Principal, now: datetime) -> dict[str, Any]:
    return dump(answers.inbox(async_channel.inbox(ctx, unit, clerk, now)))


def reply_json(
    ctx: Context, unit: str, message_id: str, clerk: Principal, text: str, now: datetime
) -> dict[str, Any]:
    return dump(present(answers.Replied, async_channel.reply(ctx, unit, message_id, clerk, text, now)))


@pytest.mark.parametrize(
    "bad",
    [
        message(attachments=1),
        message("Segue a petição: data:application/pdf;base64,JVBERi0xLjQK"),
        message("<p>Prezados,</p><p>segue</p>"),
        message("x" * 2001),
        message("   "),
    ],
)
def test_refused_messages_store_nothing(svc: Context, records: MemoryUnitRecords, bad: MessageInput) -> None:
    with pytest.raises(InvalidInputError) as refused:
        async_channel.send_message(svc, UNIT, bad, FRIDAY)
    assert refused.value.message and refused.value.fields
    assert everything(records) == []  # no message, no protocol number taken, no count


def test_a_unit_without_the_channel_refuses(svc: Context, records: MemoryUnitRecords) -> None:
    with pytest.raises(NotFoundError):
        async_channel.send_message(svc, "trf1-sjac-01vf", message(), FRIDAY)
    assert records.query("trf1-sjac-01vf", "", "~") == []


def test_message_reply_deadline_and_overdue(svc: Context, fakes: Fakes) -> None:
    sent = async_channel.send_message(svc, UNIT, message(), FRIDAY)
    # 24 opening hours from Friday 12:00: 2 h Friday + 6 h on each following working day
    assert sent.due_at == datetime(2026, 12, 17, 12, 0, tzinfo=MANAUS)
    view = message_json(svc, sent.message_id, sent.token)
    assert view["status"] == "open" and view["reply"] is None and "petições" in view["notice"]
    with pytest.raises(UnauthenticatedError):
        message_json(svc, sent.message_id, "k1.forged")

    clerk = svc.principal(CLERK)
    saturday = FRIDAY + timedelta(days=1)
    inbox = inbox_json(svc, UNIT, clerk, saturday)
    [item] = inbox["open"]
    assert item["protocol"] == sent.protocol and item["name"] == "Raimundo Nonato"
    assert item["deadline"] == {
        "state": "on_time",
        "minutesLeft": 22 * 60,
        "text": "Restam 22h de expediente",
    }

    # Thursday 12:30: overdue. The Teams channel is told once; it counts once.
    late = datetime(2026, 12, 17, 12, 30, tzinfo=MANAUS)
    other = async_channel.send_message(svc, UNIT, message("Outra dúvida"), late)
    assert async_overdue.run_overdue(svc, late) == 1
    assert async_overdue.run_overdue(svc, late + timedelta(minutes=1)) == 0
    [alert] = fakes.bus.take(NOTIFY_QUEUE)
    assert alert["kind"] == "async_overdue" and alert["protocol"] == sent.protocol
    assert "Raimundo" not in str(alert) and alert["overdue_text"] == "Prazo vencido há 30 min de expediente"
    inbox = inbox_json(svc, UNIT, clerk, late)
    assert inbox["counts"] == {"open": 2, "overdue": 1, "dueSoon": 0}
    assert [i["protocol"] for i in inbox["open"]] == [sent.protocol, other.protocol]  # oldest deadline first

    answered = reply_json(svc, UNIT, sent.message_id, clerk, "Sim, a audiência foi mantida.", late)
    assert answered["onTime"] is False
    with pytest.raises(ConflictError):
        reply_json(svc, UNIT, sent.message_id, clerk, "De novo", late)
    view = message_json(svc, sent.message_id, sent.token)
    assert view["status"] == "answered" and view["reply"]["text"] == "Sim, a audiência foi mantida."
    reply_json(svc, UNIT, other.message_id, clerk, "Respondido.", late)

    config = svc.config()
    numbers = dump(
        present(answers.AsyncMetrics, async_overdue.async_indicators(svc, (config.unit(UNIT),), late, 30))
    )  # type: ignore[arg-type]
    assert numbers["total"] == {
        "received": 2,
        "answered": 2,
        "answeredOnTime": 1,
        "overdue": 1,
        "openNow": 0,
        "overdueNow": 0,
    }
    assert async_overdue.run_overdue(svc, late + timedelta(days=30)) == 0  # answered: never overdue again


def test_the_inbox_is_for_the_units_clerks(svc: Context, records: MemoryUnitRecords) -> None:
    from domain.errors import ForbiddenError

    with pytest.raises(ForbiddenError):
        inbox_json(svc, UNIT, svc.principal("ana.souza@trf1.jus.br"), FRIDAY)
