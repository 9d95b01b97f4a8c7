"""The browser fixtures of `pages_support` (Chromium, Playwright, the check for uncaught page errors)
for every test in tests/e2e, so a page test asks for them by name without re-exporting them."""

from tests.e2e.pages_support import chromium, no_page_errors, playwright

__all__ = ["chromium", "no_page_errors", "playwright"]
