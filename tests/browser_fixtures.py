"""What the browser test modules share: logging in through the real form, catching script
errors, and the `api` and `page` fixtures. Registered for every module by conftest's
`pytest_plugins`; a module may still define its own fixture of the same name.

Both fixtures need `shared_db` (conftest): the live server and this process use one SQLite
file, cleaned when the module starts and ends, so tests look up their own rows by id."""

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.conftest import BASE_USERS, PASSWORD, live_client

# Danish pages: every context asks for Danish (headless Chromium otherwise sends en-US).
LOCALE = "da-DK"


def log_in(page: Page, base: str, who: str = "caseworker") -> None:
    """Fill in and send the real login form; wait until the browser is logged in."""
    page.goto(f"{base}/login")
    page.fill("#email", BASE_USERS[who][0])
    page.fill("#password", PASSWORD)
    with page.expect_response(
        lambda r: r.request.method == "POST" and r.url.endswith("/login")
    ) as posted:
        page.click("form[action='/login'] button[type=submit]")
    assert posted.value.status == 303, f"login as {who}: HTTP {posted.value.status}"
    # The redirect's page must already see the login: no second try.
    try:
        page.wait_for_url(lambda url: "/login" not in url)
    except PlaywrightTimeout:
        pytest.fail(f"login as {who} did not get past {page.url}: {page.inner_text('main')}")


def watch_errors(tab: Page) -> list[str]:
    """Uncaught script errors and console errors (CSP violations are console errors)."""
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(f"pageerror: {exc}"))

    def on_console(msg: Any) -> None:
        # A 4xx answer the page expects (a refused upload) is logged as a failed load.
        if msg.type == "error" and not msg.text.startswith("Failed to load resource"):
            errors.append(f"console: {msg.text}")

    tab.on("console", on_console)
    return errors


def show_transcript(page: Page) -> None:
    """A recording's page opens on its feedback tab (feedback.js): switch to the transcript.
    The click waits for the script to have shown the tabs."""
    page.locator("#tab-transcript").click()
    expect(page.locator("#transcript-panel")).to_be_visible()


@pytest.fixture(scope="module")
def api(shared_db: str) -> Iterator[httpx.Client]:
    """The caseworker's httpx client to the live server (after the module's clean-up); it
    sends the CSRF token as the `X-CSRF-Token` header on API calls."""
    client = live_client(shared_db)
    try:
        yield client
    finally:
        client.close()


@pytest.fixture
def page(browser: Browser, shared_db: str) -> Iterator[Page]:
    """A fresh laptop-sized page, logged in as the caseworker; fails on script errors."""
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale=LOCALE)
    tab = context.new_page()
    errors = watch_errors(tab)
    tab.set_default_timeout(15_000)
    log_in(tab, shared_db)
    yield tab
    context.close()
    assert errors == [], f"script or console errors on the page: {errors}"
