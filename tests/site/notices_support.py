"""What the page tests of issue 13 share: a citizen's phone (360 px, notifications allowed, a throttled
network and CPU through the DevTools Protocol), the service worker's control of a page, bounded waits that
let Playwright deliver its events, and a system whose notice channels are set up (recording fakes from
tests/fakes/fake_channels.py, the VAPID public key the pages subscribe with)."""

from __future__ import annotations

import base64
import os
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from playwright.sync_api import Browser, BrowserContext, CDPSession, Page, Worker

from functions import bootstrap
from tests.e2e.pages_support import PHONE, new_context
from tests.fakes.fake_channels import RecordingChannel
from tests.support.encoding import b64url
from tests.support.system import System, running_system

# A phone on a mobile network: Chrome DevTools' "Fast 4G" (150 ms, 9 Mbit/s down) and a 4× slower CPU.
FAST_4G = {
    "offline": False,
    "latency": 150,
    "downloadThroughput": 9_000_000 / 8,
    "uploadThroughput": 1_500_000 / 8,
}
CPU_SLOWDOWN = 4
CHANNELS = ("push", "whatsapp", "sms", "email")


def p256_public_key() -> str:
    """A P-256 public key, uncompressed, base64url (a VAPID public key; a subscription's p256dh)."""
    key = ec.generate_private_key(ec.SECP256R1()).public_key()
    return b64url(key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint))


def push_subscription() -> dict[str, Any]:
    """What `PushSubscription.toJSON()` gives on Chrome (an FCM endpoint, RFC 8291 keys)."""
    return {
        "endpoint": f"https://fcm.googleapis.com/fcm/send/{b64url(os.urandom(12))}:{b64url(os.urandom(90))}",
        "keys": {"p256dh": p256_public_key(), "auth": b64url(os.urandom(16))},
    }


@contextmanager
def noticing_system(channels: Mapping[str, RecordingChannel], **kwargs: Any) -> Iterator[System]:
    """The system with every notice channel set up as `channels` (nothing leaves the machine) and a VAPID
    public key, so units offer push, WhatsApp, SMS and e-mail (their default `notices.channels`)."""
    settings = {"PUSH_VAPID_PUBLIC_KEY": p256_public_key(), **kwargs.pop("extra_settings", {})}
    with (
        bootstrap.replaced(channels=(lambda _settings: dict(channels),)),
        running_system(extra_settings=settings, **kwargs) as running,
    ):
        yield running


def phone(browser: Browser, system: System) -> tuple[BrowserContext, Page, CDPSession]:
    """A citizen's phone: 360 px, notifications allowed, a throttled network and CPU."""
    context = new_context(browser, system, viewport=PHONE)
    context.grant_permissions(["notifications"], origin=system.base_url)
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", FAST_4G)
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": CPU_SLOWDOWN})
    return context, page, cdp


def controlled(page: Page) -> None:
    """The worker is active and controls the page. A page loaded while the worker was still being
    activated stays uncontrolled (its `clients.claim()` ran before that document existed) until its next
    load, as in any browser: then it is reloaded once. Polled with `evaluate`: `wait_for_function` builds
    its predicate with eval, which the pages' CSP refuses."""
    active = (
        "navigator.serviceWorker.getRegistration()"
        ".then((r) => !!(r && r.active && r.active.state === 'activated'))"
    )
    until(page, lambda: page.evaluate(active), timeout=30)
    if not page.evaluate("navigator.serviceWorker.controller !== null"):
        page.reload()
    until(page, lambda: page.evaluate("navigator.serviceWorker.controller !== null"), timeout=15)


def worker(context: BrowserContext) -> Worker:
    workers = [w for w in context.service_workers if w.url.endswith("/sw.js")]
    if not workers:
        workers = [context.wait_for_event("serviceworker", timeout=10_000)]
    return workers[0]


def until(page: Page, predicate: Callable[[], Any], timeout: float = 10) -> Any:
    """Wait for `predicate` while Playwright delivers its events (a CDP event, a request), bounded."""
    deadline = time.monotonic() + timeout
    while not (value := predicate()):
        assert time.monotonic() < deadline, f"condition not met within {timeout}s"
        page.evaluate("0")  # one round trip: Playwright dispatches the events that arrived meanwhile
    return value


def waiting_page(
    browser: Browser, system: System, ticket: Mapping[str, Any], unit: str
) -> tuple[BrowserContext, Page, CDPSession]:
    """A phone that keeps `ticket` (as after joining in it) on the waiting page, under the worker."""
    context, page, cdp = phone(browser, system)
    page.goto("/")
    page.evaluate(
        "t => localStorage.setItem('balcao.senha', JSON.stringify(t))",
        {"ticketId": ticket["ticketId"], "token": ticket["token"], "unitId": unit, "unitName": ""},
    )
    page.reload()
    controlled(page)
    return context, page, cdp
