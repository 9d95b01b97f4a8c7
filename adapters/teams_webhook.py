"""Clerk notifications through a Teams Workflows webhook ("When a Teams webhook request is received").

`TeamsWebhookNotifier.send(url, notifications)` renders the notifications as Adaptive Cards 1.4
(`adapters.cards`) and posts them, with (the numbers named below are a `WebhookTuning`'s):

- **rate limit**: at most `max_requests` (4) requests per `window` (1.05 s) per webhook URL. It is a
  sliding-window log (a slot comes back exactly one window after it was used): unlike a refilling bucket
  it never lets two bursts into one window. By default the window lives in the process (every thread);
  `pacer` gives one shared by every instance (adapters/limits_table.py, in Table Storage), which the
  composition root uses: Flex Consumption runs the notifications queue on many instances at once.
- **coalescing**: concurrent `send` calls for one URL join a per-URL outbox; one caller at a time posts
  everything waiting (group commit), so a burst becomes one card, or a few (`max_items_per_card`, and each
  payload under 28 KB), instead of one post per notification.
- **dedup**: a notification whose `dedup_key` was sent (or is being sent) to the same URL within
  `dedup_ttl` seconds is dropped; a failed delivery releases its key so the queue's retry goes through.
  Across instances, the window does it (`book`): the keys of a post are claimed with its slot (with the
  shared window, in the transaction that books the slot: adapters/limits_table.py), marked done after
  the post, released when it failed. A key already posted is skipped; a key another instance is posting
  now fails its notification with `TransientProviderError` (reason `in_flight`): the queue brings it
  back when that post has ended one way or the other. `send` returns how many it posted.
- **retries**: 408/429/5xx, timeouts and connection errors are retried with exponential backoff (or the
  ``Retry-After`` of a 429/503, when it fits), all within `total_timeout` seconds per call; then
  `TransientProviderError` (the queue retries later). Other 4xx: `ProviderError`.

The webhook URL is a secret (its ``sig`` parameter authorizes posting): it is never logged nor put in an
error; logs carry a short hash of it. httpx's own INFO line (which prints request URLs) is redacted for
the URLs this module posts to.
"""

from __future__ import annotations

import email.utils
import hashlib
import logging
import random
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Protocol
from urllib.parse import urlsplit

import httpx

from adapters import cards
from domain.errors import IN_FLIGHT, ProviderError, TransientProviderError
from domain.ports import Notification

_log = logging.getLogger(__name__)
_RETRYABLE_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})


def webhook_id(url: str) -> str:
    """A short, stable, non-reversible name for a webhook URL, fit for logs."""
    return hashlib.sha256(url.encode("utf-8")).hexdigest()[:12]


class _RedactWebhookUrls(logging.Filter):
    """Replaces registered webhook URLs in httpx's log records by their hash."""

    def __init__(self) -> None:
        super().__init__()
        self._ids: set[str] = set()
        self._lock = threading.Lock()

    def register(self, url: str) -> None:
        with self._lock:
            self._ids.add(webhook_id(url))

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and record.args:
            redacted: list[object] = []
            changed = False
            for arg in record.args:
                if isinstance(arg, httpx.URL | str) and webhook_id(str(arg)) in self._ids:
                    redacted.append(f"<webhook {webhook_id(str(arg))}>")
                    changed = True
                else:
                    redacted.append(arg)
            if changed:
                record.args = tuple(redacted)
        return True


_redactor = _RedactWebhookUrls()
logging.getLogger("httpx").addFilter(_redactor)


class RateWindow(Protocol):
    """At most N requests in any window; `reserve` books the earliest allowed start (or None)."""

    def reserve(self, deadline: float, not_before: float = 0.0) -> float | None: ...

    def busy(self) -> bool: ...


@dataclass(frozen=True)
class Booking:
    """A slot booked with the claims of the cards it will carry: `start` (None: no slot before the
    deadline, or every key refused) and the keys refused, each "done" (posted) or "busy" (being posted
    by another sender)."""

    start: float | None
    refused: Mapping[str, str] = field(default_factory=dict)


class CardWindow(RateWindow, Protocol):
    """A webhook's window that also records the cards posted through it, by dedup key."""

    def book(self, deadline: float, not_before: float = 0.0, keys: Sequence[str] = ()) -> Booking: ...

    def settle(self, keys: Sequence[str], *, done: bool) -> None: ...


Pacer = Callable[[str, int, float, Callable[[], float]], CardWindow]
MAX_CLAIMS = 99  # cards claimed with one slot (the shared window: one transaction)


class _SlidingWindowLimiter:
    """At most `max_requests` reservations in any window of `window` seconds. Thread-safe."""

    def __init__(self, max_requests: int, window: float, clock: Callable[[], float]) -> None:
        self._max = max_requests
        self._window = window
        self._clock = clock
        self._lock = threading.Lock()
        self._slots: deque[float] = deque(maxlen=max_requests)

    def reserve(self, deadline: float, not_before: float = 0.0) -> float | None:
        """Reserve the earliest allowed start time not before `not_before`, or return None (reserving
        nothing) if that is after `deadline`."""
        with self._lock:
            start = max(self._clock(), not_before)
            if self._slots:
                start = max(start, self._slots[-1])  # keep the log sorted
            if len(self._slots) == self._max:
                start = max(start, self._slots[0] + self._window)
            if start > deadline:
                return None
            self._slots.append(start)
            return start

    def busy(self) -> bool:
        """Whether a request was made (or is booked) within the last window."""
        with self._lock:
            return bool(self._slots) and self._slots[-1] > self._clock() - self._window

    def book(self, deadline: float, not_before: float = 0.0, keys: Sequence[str] = ()) -> Booking:
        """`reserve`: in one process the notifier's own memory (`dedup_ttl`) keeps the keys."""
        return Booking(self.reserve(deadline, not_before))

    def settle(self, keys: Sequence[str], *, done: bool) -> None:
        """Nothing to record: see `book`."""


@dataclass
class _Item:
    notification: Notification
    deadline: float
    taken: bool = False
    done: bool = False
    error: ProviderError | None = None
    skipped: bool = False  # posted before (by any instance): done, not posted again


class _Outbox:
    def __init__(self, limiter: CardWindow) -> None:
        self.cond = threading.Condition()
        self.queue: list[_Item] = []
        self.leader = False
        self.limiter = limiter


@dataclass(frozen=True)
class Pacing:
    """How posts to one webhook are spaced and filled: at most `max_requests` in any `window` seconds
    (Teams takes 4 a second; the window is that second plus a margin, since posts booked on time reach
    Teams a little late, and not all equally); a burst gathered into cards of at most
    `max_items_per_card` notifications, a round lingering `coalesce_window` seconds to gather it while the
    webhook is busy."""

    max_requests: int = 4
    window: float = 1.05
    max_items_per_card: int = 10
    coalesce_window: float = 0.25

    def __post_init__(self) -> None:
        if self.max_requests < 1 or self.window <= 0:
            raise ValueError("rate limit must allow at least one request per positive window")


@dataclass(frozen=True)
class Retries:
    """Retries of a post that failed for a passing reason (408/429/5xx, timeout, connection): at most
    `max_attempts` posts, the first wait `backoff_initial` seconds and each next one twice as long, up to
    `backoff_max`, each shortened by a random part of it up to `backoff_jitter`; one request lasts at
    most `request_timeout` seconds."""

    max_attempts: int = 5
    backoff_initial: float = 0.5
    backoff_max: float = 8.0
    backoff_jitter: float = 0.2
    request_timeout: float = 10.0

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")


@dataclass(frozen=True)
class WebhookTuning:
    """The numbers of a `TeamsWebhookNotifier` (module docstring): its pacing and retries, how long a
    dedup key sent to a webhook keeps its duplicates out of this process (`dedup_ttl` seconds, at most
    `dedup_max_entries` keys, the oldest dropped first), and the time one `send` may take, waits for a
    slot and retries included (`total_timeout` seconds; then `TransientProviderError`)."""

    pacing: Pacing = Pacing()
    retries: Retries = Retries()
    dedup_ttl: float = 600.0
    dedup_max_entries: int = 10_000
    total_timeout: float = 30.0


class TeamsWebhookNotifier:
    """`ClerkNotifier` for Teams Workflows webhooks. Thread-safe; share one instance per process."""

    def __init__(
        self,
        *,
        client: httpx.Client | None = None,
        transport: httpx.BaseTransport | None = None,
        tuning: WebhookTuning = WebhookTuning(),
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        pacer: Pacer | None = None,
        teams_app_id: str = "",
    ) -> None:
        self._owns_client = client is None
        self._client = client or httpx.Client(
            transport=transport, timeout=tuning.retries.request_timeout, follow_redirects=False
        )
        self._tuning = tuning
        self._clock = clock
        self._sleep = sleep
        self._pacer = pacer
        self._lock = threading.Lock()
        self._outboxes: dict[str, _Outbox] = {}
        self._recent: dict[tuple[str, str], float] = {}  # (webhook id, dedup key) -> expiry
        self._teams_app_id = teams_app_id  # the Balcão Virtual Teams app: console buttons deep-link to it

    def close(self) -> None:
        if self._owns_client:
            self._client.close()

    def __enter__(self) -> TeamsWebhookNotifier:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # ----------------------------------------------------------------------------------- port

    def send(self, webhook_url: str, notifications: Sequence[Notification]) -> int:
        _check_url(webhook_url)
        hook = webhook_id(webhook_url)
        fresh = self._claim(hook, [self._with_console_link(n) for n in notifications])
        if not fresh:
            return 0
        _redactor.register(webhook_url)
        deadline = self._clock() + self._tuning.total_timeout
        items = [_Item(n, deadline) for n in fresh]
        box = self._outbox(hook)
        try:
            self._wait_for(webhook_url, hook, box, items)
        finally:
            failed = [item for item in items if item.error is not None or not item.done]
            self._release(hook, [item.notification for item in failed])
        errors = [item.error for item in items if item.error is not None]
        if errors:
            # The error may be shared with other callers of the same round: raise a copy of our own.
            shared = errors[0]
            raise type(shared)(shared.message, **shared.details) from shared.__cause__
        return sum(1 for item in items if not item.skipped)

    def _with_console_link(self, notification: Notification) -> Notification:
        """The console button of a card opens the console at the card's ticket: in the Teams app's
        "Fila" tab when the app is installed, else on the web (cards.console_link)."""
        data = notification.data
        if "console_url" not in data:
            return notification
        link = cards.console_link(data["console_url"], data.get("ticket_id", ""), self._teams_app_id)
        return replace(notification, data={**data, "console_url": link or ""})

    # ------------------------------------------------------------------------------ outbox

    def _outbox(self, hook: str) -> _Outbox:
        with self._lock:
            box = self._outboxes.get(hook)
            if box is None:
                limiter: CardWindow = (
                    self._pacer(
                        hook, self._tuning.pacing.max_requests, self._tuning.pacing.window, self._clock
                    )
                    if self._pacer is not None
                    else _SlidingWindowLimiter(
                        self._tuning.pacing.max_requests, self._tuning.pacing.window, self._clock
                    )
                )
                box = self._outboxes[hook] = _Outbox(limiter)
            return box

    def _wait_for(self, url: str, hook: str, box: _Outbox, items: list[_Item]) -> None:
        with box.cond:
            box.queue.extend(items)
        while True:
            lead = False
            with box.cond:
                if all(item.done for item in items):
                    return
                if not box.leader:
                    box.leader = lead = True
                else:
                    remaining = items[0].deadline - self._clock()
                    if remaining <= 0:
                        self._expire(box, items)
                    # Taken items finish within their own deadline (the post is bounded by it).
                    box.cond.wait(timeout=max(remaining, 0.05))
            if lead:
                try:
                    self._drain(url, hook, box)
                finally:
                    with box.cond:
                        box.leader = False
                        box.cond.notify_all()

    def _expire(self, box: _Outbox, items: list[_Item]) -> None:
        """Caller's time is up: give up on its items not yet taken by a leader (lock held)."""
        for item in items:
            if not item.taken and not item.done:
                box.queue.remove(item)
                item.done = True
                item.error = TransientProviderError(
                    "O canal do Teams está ocupado; o aviso será reenviado.", reason="rate_limited"
                )

    def _drain(self, url: str, hook: str, box: _Outbox) -> None:
        """One round as leader: take what is waiting, book a rate-limit slot claiming its cards, post."""
        with box.cond:
            if not box.queue:
                return
        # Post an isolated notification at once; during a burst, linger a little to gather the rest.
        if box.limiter.busy():
            self._sleep(self._tuning.pacing.coalesce_window)
        with box.cond:
            batch = box.queue[:MAX_CLAIMS]
            deadline = min(item.deadline for item in batch)
        booking = box.limiter.book(deadline, self._clock(), _keys(batch))
        with box.cond:
            gone = [item for item in batch if item.done]  # their callers' time ran out meanwhile
            batch = [item for item in batch if not item.done]
            for item in batch:
                verdict = booking.refused.get(item.notification.dedup_key)
                if verdict:
                    box.queue.remove(item)
                    item.done, item.skipped = True, verdict == "done"
                    item.error = None if item.skipped else _in_flight()
            batch = [item for item in batch if not item.done]
            if booking.start is None:
                self._expire(box, [item for item in batch if item.deadline <= deadline])
                box.cond.notify_all()
                return
            for item in batch:  # claimed: this round posts them, whatever their callers' time
                box.queue.remove(item)
                item.taken = True
            box.cond.notify_all()
        claimed_for_nothing = [i for i in gone if i.notification.dedup_key not in booking.refused]
        if claimed_for_nothing:
            box.limiter.settle(_keys(claimed_for_nothing), done=False)
        self._sleep_until(booking.start)
        try:
            self._post_batch(url, hook, box, batch)
        except Exception as exc:  # a bug must not leave followers waiting
            _log.exception("webhook %s: unexpected error while posting", hook)
            error = ProviderError("Falha inesperada ao enviar o aviso ao Teams.")
            error.__cause__ = exc
            self._finish(box, [item for item in batch if not item.done], error)

    def _post_batch(self, url: str, hook: str, box: _Outbox, batch: list[_Item]) -> None:
        payloads = cards.build_payloads(
            [item.notification for item in batch], max_items_per_card=self._tuning.pacing.max_items_per_card
        )
        position = 0
        first = True
        for body, carried in payloads:
            chunk = batch[position : position + len(carried)]
            position += len(carried)
            try:
                self._post(url, hook, box.limiter, body, min(i.deadline for i in chunk), reserved=first)
            except ProviderError as error:
                # Fail the rest of the round at once: a webhook that is down would not take them either.
                self._finish(box, batch[position - len(carried) :], error)
                return
            first = False
            self._finish(box, chunk, None)
            _log.info("webhook %s: posted %d notification(s), %d bytes", hook, len(chunk), len(body))

    def _finish(self, box: _Outbox, items: list[_Item], error: ProviderError | None) -> None:
        """Items posted (their cards marked done) or failed (their claims released)."""
        try:
            box.limiter.settle(_keys(items), done=error is None)
        except Exception:  # the post is what the caller waits for: a mark lost is logged, not raised
            _log.exception("webhook: the cards' claims were not settled (done=%s)", error is None)
        with box.cond:
            for item in items:
                item.done = True
                item.error = error
            box.cond.notify_all()

    # ------------------------------------------------------------------------------ HTTP

    def _post(
        self,
        url: str,
        hook: str,
        limiter: RateWindow,
        body: bytes,
        deadline: float,
        *,
        reserved: bool,
    ) -> None:
        attempt = 0
        while True:
            attempt += 1
            if not reserved:
                slot = limiter.reserve(deadline)
                if slot is None:
                    raise TransientProviderError(
                        "O canal do Teams está ocupado; o aviso será reenviado.", reason="rate_limited"
                    )
                self._sleep_until(slot)
            reserved = False
            remaining = deadline - self._clock()
            if remaining <= 0:
                raise TransientProviderError("Tempo esgotado ao enviar o aviso ao Teams.", reason="timeout")
            retry_after: float | None = None
            cause: Exception | None = None
            try:
                response = self._client.post(
                    url,
                    content=body,
                    headers={"Content-Type": "application/json; charset=utf-8"},
                    timeout=min(self._tuning.retries.request_timeout, remaining),
                )
            except httpx.TimeoutException as exc:
                problem, cause = "timeout", exc
            except httpx.TransportError as exc:
                problem, cause = type(exc).__name__, exc
            else:
                status = response.status_code
                if 200 <= status < 300:
                    return
                if status not in _RETRYABLE_STATUS:
                    _log.warning("webhook %s: HTTP %d, not retried", hook, status)
                    raise ProviderError(f"O Teams recusou o aviso (HTTP {status}).", status=status)
                problem, cause = f"HTTP {status}", None
                retry_after = _retry_after_seconds(response.headers.get("Retry-After"))
            delay = self._backoff(attempt) if retry_after is None else retry_after
            last = attempt >= self._tuning.retries.max_attempts or self._clock() + delay >= deadline
            _log.warning(
                "webhook %s: attempt %d failed (%s)%s",
                hook,
                attempt,
                problem,
                "; giving up" if last else f"; retrying in {delay:.2f}s",
            )
            if last:
                error = TransientProviderError(
                    "O Teams não recebeu o aviso; ele será reenviado.", reason=problem, attempts=attempt
                )
                raise error from cause
            self._sleep(delay)

    def _backoff(self, attempt: int) -> float:
        base = min(
            self._tuning.retries.backoff_max, self._tuning.retries.backoff_initial * 2 ** (attempt - 1)
        )
        jitter: float = random.uniform(0, self._tuning.retries.backoff_jitter)
        return float(base * (1 - jitter))

    def _sleep_until(self, moment: float) -> None:
        delay = moment - self._clock()
        if delay > 0:
            self._sleep(delay)

    # ------------------------------------------------------------------------------ dedup

    def _claim(self, hook: str, notifications: Sequence[Notification]) -> list[Notification]:
        now = self._clock()
        fresh: list[Notification] = []
        with self._lock:
            for key in [k for k, expiry in self._recent.items() if expiry <= now]:
                del self._recent[key]
            for notification in notifications:
                if notification.dedup_key:
                    key = (hook, notification.dedup_key)
                    if key in self._recent:
                        continue
                    self._recent[key] = now + self._tuning.dedup_ttl
                fresh.append(notification)
            while len(self._recent) > self._tuning.dedup_max_entries:
                del self._recent[next(iter(self._recent))]
        return fresh

    def _release(self, hook: str, notifications: Sequence[Notification]) -> None:
        with self._lock:
            for notification in notifications:
                if notification.dedup_key:
                    self._recent.pop((hook, notification.dedup_key), None)


def _keys(items: Sequence[_Item]) -> list[str]:
    return [item.notification.dedup_key for item in items if item.notification.dedup_key]


def _in_flight() -> TransientProviderError:
    return TransientProviderError(
        "Outro processo está enviando este aviso; ele será conferido de novo.", reason=IN_FLIGHT
    )


def _check_url(url: str) -> None:
    try:
        parts = urlsplit(url)
    except ValueError:
        parts = None
    loopback = parts is not None and parts.hostname in ("127.0.0.1", "localhost", "::1")
    if (
        parts is None
        or not parts.hostname
        or not (parts.scheme == "https" or (parts.scheme == "http" and loopback))
    ):
        raise ProviderError("A URL do webhook do Teams configurada para a unidade é inválida.")


def _retry_after_seconds(value: str | None) -> float | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, (moment - datetime.now(UTC)).total_seconds())
