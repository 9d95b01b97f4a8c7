"""Attendance by chat on the fakes (domain/usecases/chat.py): the clerk switches a called attendance to
chat, three messages go back and forth, markup and files are refused and change nothing, nothing is
written outside the attendance; the rollups count it once as an attendance by chat; the transcript goes
with the rest of the personal data in the retention purge and in the holder's erasure."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from domain.errors import InvalidInputError, InvalidTransitionError
from domain.ports import JOIN_QUEUE
from domain.tickets import Action
from domain.usecases import (
    admission,
    chat,
    clerk_actions,
    joining,
    metrics_reports,
    metrics_rollup,
    retention,
)
from domain.usecases.context import Context
from domain.usecases.metrics_scope import ReportQuery
from tests.fakes.context import Fakes, fake_context

UNIT = "trf1-sjac-02vf"  # no categories; clerk Ana
ANA = "ana.souza@trf1.jus.br"
NOW = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)


def called(ctx: Context, fakes: Fakes, name: str = "Rosa Texto") -> tuple[joining.JoinAccepted, str]:
    data = joining.JoinInput(name=name, role="parte", reason="orientacao", consent=True)
    accepted = joining.accept_join(ctx, UNIT, data, NOW)
    admission.admit(ctx, fakes.bus.take(JOIN_QUEUE), NOW)
    call = clerk_actions.call_next(ctx, UNIT, ctx.principal(ANA), NOW)
    assert call.ticket_id == accepted.ticket_id
    return accepted, call.ticket_id


def test_three_messages_by_chat_and_the_refusals_that_store_nothing() -> None:
    ctx, fakes = fake_context()
    ticket, ticket_id = called(ctx, fakes)
    ana = ctx.principal(ANA)
    with pytest.raises(InvalidTransitionError):  # still by video: no message yet
        chat.citizen_says(ctx, ticket_id, ticket.token, "Olá", NOW)
    assert chat.set_mode(ctx, UNIT, ticket_id, ana, "chat", NOW).mode == "chat"
    chat.citizen_says(ctx, ticket_id, ticket.token, "Não consigo abrir o vídeo.", NOW + timedelta(seconds=5))
    chat.clerk_says(ctx, UNIT, ticket_id, ana, "Tudo bem, seguimos por aqui.", NOW + timedelta(seconds=9))
    transcript = chat.citizen_says(ctx, ticket_id, ticket.token, "Obrigada!", NOW + timedelta(seconds=20))
    assert [(line.author, line.text) for line in transcript.lines] == [
        ("citizen", "Não consigo abrir o vídeo."),
        ("clerk", "Tudo bem, seguimos por aqui."),
        ("citizen", "Obrigada!"),
    ]
    for text in ("<b>oi</b>", "veja data:application/pdf;base64,JVBERi0=", "x" * 501, "   "):
        with pytest.raises(InvalidInputError):
            chat.citizen_says(ctx, ticket_id, ticket.token, text, NOW)
    assert len(chat.clerk_chat(ctx, UNIT, ticket_id, ana).lines) == 3
    with pytest.raises(InvalidInputError):
        chat.set_mode(ctx, UNIT, ticket_id, ana, "telefone", NOW)

    clerk_actions.clerk_action(
        ctx, UNIT, ticket_id, clerk_actions.ClerkMove(Action.FINISH), ana, NOW + timedelta(minutes=3)
    )
    after = chat.citizen_chat(ctx, ticket_id, ticket.token)
    assert not after.open and len(after.lines) == 3  # the citizen can still read it
    with pytest.raises(InvalidTransitionError):
        chat.citizen_says(ctx, ticket_id, ticket.token, "Mais uma coisa", NOW + timedelta(minutes=4))


def test_an_attendance_by_chat_is_counted_once_in_the_indicators() -> None:
    ctx, fakes = fake_context()
    _, first = called(ctx, fakes, "Primeira Pessoa")
    ana = ctx.principal(ANA)
    chat.set_mode(ctx, UNIT, first, ana, "chat", NOW)
    chat.set_mode(ctx, UNIT, first, ana, "video", NOW + timedelta(seconds=30))
    chat.set_mode(ctx, UNIT, first, ana, "chat", NOW + timedelta(seconds=60))  # switched back: still one
    clerk_actions.clerk_action(
        ctx, UNIT, first, clerk_actions.ClerkMove(Action.FINISH), ana, NOW + timedelta(minutes=2)
    )
    _, second = called(ctx, fakes, "Segunda Pessoa")  # by video only
    clerk_actions.clerk_action(
        ctx, UNIT, second, clerk_actions.ClerkMove(Action.FINISH), ana, NOW + timedelta(minutes=5)
    )
    later = NOW + timedelta(minutes=10)
    metrics_rollup.roll_up(ctx, later)
    admin = ctx.principal("gestao@balcao.jus.br")
    summary = metrics_reports.summary(ctx, ReportQuery(admin, unit=UNIT), later)
    assert summary.totals.served == 2
    assert summary.chat_attendances == 1


def test_the_transcript_goes_with_the_purge_and_with_the_holders_erasure() -> None:
    ctx, fakes = fake_context()
    kept, kept_id = called(ctx, fakes, "Pessoa Guardada")
    ana = ctx.principal(ANA)
    chat.set_mode(ctx, UNIT, kept_id, ana, "chat", NOW)
    chat.citizen_says(ctx, kept_id, kept.token, "Meu processo é o 123", NOW)
    clerk_actions.clerk_action(ctx, UNIT, kept_id, clerk_actions.ClerkMove(Action.FINISH), ana, NOW)
    erased, erased_id = called(ctx, fakes, "Pessoa Apagada")
    chat.set_mode(ctx, UNIT, erased_id, ana, "chat", NOW)
    chat.clerk_says(ctx, UNIT, erased_id, ana, "Qual é o seu CPF?", NOW)
    clerk_actions.clerk_action(ctx, UNIT, erased_id, clerk_actions.ClerkMove(Action.FINISH), ana, NOW)

    retention.erase_own_data(ctx, erased_id, erased.token, NOW + timedelta(hours=1))
    assert chat.citizen_chat(ctx, erased_id, erased.token).lines == ()
    assert len(chat.citizen_chat(ctx, kept_id, kept.token).lines) == 1  # the other holder's stays

    retention.purge_expired(ctx, NOW + timedelta(days=29), retention_days=30)
    assert len(chat.citizen_chat(ctx, kept_id, kept.token).lines) == 1
    retention.purge_expired(ctx, NOW + timedelta(days=32), retention_days=30)
    assert chat.citizen_chat(ctx, kept_id, kept.token).lines == ()
