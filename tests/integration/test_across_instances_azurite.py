"""What must hold across instances, with two workers (two sets of adapters with their own memory) on one
Azurite, deterministic and without a network (the webhook is an httpx transport): a card sent once, the
join limits and the webhook's pace.

The e2e run over three dev host processes (tests/e2e/test_multi_instance.py) shows the same under load;
here each race is forced: a card whose key another worker is sending, a send that fails, a claim left
by a worker that died.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime

import httpx
import pytest

from adapters.limits_table import CLAIM_S, PACING_TABLE, SharedWindow, TableLimits
from adapters.storage import METER, table_service
from adapters.teams_webhook import TeamsWebhookNotifier, WebhookTuning, webhook_id
from domain.errors import ProviderError, RateLimitedError, TransientProviderError
from domain.usecases import notices
from domain.usecases.context import Context
from domain.usecases.unit_day import service_day
from functions.limits import JOIN, MAX_ACTIVE_PER_CLIENT, Limiter, per_unit
from tests.support.azurite import Azurite
from tests.support.services import build_services, demo_config

pytestmark = [pytest.mark.azurite]

UNIT = "tjac-rbr-1vce"
NOW = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def env() -> Iterator[dict[str, str]]:
    with Azurite() as azurite:
        yield {"AzureWebJobsStorage": azurite.connection_string}


HOOK = "https://example.invalid/hook"


class Channel:
    """A Teams channel as the workers' notifiers reach it (their httpx transport): records the cards
    posted (their first waiting number), can hold a post or refuse it."""

    def __init__(self) -> None:
        self.sent: list[str] = []
        self.hold = threading.Event()
        self.holding = threading.Event()
        self.fail = False

    def post(self, request: httpx.Request) -> httpx.Response:
        if self.fail:
            return httpx.Response(400)  # refused: not retried, the delivery fails
        self.holding.set()
        self.hold.wait(10)
        self.sent.extend(_facts(json.loads(request.content), "Primeira senha"))
        return httpx.Response(202)


def _facts(node: object, title: str) -> list[str]:
    if isinstance(node, dict):
        found = [str(node["value"])] if node.get("title") == title else []
        return found + [f for value in node.values() for f in _facts(value, title)]
    if isinstance(node, list):
        return [f for value in node for f in _facts(value, title)]
    return []


def worker(
    env: dict[str, str], table: str, channel: Channel, limits: TableLimits | None = None, hook: str = HOOK
) -> Context:
    """An instance: its own adapters and memory; its notifier paces and claims in the shared window."""
    window = (limits or shared(env)).pacer
    notifier = TeamsWebhookNotifier(
        transport=httpx.MockTransport(channel.post), pacer=window, tuning=WebhookTuning(total_timeout=10)
    )
    ctx = build_services(env, table, notifier=notifier)
    return replace(ctx, webhook_url_for=lambda unit: hook)


def message(key: str) -> dict[str, str]:
    return {"kind": "no_clerk_online", "unitId": UNIT, "dedupKey": key, "display_number": key.upper()}


def test_a_card_is_sent_once_whichever_worker_gets_its_message(env: dict[str, str]) -> None:
    table = f"q{os.urandom(4).hex()}"
    channel = Channel()
    first, second = worker(env, table, channel), worker(env, table, channel)
    channel.hold.set()
    assert notices.deliver_notifications(first, [message("k0")], NOW) == 1  # both know the window now
    assert notices.deliver_notifications(second, [message("k0")], NOW) == 0
    channel.hold.clear()
    channel.holding.clear()

    # The first worker is sending (held); the message, redelivered, reaches the second one.
    sending = threading.Thread(target=notices.deliver_notifications, args=(first, [message("k1")], NOW))
    sending.start()
    assert channel.holding.wait(10)
    with pytest.raises(TransientProviderError):  # in flight elsewhere: retry later, send nothing
        notices.deliver_notifications(second, [message("k1")], NOW)
    channel.hold.set()
    sending.join(10)
    assert notices.deliver_notifications(second, [message("k1")], NOW) == 0  # the retry finds it done
    assert channel.sent == ["K0", "K1"]

    # A send that fails releases the key: the other worker's retry sends it.
    channel.fail = True
    with pytest.raises(ProviderError):
        notices.deliver_notifications(first, [message("k2")], NOW)
    channel.fail = False
    assert notices.deliver_notifications(second, [message("k2"), message("k2")], NOW) == 1
    assert channel.sent == ["K0", "K1", "K2"]

    # A worker that died while sending leaves a claim; after the claim's time another takes over.
    day = service_day(first.unit(UNIT), NOW)
    dead = shared(env).pacer(webhook_id(HOOK), 4, 1.5, time.monotonic)
    assert dead.book(time.monotonic() + 60, keys=[f"{UNIT}.{day}.k3"]).start is not None
    with pytest.raises(TransientProviderError):
        notices.deliver_notifications(second, [message("k3")], NOW)
    wall = lambda: time.time() + CLAIM_S + 1  # noqa: E731 - the wall clock, a claim's time later
    later = worker(env, table, channel, TableLimits(table_service(env), fingerprint=str, wall=wall))
    assert notices.deliver_notifications(later, [message("k3")], NOW) == 1
    assert channel.sent == ["K0", "K1", "K2", "K3"]


def test_a_card_costs_one_transaction_for_its_slot_and_claim_and_one_for_its_mark(
    env: dict[str, str],
) -> None:
    """Issue 17: the dedup claim is written in the transaction that books the webhook's slot (the
    window's partition holds it), the mark "done" after the post: two storage transactions a card,
    while this worker wrote the window last."""
    channel = Channel()
    channel.hold.set()
    ctx = worker(env, f"q{os.urandom(4).hex()}", channel, hook=f"{HOOK}/{os.urandom(4).hex()}")
    assert notices.deliver_notifications(ctx, [message("c0")], NOW) == 1  # creates the window
    for key in ("c1", "c2", "c3"):
        before = METER.total()
        assert notices.deliver_notifications(ctx, [message(key)], NOW) == 1
        assert METER.total() - before == 2, key
    before = METER.total()
    assert notices.deliver_notifications(ctx, [message("c1")], NOW) == 0  # a replay, known here
    assert METER.total() - before == 0
    assert channel.sent == ["C0", "C1", "C2", "C3"]


def test_a_cards_claim_is_kept_two_days_then_deleted(env: dict[str, str]) -> None:
    """A claim outlives any redelivery of its message (kept CLAIMS_KEPT_S), then the first booking of
    a process on a later UTC day deletes it: the window's partition does not grow day after day."""
    hook, start = f"h{os.urandom(4).hex()}", time.time()

    def window(days: float) -> SharedWindow:
        limits = TableLimits(table_service(env), fingerprint=str, wall=lambda: start + days * 86400)
        return limits.pacer(hook, 4, 1.0, time.monotonic)

    def claims() -> list[str]:
        table = table_service(env).get_table_client(PACING_TABLE)
        rows = table.query_entities("PartitionKey eq @pk", parameters={"pk": f"pace.{hook}"})
        return sorted(str(row["state"]) for row in rows if row["RowKey"].startswith("n."))

    deadline = time.monotonic() + 60
    first = window(0)
    assert first.book(deadline, keys=["old"]).start is not None
    first.settle(["old"], done=True)
    assert window(1.5).book(deadline, keys=["new"]).start is not None  # a day and a half: kept
    assert claims() == ["claimed", "done"]
    assert window(1.5).book(deadline, keys=["old"]).refused == {"old": "done"}
    assert window(3).book(deadline, keys=["newest"]).start is not None  # three days: "old" deleted
    assert claims() == ["claimed", "claimed"]


def shared(env: dict[str, str]) -> TableLimits:
    return TableLimits(table_service(env), fingerprint=lambda text: text.replace("|", "-").replace(".", "-"))


def test_a_clients_joins_are_limited_across_instances(env: dict[str, str]) -> None:
    instances = [Limiter(shared=shared(env)) for _ in range(3)]  # each with its own memory
    client = f"198.51.100.{os.urandom(1)[0]}"
    unit = demo_config(maxWaiting=5000).unit(UNIT)
    started = time.monotonic()
    allowed = 0
    for i in range(30):
        try:
            instances[i % 3].check(JOIN, client, unit, lambda ticket: True)
            allowed += 1
        except RateLimitedError:
            pass
    # 10 at once, then one every 6 s, for the app (each instance alone would let 10 through: 30).
    assert 10 <= allowed <= 10 + (time.monotonic() - started) / 6 + 1

    # The cap on active tickets counts what every instance gave the client.
    other = f"203.0.113.{os.urandom(1)[0]}"
    for n in range(MAX_ACTIVE_PER_CLIENT):
        instances[n % 3].accepted(other, f"{UNIT}.20260310.t{n:09d}")
    with pytest.raises(RateLimitedError, match="senhas ativas"):
        instances[2].check(JOIN, other, unit, lambda ticket: True)


def test_a_units_joins_are_limited_across_instances_in_leases(env: dict[str, str]) -> None:
    instances = [Limiter(shared=shared(env)) for _ in range(3)]
    # a third of the line of 50 (issue 16): 16 at once, then 16 a minute, taken in leases of 1
    unit = demo_config(maxWaiting=50).unit("tjam-tefe-vu")
    burst = 50 // 3
    started = time.monotonic()
    allowed = 0
    for i in range(150):
        try:
            instances[i % 3].check(JOIN, None, unit, lambda ticket: True)
            allowed += 1
        except RateLimitedError:
            pass
    refill = (time.monotonic() - started) * burst / 60
    assert burst <= allowed <= burst + refill + 1, allowed


def test_a_solved_challenge_is_spent_once_across_instances(env: dict[str, str]) -> None:
    """A proof of work (functions/proof.py) spent on one instance is a replay on every other."""
    instances = [Limiter(shared=shared(env)) for _ in range(3)]
    signature = os.urandom(16).hex()
    expires = time.time() + 600
    spent = [instance.spend_proof(signature, expires) for instance in instances for _ in range(2)]
    assert spent == [True, False, False, False, False, False]
    assert instances[1].spend_proof(os.urandom(16).hex(), expires) is True


def test_every_instance_sees_how_much_of_a_units_join_bucket_is_spent(env: dict[str, str]) -> None:
    """The unit's share of the proof rule reads the shared bucket: joins on two instances are seen
    by a third that took nothing (its own memory alone would say nothing was spent)."""
    instances = [Limiter(shared=shared(env)) for _ in range(3)]
    template = demo_config(maxWaiting=50).unit("tjam-tefe-vu")
    assert template is not None
    unit = template.model_copy(update={"id": f"u{os.urandom(4).hex()}"})
    assert instances[2].spent(JOIN, None, unit) == (0.0, 0.0)
    for i in range(8):
        instances[i % 2].check(JOIN, None, unit, lambda ticket: True)
    unit_spent, _ = instances[2].spent(JOIN, None, unit)
    assert 7 / 16 <= unit_spent <= 8 / 16, unit_spent  # 8 of 16 taken, a little refilled since


def test_the_webhook_window_holds_across_instances(env: dict[str, str]) -> None:
    hook = f"h{os.urandom(4).hex()}"
    windows = [shared(env).pacer(hook, 4, 1.05, time.monotonic) for _ in range(3)]
    deadline = time.monotonic() + 60
    starts = sorted(windows[i % 3].reserve(deadline) or 0.0 for i in range(16))
    assert all(starts)
    gaps = [starts[i + 4] - starts[i] for i in range(len(starts) - 4)]
    # never a fifth post within one window; starts are given back in each caller's monotonic clock,
    # converted from the wall clock in storage at each call: a microsecond apart, so a millisecond's slack
    assert min(gaps) >= 1.05 - 1e-3, gaps


def test_a_worker_that_wrote_a_shared_limit_last_changes_it_without_reading_it(env: dict[str, str]) -> None:
    """A bucket or a webhook window this worker wrote last is changed in one request (its write under
    the etag it got); once another worker wrote, the refused write costs a read and a write more."""
    mine, theirs = shared(env), shared(env)
    key = f"join|unit|u{os.urandom(4).hex()}"
    unit_rate = per_unit(JOIN, demo_config().unit(UNIT))
    mine.bucket(key, unit_rate)  # creates it: a read and a create
    before = METER.total()
    for _ in range(3):
        assert mine.bucket(key, unit_rate)[0] == 1
    assert METER.total() - before == 3  # one write each, no read
    theirs.bucket(key, unit_rate)
    before = METER.total()
    assert mine.bucket(key, unit_rate)[0] == 1
    assert METER.total() - before == 3  # the write refused (412), a read, the write

    hook = f"h{os.urandom(4).hex()}"
    window = mine.pacer(hook, 4, 1.0, time.monotonic)
    deadline = time.monotonic() + 60
    window.reserve(deadline)
    before = METER.total()
    for _ in range(3):
        assert window.reserve(deadline) is not None
    assert METER.total() - before == 3


def test_a_citizen_channel_is_paced_across_instances(env: dict[str, str]) -> None:
    """Issue 13: three instances sending on one channel share its window in storage: never more than N
    sends in any window, whichever instance sends (the sends themselves, timed where they arrive)."""
    from adapters.notice_pacing import PacedChannel
    from domain.ports import CitizenNotice
    from tests.fakes.fake_channels import RecordingChannel

    arrived: list[float] = []

    class Timed(RecordingChannel):
        def send(self, notice: CitizenNotice) -> str:
            arrived.append(time.monotonic())
            return super().send(notice)

    name = f"citizen.push.{os.urandom(4).hex()}"
    instances = [
        PacedChannel(Timed("push"), shared(env).pacer(name, 3, 1.0, time.monotonic)) for _ in range(3)
    ]
    notice = CitizenNotice("called", "push", "contact", "t", "x", "https://l", "k")
    threads = [threading.Thread(target=lambda c=c: [c.send(notice) for _ in range(3)]) for c in instances]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    arrived.sort()
    assert len(arrived) == 9
    gaps = [arrived[i + 3] - arrived[i] for i in range(len(arrived) - 3)]
    assert min(gaps) >= 1.0 - 0.25, gaps  # a fourth send never within one window (thread wake-up aside)


def test_threads_of_one_worker_booking_at_once_cost_one_write_each(env: dict[str, str]) -> None:
    """A queue function runs a batch of messages on threads at once (host.json `batchSize`): their
    bookings of one window take turns in the worker, each starting from the copy the previous one
    wrote, so none is refused by another's write (a 412 costs a read and a write more, and after
    `_ATTEMPTS` the notice waits for its retry): one write per booking, and the window still holds."""
    window = shared(env).pacer(f"h{os.urandom(4).hex()}", 50, 1.0, time.monotonic)
    deadline = time.monotonic() + 60
    window.reserve(deadline)  # creates the window: this worker wrote it last
    threads = 12
    ready = threading.Barrier(threads)
    starts: list[float | None] = []

    def book() -> None:
        ready.wait(10)
        starts.append(window.reserve(deadline))

    before = METER.total()
    workers = [threading.Thread(target=book) for _ in range(threads)]
    for t in workers:
        t.start()
    for t in workers:
        t.join(30)
    assert len(starts) == threads and all(s is not None for s in starts), starts
    assert METER.total() - before == threads
