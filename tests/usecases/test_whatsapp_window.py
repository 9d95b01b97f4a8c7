"""Issue 18 on the fakes: WhatsApp's 24-hour customer-service window. Free-form text while the citizen
wrote less than 24 hours ago, a template the court registered after that (Meta's rule); the window is
counted from the conversation's last inbound message."""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain.conversation.window import MAX_VALUE, WINDOW_MS, late_value, window_open
from domain.usecases import whatsapp_conversation as wa
from domain.usecases.whatsapp_conversation import Received
from tests.usecases.conftest import World
from tests.usecases.test_whatsapp_conversation import PHONE, Citizen

HOUR_MS = 3_600_000


@pytest.mark.parametrize(
    ("wrote_ms_ago", "open_"),
    [(0, True), (HOUR_MS, True), (24 * HOUR_MS - 1, True), (24 * HOUR_MS, False), (30 * HOUR_MS, False)],
)
def test_the_window_is_24_hours_after_the_last_inbound_message(wrote_ms_ago: int, open_: bool) -> None:
    now_ms = 1_800_000_000_000
    assert WINDOW_MS == 24 * HOUR_MS
    assert window_open(now_ms - wrote_ms_ago, now_ms) is open_
    assert window_open(0, now_ms) is False  # never wrote


def test_a_late_reply_is_one_line_and_short() -> None:
    value = late_value(["Escolha a unidade:\n1 - Vara A\n2 - Vara B", "Ou escreva o nome."])
    assert value == "Escolha a unidade: 1 - Vara A 2 - Vara B Ou escreva o nome."
    assert len(late_value(["palavra " * 500])) == MAX_VALUE


def test_inside_the_window_replies_are_text(world: World) -> None:
    maria = Citizen(world)
    assert maria.send("oi") == len(world.fakes.replies.sent) > 0
    assert world.fakes.replies.templates == []


def test_a_message_delivered_again_after_the_window_closed_is_answered_with_the_template(
    world: World,
) -> None:
    """Event Grid retries for up to 24 hours: a message written right after "oi" but applied 25 hours
    later is answered after the window closed."""
    maria = Citizen(world)
    maria.send("oi")
    texts, wrote = len(world.fakes.replies.sent), world.now
    world.now += timedelta(hours=25)
    sent = wa.receive(world.ctx, Received("m-late", PHONE.lstrip("+"), wrote, "1"), world.tick())
    assert sent == 1 and len(world.fakes.replies.sent) == texts  # no free-form text after the window
    ((to, name, values),) = world.fakes.replies.templates
    assert (to, name) == (PHONE, "conversation") and len(values) == 1
    assert "encerrada por falta de resposta" in values[0] and "\n" not in values[0]
    maria.send("oi")  # she writes again: the window is open again
    assert len(world.fakes.replies.sent) > texts and len(world.fakes.replies.templates) == 1


def test_an_old_message_delivered_after_a_recent_one_is_answered_with_text(world: World) -> None:
    """The window counts from the conversation's last inbound message, not from the one being applied."""
    maria = Citizen(world)
    written_long_ago = world.now - timedelta(hours=30)
    maria.send("oi")  # she wrote a moment ago: the window is open
    wa.receive(world.ctx, Received("m-old", PHONE.lstrip("+"), written_long_ago, "1"), world.tick())
    assert world.fakes.replies.templates == [] and "Você escolheu:" in maria.said()
