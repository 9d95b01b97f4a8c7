"""The browser fixtures of `tests/e2e/pages_support` (Chromium, Playwright, the check for uncaught page
errors) for the page tests in tests/site, as tests/e2e/conftest.py gives them to tests/e2e."""

from tests.e2e.pages_support import chromium, no_page_errors, playwright

__all__ = ["chromium", "no_page_errors", "playwright"]
