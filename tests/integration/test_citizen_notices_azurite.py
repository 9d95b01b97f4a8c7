"""Citizen notices across instances (issue 13), with two workers (two sets of adapters, each with its own
memory and its own real Web Push sender) on one Azurite and the local push service that decrypts what
arrives (tests/fakes/fake_push.py): the near-front notice reaches the citizen once per ticket whichever
worker moves the line, whichever worker gets its message, however often the message is replayed and
however many passes see the citizen inside the threshold; the appointment reminder once per appointment
when both instances' minute timers find it due.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from adapters.notice_push import WebPushChannel, new_vapid_keys
from domain.contacts import NoticeRequest
from domain.ports import CITIZEN_NOTICE_QUEUE
from domain.tokens import KeyRing
from domain.usecases import appointment_day, booking, clerk_actions
from domain.usecases.citizen_notices import deliver_citizen_notice
from domain.usecases.context import Context
from domain.usecases.upkeep import upkeep_unit
from tests.fakes.fake_channels import Channels
from tests.fakes.fake_push import FakePush
from tests.integration import test_scheduling_azurite as scheduling
from tests.support import flows
from tests.support.azurite import Azurite
from tests.support.services import build_services

pytestmark = [pytest.mark.azurite]

UNIT = "trf1-sjac-01vf"
DAY = "20261130"
NOW = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)  # Monday, 10:00 in Rio Branco
ANA = "ana.souza@trf1.jus.br"
_, PRIVATE = new_vapid_keys()
SCHEDULING = scheduling.config()  # a unit that books appointments
KEYS = KeyRing({"k1": os.urandom(32)})  # the deployment's token keys, the same on every instance


@pytest.fixture(scope="module")
def env() -> Iterator[dict[str, str]]:
    with Azurite() as azurite:
        yield {"AzureWebJobsStorage": azurite.connection_string}


@pytest.fixture(scope="module")
def push() -> Iterator[FakePush]:
    with FakePush() as service:
        yield service


def worker(env: dict[str, str], table: str, push: FakePush) -> Context:
    """One function instance: its own store, bus and push sender (the real pywebpush)."""
    sender = WebPushChannel(PRIVATE, "mailto:ti@trf1.jus.br", session=push.session(), timeout_s=5)
    ctx = build_services(env, table)
    return replace(ctx, keys=KEYS, citizen_channels=Channels({"push": sender}), push_hosts=("127.0.0.1",))


def take_notices(ctx: Context) -> list[dict[str, Any]]:
    """Everything waiting in `citizen-notices`, taken off the queue (the test hands it out)."""
    taken: list[dict[str, Any]] = []
    while True:
        batch = ctx.bus.drain(CITIZEN_NOTICE_QUEUE, 32)  # type: ignore[attr-defined]
        if not batch.items:
            return taken
        taken.extend(m.payload for m in batch.items)
        batch.complete()


def received(push: FakePush, subscriber: str) -> list[dict[str, Any]]:
    """The notices the subscriber's browser could read (accepted, VAPID checked, decrypted)."""
    return [
        r.payload or {}
        for r in push.received
        if r.subscriber == subscriber and r.status == 201 and r.vapid_ok
    ]


def kinds_received(push: FakePush, subscriber: str) -> list[str]:
    return [str(p.get("kind")) for p in received(push, subscriber)]


def test_the_near_front_notice_reaches_the_citizen_once_across_instances_and_replays(
    env: dict[str, str], push: FakePush
) -> None:
    table = f"q{os.urandom(4).hex()}"
    one, two = worker(env, table, push), worker(env, table, push)
    subscription = push.subscribe()
    subscriber = subscription["endpoint"].rsplit("/", 1)[1]
    now = NOW
    for i in range(3):  # three ahead, with no channel
        flows.join(one, UNIT, now + timedelta(seconds=i), f"Pessoa Número {i}")
    mine = flows.join(
        two,
        UNIT,
        now + timedelta(seconds=5),
        "Maria Avisada",
        notices=(NoticeRequest(channel="push", subscription=subscription),),
    )
    flows.admit_waiting(one, now + timedelta(seconds=6))
    for message in take_notices(one):  # "joined"
        deliver_citizen_notice(two, message, now + timedelta(seconds=7))
    assert kinds_received(push, subscriber) == ["joined"]  # position 4: not near (nearFrontPosition 3)

    # The line moves on one worker while the other's upkeep passes see her inside the threshold.
    now += timedelta(seconds=10)
    clerk_actions.call_next(one, UNIT, one.principal(ANA), now)
    for worker_ctx, seconds in ((two, 1), (one, 2), (two, 61)):
        upkeep_unit(worker_ctx, worker_ctx.unit(UNIT), DAY, now + timedelta(seconds=seconds))
    for ctx in (one, two):  # polls on both workers (a poll never queues a notice)
        assert flows.ticket_json(ctx, mine, now + timedelta(seconds=3))["status"] == "waiting"
    queued = take_notices(two)
    near = [m for m in queued if m["kind"] == "near_front"]
    short = mine.ticket_id.rsplit(".", 1)[1]
    assert near and {m["dedupKey"] for m in near} == {f"near_front.{short}"}  # the ticket and the kind
    # Each message reaches both workers, and again (a replay after a lost lease).
    for message in near + near:
        for ctx in (one, two):
            deliver_citizen_notice(ctx, message, now + timedelta(seconds=70))
    # The line moves again: position 2, still inside: nothing more.
    clerk_actions.call_next(two, UNIT, two.principal(ANA), now + timedelta(seconds=80))
    upkeep_unit(one, one.unit(UNIT), DAY, now + timedelta(seconds=90))
    for message in take_notices(one):
        deliver_citizen_notice(one, message, now + timedelta(seconds=91))
        deliver_citizen_notice(two, message, now + timedelta(seconds=92))

    assert kinds_received(push, subscriber) == ["joined", "near_front"]
    near_front = received(push, subscriber)[1]
    assert "#" in near_front["url"] and "?" not in near_front["url"]  # the token in the fragment only
    stored = one.store.get_ticket(mine.ticket_id) or {}
    told = [n for n in json.loads(str(stored.get("notices") or "[]")) if n["kind"] == "near_front"]
    assert [n["outcome"] for n in told] == ["sent"]


def test_the_appointment_reminder_reaches_the_citizen_once_across_instances(
    env: dict[str, str], push: FakePush
) -> None:
    table = f"q{os.urandom(4).hex()}"
    one, two = (
        replace(worker(env, table, push), config=lambda: SCHEDULING, always_open=False) for _ in range(2)
    )
    subscription = push.subscribe()
    subscriber = subscription["endpoint"].rsplit("/", 1)[1]
    chosen = (NoticeRequest(channel="push", subscription=subscription),)
    made = booking.book(
        one, scheduling.UNIT, scheduling.person(1, notices=chosen), scheduling.SLOT, scheduling.MONDAY
    )
    due = scheduling.SLOT - timedelta(minutes=one.unit(scheduling.UNIT).scheduling.reminder_minutes)
    for ctx, seconds in ((one, 0), (two, 0), (two, 60)):  # both instances' minute timers, then the next
        appointment_day.run_appointments(ctx, due + timedelta(seconds=seconds))
    for message in take_notices(one):
        for ctx in (one, two, one):  # on both instances, and replayed
            deliver_citizen_notice(ctx, message, due + timedelta(seconds=61))

    assert kinds_received(push, subscriber) == ["reminder"]
    reminder = received(push, subscriber)[0]
    address, _, fragment = reminder["url"].partition("#")
    assert (
        address.endswith(f"/agendar.html?agendamento={made.appointment_id}") and fragment == f"t={made.token}"
    )
    assert "Pessoa Agendada" not in reminder["body"]
