"""Issue 13's notices about what a citizen follows by its own link, on the fakes: the appointment
reminder (`reminderMinutes` before the slot, once per appointment) and the reply to an asynchronous
message (on the channels chosen when writing it). Links open the citizen's own page with the token in
the fragment; the bodies carry the unit, the time or the protocol and the link: never a name, an OAB
number or a process number (issue 16)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import pytest

from adapters.notice_whatsapp import template_content
from domain.contacts import NoticeRequest
from domain.errors import InvalidInputError
from domain.ports import CITIZEN_NOTICE_QUEUE, JOIN_QUEUE
from domain.usecases import (
    admission,
    appointment_day,
    async_channel,
    booking,
    clerk_actions,
    joining,
    retention,
)
from domain.usecases.citizen_notices import KINDS, deliver_citizen_notice, render
from domain.usecases.context import Context
from domain.usecases.notice_subjects import Subject
from tests.domain.test_contacts import sub
from tests.fakes.context import Fakes, fake_context
from tests.integration import test_async_azurite as messages
from tests.integration.test_scheduling_azurite import CLERK, MONDAY, SLOT, UNIT, config, person
from tests.support.flows import ticket_json

PHONE, EMAIL = "+5592991234567", "raimundo.nonato@exemplo.com.br"
WHATSAPP = NoticeRequest(channel="whatsapp", phone="+55 (92) 99123-4567")
MAIL = NoticeRequest(channel="email", email=EMAIL)
PUSH = NoticeRequest(channel="push", subscription=sub())
REMINDER_MIN = 30  # the unit's scheduling.reminderMinutes (the default)


@pytest.fixture
def world() -> tuple[Context, Fakes]:
    return fake_context(config(), always_open=False)


def deliver(ctx: Context, fakes: Fakes, now: datetime, *, twice: bool = False) -> list[dict[str, Any]]:
    """The citizen-notices queue function over everything waiting; `twice`: each message replayed."""
    taken = fakes.bus.take(CITIZEN_NOTICE_QUEUE)
    for message in taken:
        for _ in range(2 if twice else 1):
            deliver_citizen_notice(ctx, message, now)
    return taken


def sent(fakes: Fakes, channel: str, kind: str) -> list[Any]:
    return [n for n in fakes.channels[channel].sent if n.kind == kind]


def assert_private_link(link: str, page: str, record_id: str, token: str) -> None:
    before, _, fragment = link.partition("#")
    assert fragment == f"t={token}" and token not in before and record_id in before and page in before


def test_the_appointment_reminder_reaches_the_citizen_once_before_the_slot(
    world: tuple[Context, Fakes],
) -> None:
    ctx, fakes = world
    assert ctx.unit(UNIT).scheduling.reminder_minutes == REMINDER_MIN
    made = booking.book(ctx, UNIT, person(1, notices=(WHATSAPP, PUSH)), SLOT, MONDAY)
    booking.book(ctx, UNIT, person(2), SLOT, MONDAY)  # gave no contact: no reminder
    stored = fakes.appointments.get(UNIT, f"a.20261214.{made.appointment_id.rsplit('.', 1)[1]}")
    assert stored is not None and json.loads(stored.fields["contacts"])["whatsapp"] == PHONE

    early = SLOT - timedelta(minutes=REMINDER_MIN + 1)
    appointment_day.run_appointments(ctx, early)
    assert fakes.bus.take(CITIZEN_NOTICE_QUEUE) == []  # not yet
    due = SLOT - timedelta(minutes=REMINDER_MIN)
    appointment_day.run_appointments(ctx, due)
    appointment_day.run_appointments(ctx, due + timedelta(minutes=1))  # the next minute: nothing more
    queued = deliver(ctx, fakes, due, twice=True)  # and each message replayed
    assert [(m["kind"], m["ticketId"]) for m in queued] == [("reminder", made.appointment_id)]  # not `silent`

    for channel in ("whatsapp", "push"):
        [reminder] = sent(fakes, channel, "reminder")
        assert "10h00" in reminder.text and "14/12" in reminder.text
        assert_private_link(reminder.link, "agendar.html?agendamento=", made.appointment_id, made.token)
        assert "Pessoa Agendada" not in reminder.text and "0001234" not in reminder.text
    whatsapp = sent(fakes, "whatsapp", "reminder")[0]
    assert whatsapp.contact == PHONE and whatsapp.template == "reminder"
    assert whatsapp.template_values == (ctx.unit(UNIT).name, "14/12 às 10h00", whatsapp.link)
    told = json.loads(fakes.appointments.get(UNIT, stored.key).fields["notices"])  # type: ignore[union-attr]
    assert sorted(n["channel"] for n in told) == ["push", "whatsapp"]
    assert {n["outcome"] for n in told} == {"sent"}

    # At the time it enters the line: the ticket (same id) is reachable on the same channels.
    assert appointment_day.run_appointments(ctx, SLOT) == {"admitted": 2}
    view = ticket_json(ctx, (made.appointment_id, made.token), SLOT)
    assert view["noticeChannels"] == ["push", "whatsapp"] and view["reachable"] is True
    assert ctx.store.get_contacts(made.appointment_id)["whatsapp"] == PHONE


def test_no_reminder_for_an_appointment_cancelled_after_it_was_queued(world: tuple[Context, Fakes]) -> None:
    ctx, fakes = world
    made = booking.book(ctx, UNIT, person(3, notices=(MAIL,)), SLOT, MONDAY)
    appointment_day.run_appointments(ctx, SLOT - timedelta(minutes=REMINDER_MIN))
    booking.cancel(ctx, made.appointment_id, made.token, SLOT - timedelta(minutes=REMINDER_MIN - 1))
    deliver(ctx, fakes, SLOT - timedelta(minutes=REMINDER_MIN - 2))
    assert fakes.channels["email"].sent == []


def test_a_follow_up_and_a_rescheduled_appointment_keep_the_channels(world: tuple[Context, Fakes]) -> None:
    ctx, fakes = world
    opened = MONDAY.replace(hour=9)
    joined = joining.accept_join(ctx, UNIT, person(4, notices=(WHATSAPP,)), opened)
    admission.admit(ctx, fakes.bus.take(JOIN_QUEUE), opened)
    clerk = ctx.principal(CLERK)
    clerk_actions.call_next(ctx, UNIT, clerk, opened)
    made = booking.offer_follow_up(ctx, UNIT, joined.ticket_id, clerk, SLOT, opened)
    moved = booking.reschedule(ctx, made.appointment_id, made.token, SLOT + timedelta(hours=1), opened)
    fakes.bus.take(CITIZEN_NOTICE_QUEUE)  # the visit's own notices
    appointment_day.run_appointments(ctx, SLOT + timedelta(hours=1) - timedelta(minutes=REMINDER_MIN))
    deliver(ctx, fakes, SLOT)
    [reminder] = sent(fakes, "whatsapp", "reminder")
    assert reminder.contact == PHONE and moved.appointment_id in reminder.link and "11h00" in reminder.text


def test_a_bad_contact_at_booking_is_refused_naming_the_field_and_nothing_is_stored(
    world: tuple[Context, Fakes],
) -> None:
    ctx, fakes = world
    with pytest.raises(InvalidInputError) as refused:
        booking.book(ctx, UNIT, person(5, notices=(NoticeRequest(channel="sms", phone="123"),)), SLOT, MONDAY)
    assert list(refused.value.fields) == ["notices[0].phone"]
    assert fakes.appointments.query(UNIT, "a.", "a.~") == []


# --- the reply to an asynchronous message --------------------------------------------------------


def test_the_reply_is_told_on_the_channels_chosen_when_writing(world: tuple[Context, Fakes]) -> None:
    ctx, fakes = world
    written = async_channel.send_message(
        ctx, messages.UNIT, replace(messages.message(), notices=(WHATSAPP, MAIL)), messages.FRIDAY
    )
    silent = async_channel.send_message(ctx, messages.UNIT, messages.message("Outra dúvida"), messages.FRIDAY)
    clerk = ctx.principal(messages.CLERK)
    later = messages.FRIDAY + timedelta(hours=1)
    async_channel.reply(ctx, messages.UNIT, written.message_id, clerk, "Sim, foi mantida.", later)
    async_channel.reply(ctx, messages.UNIT, silent.message_id, clerk, "Não há data ainda.", later)
    queued = deliver(ctx, fakes, later, twice=True)
    assert [(m["kind"], m["ticketId"]) for m in queued] == [("reply", written.message_id)]
    for channel in ("whatsapp", "email"):
        [reply] = sent(fakes, channel, "reply")
        assert written.protocol in reply.text and "Sim, foi mantida" not in reply.text  # read on the page
        assert "Raimundo" not in reply.text
        assert_private_link(reply.link, "mensagem.html?mensagem=", written.message_id, written.token)
    assert sent(fakes, "whatsapp", "reply")[0].template_values[1] == written.protocol


def test_a_bad_contact_in_a_message_is_refused_and_its_contacts_are_erased_with_it(
    world: tuple[Context, Fakes],
) -> None:
    ctx, fakes = world
    bad = replace(messages.message(), notices=(NoticeRequest(channel="email", email="nao-e-email"),))
    with pytest.raises(InvalidInputError) as refused:
        async_channel.send_message(ctx, messages.UNIT, bad, messages.FRIDAY)
    assert list(refused.value.fields) == ["notices[0].email"]
    assert fakes.messages.query(messages.UNIT, "m.", "m.~") == []
    written = async_channel.send_message(
        ctx, messages.UNIT, replace(messages.message(), notices=(MAIL,)), messages.FRIDAY
    )
    [row] = fakes.messages.query(messages.UNIT, "m.", "m.~")
    assert EMAIL in row.fields["contacts"]
    retention.erase_own_data(ctx, written.message_id, written.token, messages.FRIDAY)
    [row] = fakes.messages.query(messages.UNIT, "m.", "m.~")
    assert EMAIL not in json.dumps(row.fields)


# --- every notice fits its WhatsApp template ------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_every_notice_kind_fits_a_registered_whatsapp_template(kind: str) -> None:
    subject = Subject({"whatsapp": PHONE}, "P004", "https://balcao.test/entrar.html#u=x&t=y.k1.mac", places=3)
    notice = render("1ª Vara", subject, kind, "whatsapp", PHONE, f"{kind}.abc")
    content = template_content("canal", notice)  # the adapter refuses a template it does not know
    assert content.template.name == kind
