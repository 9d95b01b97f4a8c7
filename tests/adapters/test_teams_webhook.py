"""The Teams Workflows notifier against a local fake webhook (tests/fakes/fake_webhook.py)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

import httpx
import pytest

from adapters import cards
from adapters.teams_webhook import (
    Pacing,
    Retries,
    TeamsWebhookNotifier,
    WebhookTuning,
    _SlidingWindowLimiter,
    webhook_id,
)
from domain.errors import ProviderError, TransientProviderError
from domain.ports import Notification
from tests.fakes.fake_webhook import FakeWebhook, Received


def called(number: str, dedup_key: str = "") -> Notification:
    return Notification(
        kind="citizen_called",
        unit_id="tjex-1vc",
        unit_name="1ª Vara Cível",
        data={"display_number": number, "citizen_name": "Maria", "join_url": "https://teams.example/l/x"},
        dedup_key=dedup_key,
    )


def numbers_in(card: dict[str, Any]) -> list[str]:
    """The ticket numbers a delivered card announces (single or coalesced)."""
    found = []
    for element in card["body"]:
        items = element.get("items", [element])
        for item in items:
            text = item.get("text", "")
            if text.startswith("Senha ") and text.endswith(" chamada"):
                found.append(text.split()[1])
    return found


@pytest.fixture
def hook() -> Iterator[FakeWebhook]:
    with FakeWebhook() as fake:
        yield fake


FAST = WebhookTuning(
    retries=Retries(backoff_initial=0.02, backoff_max=0.1, request_timeout=1.0), total_timeout=5.0
)


def make_notifier(tuning: WebhookTuning = FAST, **parts: Any) -> TeamsWebhookNotifier:
    """A notifier with short retries and timeouts; `parts` (transport, clock, sleep) as given."""
    return TeamsWebhookNotifier(tuning=tuning, **parts)


@pytest.fixture
def notifier() -> Iterator[TeamsWebhookNotifier]:
    with make_notifier() as n:
        yield n


def test_payload_shape_is_exact(hook: FakeWebhook, notifier: TeamsWebhookNotifier) -> None:
    notification = called("A001")

    notifier.send(hook.url(), [notification])

    [received] = hook.delivered()
    assert received.body == {
        "type": "message",
        "attachments": [
            {
                "contentType": "application/vnd.microsoft.card.adaptive",
                "contentUrl": None,
                "content": cards.build_card(notification),
            }
        ],
    }
    assert received.headers["content-type"].startswith("application/json")
    assert len(received.raw) < 28 * 1024


def test_at_most_four_requests_per_second_per_webhook(
    hook: FakeWebhook, notifier: TeamsWebhookNotifier
) -> None:
    for i in range(9):  # one by one: nothing to coalesce, only the rate limit spaces them
        notifier.send(hook.url(), [called(f"A{i:03d}")])

    arrivals = [r.at for r in hook.delivered()]
    assert len(arrivals) == 9
    # In any window of one second there are at most four requests: request i+4 comes >= 1 s after i.
    assert all(later - earlier >= 1.0 for earlier, later in zip(arrivals, arrivals[4:], strict=False))


def test_the_limit_is_per_webhook() -> None:
    now = [0.0]
    posted: list[tuple[float, str]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        posted.append((now[0], request.url.path))
        return httpx.Response(202)

    def sleep(seconds: float) -> None:
        now[0] += seconds

    notifier = make_notifier(
        replace(FAST, pacing=Pacing(coalesce_window=0.0)),
        transport=httpx.MockTransport(handler),
        clock=lambda: now[0],
        sleep=sleep,
    )
    for i in range(4):
        notifier.send("https://hooks.example/a?sig=1", [called(f"A{i}")])
        notifier.send("https://hooks.example/b?sig=2", [called(f"B{i}")])
    assert now[0] == 0.0  # eight posts, four per webhook: no waiting at all
    notifier.send("https://hooks.example/a?sig=1", [called("A5")])
    at, path = posted[-1]
    assert (round(at, 6), path) == (1.05, "/a")  # the fifth on one webhook waits a window (+margin)


def test_sliding_window_never_lets_two_bursts_into_one_window() -> None:
    now = [0.0]
    limiter = _SlidingWindowLimiter(4, 1.0, clock=lambda: now[0])
    slots = []
    for _ in range(12):
        slot = limiter.reserve(deadline=100.0)
        assert slot is not None
        slots.append(slot)
        now[0] = slot + 0.001  # the caller sleeps until its slot
    assert all(b - a >= 1.0 - 1e-9 for a, b in zip(slots, slots[4:], strict=False))
    assert limiter.reserve(deadline=now[0]) is None  # the next slot is beyond this deadline: refused


def test_a_burst_of_twenty_becomes_a_few_coalesced_posts(
    hook: FakeWebhook, notifier: TeamsWebhookNotifier
) -> None:
    errors: list[BaseException] = []

    def send(i: int) -> None:
        try:
            notifier.send(hook.url(), [called(f"A{i:03d}", dedup_key=f"called-{i}")])
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=send, args=(i,)) for i in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)

    assert errors == []
    delivered = hook.delivered()
    assert len(delivered) <= 4
    announced = [n for card in hook.cards() for n in numbers_in(card)]
    assert sorted(announced) == [f"A{i:03d}" for i in range(20)]  # each exactly once


def test_one_call_with_twenty_notifications_posts_two_cards(
    hook: FakeWebhook, notifier: TeamsWebhookNotifier
) -> None:
    notifier.send(hook.url(), [called(f"A{i:03d}") for i in range(20)])

    assert len(hook.delivered()) == 2
    assert [len(numbers_in(card)) for card in hook.cards()] == [10, 10]


def test_duplicates_are_sent_once(hook: FakeWebhook, notifier: TeamsWebhookNotifier) -> None:
    notifier.send(hook.url(), [called("A001", dedup_key="t1:called")])
    notifier.send(hook.url(), [called("A001", dedup_key="t1:called")])  # the queue delivered it again
    notifier.send(hook.url(), [called("A002", dedup_key="t2:called"), called("A002", dedup_key="t2:called")])

    assert [numbers_in(card) for card in hook.cards()] == [["A001"], ["A002"]]


def test_dedup_is_per_webhook_and_expires() -> None:
    now = [0.0]
    posted: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        posted.append(request.url.path)
        return httpx.Response(202)

    def sleep(seconds: float) -> None:
        now[0] += seconds

    notifier = make_notifier(
        replace(FAST, dedup_ttl=60), transport=httpx.MockTransport(handler), clock=lambda: now[0], sleep=sleep
    )
    notifier.send("https://hooks.example/a", [called("A1", "k")])
    notifier.send("https://hooks.example/b", [called("A1", "k")])
    notifier.send("https://hooks.example/a", [called("A1", "k")])
    now[0] += 61
    notifier.send("https://hooks.example/a", [called("A1", "k")])
    assert posted == ["/a", "/b", "/a"]


def test_retry_then_success(hook: FakeWebhook, notifier: TeamsWebhookNotifier) -> None:
    hook.fail_next(2, status=503)

    notifier.send(hook.url(), [called("A001")])

    assert [r.status for r in hook.received] == [503, 503, 202]
    assert [numbers_in(card) for card in hook.cards()] == [["A001"]]


def test_throttled_with_retry_after_waits_for_it(hook: FakeWebhook, notifier: TeamsWebhookNotifier) -> None:
    hook.fail_next(1, status=429, Retry_After="1")

    notifier.send(hook.url(), [called("A001")])

    first, second = hook.received
    assert (first.status, second.status) == (429, 202)
    assert second.at - first.at >= 0.95


def test_down_webhook_raises_transient_within_the_time_bound(hook: FakeWebhook) -> None:
    hook.go_down()
    notifier = make_notifier(replace(FAST, total_timeout=1.0, retries=replace(FAST.retries, max_attempts=50)))

    started = time.monotonic()
    with pytest.raises(TransientProviderError):
        notifier.send(hook.url(), [called("A001", dedup_key="k1")])
    elapsed = time.monotonic() - started

    assert elapsed < 1.0 + 1.0  # the total budget, plus at most one request timeout
    assert len(hook.received) >= 2  # it did retry
    hook.heal()
    notifier.send(hook.url(), [called("A001", dedup_key="k1")])  # the failure released the dedup key
    assert len(hook.delivered()) == 1


def test_persistent_server_error_stops_after_max_attempts(hook: FakeWebhook) -> None:
    hook.fail_always(500)
    notifier = make_notifier(replace(FAST, retries=replace(FAST.retries, max_attempts=3)))
    with pytest.raises(TransientProviderError) as caught:
        notifier.send(hook.url(), [called("A001")])
    assert len(hook.received) == 3
    assert caught.value.details["attempts"] == 3


def test_unreachable_port_is_transient() -> None:
    with FakeWebhook() as gone:
        url = gone.url()
    notifier = make_notifier(replace(FAST, total_timeout=0.5))
    with pytest.raises(TransientProviderError):
        notifier.send(url, [called("A001")])


def test_client_error_is_not_retried(hook: FakeWebhook, notifier: TeamsWebhookNotifier) -> None:
    hook.fail_always(400)
    with pytest.raises(ProviderError) as caught:
        notifier.send(hook.url(), [called("A001")])
    assert not isinstance(caught.value, TransientProviderError)
    assert len(hook.received) == 1


def test_the_webhook_url_never_reaches_logs_or_errors(
    hook: FakeWebhook, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    url = hook.url()
    notifier = make_notifier(replace(FAST, retries=replace(FAST.retries, max_attempts=2)))
    notifier.send(url, [called("A001")])
    hook.fail_always(503)
    with pytest.raises(TransientProviderError) as caught:
        notifier.send(url, [called("A002")])

    assert "secret-signature" not in caplog.text
    assert url not in caplog.text
    assert webhook_id(url) in caplog.text  # a hash identifies it
    assert "secret-signature" not in str(caught.value) + str(caught.value.details)
    assert "httpx" in {r.name for r in caplog.records}  # httpx did log the request: redacted


@pytest.mark.parametrize(
    "url",
    ["ftp://hooks.example/x", "http://hooks.example/x?sig=abc", "not a url", "https://"],
)
def test_bad_urls_are_refused_without_echoing_them(url: str) -> None:
    with pytest.raises(ProviderError) as caught:
        make_notifier().send(url, [called("A001")])
    assert url not in caught.value.message


@pytest.mark.parametrize(
    "tuning", [lambda: Pacing(max_requests=0), lambda: Pacing(window=0.0), lambda: Retries(max_attempts=0)]
)
def test_a_tuning_that_could_never_post_is_refused(tuning: Callable[[], object]) -> None:
    """At least one request per positive window, at least one attempt: else nothing would ever be sent."""
    with pytest.raises(ValueError):
        tuning()


def test_empty_batch_posts_nothing(hook: FakeWebhook, notifier: TeamsWebhookNotifier) -> None:
    notifier.send(hook.url(), [])
    assert hook.received == []


def test_every_kind_is_delivered_and_parseable(hook: FakeWebhook, notifier: TeamsWebhookNotifier) -> None:
    kinds = ["citizen_called", "no_clerk_online", "meeting_failed", "poison_message", "other"]
    notifier.send(hook.url(), [Notification(k, "u", "Vara", {"summary": "x"}) for k in kinds])
    [received] = hook.delivered()
    assert isinstance(received, Received)
    card = received.body["attachments"][0]["content"]
    assert card["version"] == "1.4"
    assert sum(1 for e in card["body"] if e["type"] == "Container") == 5
