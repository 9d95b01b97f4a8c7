"""The browser fixtures of `pages_support` (Chromium, Playwright, the check for uncaught page errors)
for every test in tests/e2e, so a page test asks for them by name without re-exporting them; the
local Entra ID stand-in (`entra`) with a system that trusts it (`entra_system`) for the Teams SSO tests;
and `clock`, a module's fake clock started at the module's `START`."""

from collections.abc import Iterator

import pytest

from devhost.clock import FakeClock
from tests.e2e.pages_support import chromium, no_page_errors, playwright
from tests.fakes.fake_entra import FakeEntra
from tests.support.system import System, running_system

__all__ = ["chromium", "clock", "entra", "entra_system", "no_page_errors", "playwright"]


@pytest.fixture(scope="module")
def clock(request: pytest.FixtureRequest) -> FakeClock:
    """The fake clock of a module that declares `START` (the instant its story begins)."""
    return FakeClock(request.module.START)


@pytest.fixture(scope="module")
def entra() -> Iterator[FakeEntra]:
    with FakeEntra() as fake:
        yield fake


@pytest.fixture(scope="module")
def entra_system(entra: FakeEntra) -> Iterator[System]:
    """A system whose Teams SSO trusts `entra`'s keys (one per test module)."""
    with running_system(extra_settings=entra.settings()) as running:
        yield running
