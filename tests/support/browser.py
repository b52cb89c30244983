"""Headless Chromium for the browser modules: the `browser` fixture (one per module), pages
logged in through the real form (`page`, `tab_for`), the caseworker's `api` client to the
live server, script and console errors, axe-core, and helpers of the pages the modules
share. Registered for every module by conftest's `pytest_plugins`; a module may still
define its own fixture of the same name.

The `api`, `page` and `tab_for` fixtures need `shared_db` (conftest): the live server and
this process use one SQLite file, restored from the template when the module starts and
ends, so tests look up their own rows by id."""

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.support import ROOT
from tests.support.accounts import (
    BASE_USERS,
    PASSWORD,
    code_at,
    free_step,
    keep_session,
    live_client,
    reusable_session,
    wait_for_step,
)
from tests.support.media import MediaSet

# Debian's Chromium; these flags keep it off the network it cannot reach here anyway.
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--autoplay-policy=no-user-gesture-required",
]
ARTIFACTS = ROOT / "test-artifacts"  # screenshots for people to look at
VIEWPORTS = {"laptop": (1366, 768), "tablet": (820, 1180)}
# Danish pages: every context asks for Danish (headless Chromium otherwise sends en-US).
LOCALE = "da-DK"


def log_in(page: Page, base: str, who: str = "caseworker") -> None:
    """Fill in and send the real login form and the second factor's code; wait until the
    browser is logged in. (One person logs in this way at most twice in 30 seconds, as a
    code works once: a further tab of theirs takes over their last session.)"""
    email = BASE_USERS[who][0]
    step = free_step(email)
    if step is None and (earlier := reusable_session(base, email)) is not None:
        token, csrf = earlier
        page.context.add_cookies(
            [
                {"name": "vs_session", "value": token or "", "url": base},
                {"name": "vs_csrf", "value": csrf or "", "url": base},
            ]  # fmt: skip
        )
        page.goto(f"{base}/")
        if "/login" not in page.url:
            return
    step = step if step is not None else wait_for_step(email)
    page.goto(f"{base}/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    with page.expect_response(
        lambda r: r.request.method == "POST" and r.url.endswith("/login")
    ) as posted:
        page.click("form[action='/login'] button[type=submit]")
    assert posted.value.status == 303, f"login as {who}: HTTP {posted.value.status}"
    page.wait_for_url(lambda url: "/login/second-factor" in url)
    page.fill("#code", code_at(email, step))
    page.click("form[action='/login/second-factor'] button[type=submit]")
    # The redirect's page must already see the login: no second try.
    try:
        page.wait_for_url(lambda url: "/login" not in url)
    except PlaywrightTimeout:
        pytest.fail(f"login as {who} did not get past {page.url}: {page.inner_text('main')}")
    cookies = {c["name"]: c["value"] for c in page.context.cookies(base)}
    keep_session(base, email, cookies.get("vs_session"), cookies.get("vs_csrf"))


def load_player(page: Page, state: int = 1) -> None:
    """Players ask for no media before someone plays them (preload="none", issue 19): load
    it as playing would, and wait until the player has `state` (1: the media's length is
    known, 2: a frame is there)."""
    page.wait_for_selector("#player", state="attached")
    page.evaluate(
        "() => { const p = document.getElementById('player');"
        " if (p.readyState < 1) p.preload = 'auto'; }"
    )
    page.wait_for_function(f"() => document.getElementById('player').readyState >= {state}")


# The presenter presses play: its player waits for the room's start, and with nothing loaded
# before play (preload="none") that start interrupts the play() promise, as the player's own
# button never minds.
PRESS_PLAY = "() => { document.getElementById('player').play().catch(() => {}); }"


def join_room(base: str, session_id: int, *tabs: Page) -> None:
    """Open a session's page in each tab, muted, and wait until every page sees everyone
    present (the live channel is up on all of them)."""
    for tab in tabs:
        tab.goto(f"{base}/sessions/{session_id}")
        tab.evaluate("document.getElementById('player').muted = true")
    for tab in tabs:
        expect(tab.locator("#live-present li")).to_have_count(len(tabs))


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
def browser() -> Iterator[Browser]:
    """Headless Chromium, one per test module."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="module")
def api(shared_db: str) -> Iterator[httpx.Client]:
    """The caseworker's httpx client to the live server (once the module's database is restored); it
    sends the CSRF token as the `X-CSRF-Token` header on API calls."""
    client = live_client(shared_db)
    try:
        yield client
    finally:
        client.close()


@contextmanager
def logged_in_tabs(browser: Browser, base: str) -> Iterator[Callable[..., Page]]:
    """make(who, size=(1366, 768)): a fresh page of the server at `base` logged in as a base
    user (the key of BASE_USERS), in a context of its own; each fails its test on a script
    or console error when the block ends."""
    made: list[tuple[BrowserContext, list[str]]] = []

    def make(who: str, size: tuple[int, int] = VIEWPORTS["laptop"]) -> Page:
        context = browser.new_context(viewport={"width": size[0], "height": size[1]}, locale=LOCALE)
        tab = context.new_page()
        made.append((context, watch_errors(tab)))
        tab.set_default_timeout(15_000)
        log_in(tab, base, who)
        return tab

    yield make
    for context, errors in made:
        context.close()
        assert errors == [], f"script or console errors on the page: {errors}"


@pytest.fixture
def tab_for(browser: Browser, shared_db: str) -> Iterator[Callable[..., Page]]:
    """tab_for(who, size=(1366, 768)): `logged_in_tabs` on the shared server."""
    with logged_in_tabs(browser, shared_db) as make:
        yield make


@pytest.fixture
def page(tab_for: Callable[..., Page]) -> Page:
    """A fresh laptop-sized page, logged in as the caseworker; fails on script errors."""
    return tab_for("caseworker")


# Pages that fill in forms ---------------------------------------------------------------------


def fill_consent(page: Page, consent_day: date, delete_after: date | None = None) -> None:
    """Tick both consent boxes and every purpose, and set the dates (the browser's date
    inputs take ISO)."""
    page.check("#consent_child")
    page.check("#consent_custody")
    for purpose in ("individual", "team", "teaching"):
        page.check(f"#consent_{purpose}")
    page.fill("#consent_date", consent_day.isoformat())
    if delete_after is not None:
        page.fill("#delete_after", delete_after.isoformat())


def fill_in_a_pdf(page: Page, url: str, media: MediaSet) -> None:
    """The upload form at `url` filled in, its file a PDF named .mp4; not sent yet."""
    page.goto(url)
    page.fill("#title", "Ikke en video")
    page.fill("#case_reference", "SAG-PDF")
    fill_consent(page, date.today())
    page.set_input_files("#file", str(media.fake_pdf()))


def show_upload_error(page: Page, url: str, media: MediaSet) -> None:
    """The upload form at `url` after the server refused a PDF named .mp4 (sent with
    JavaScript)."""
    fill_in_a_pdf(page, url, media)
    page.click("#upload-form button[type=submit]")
    expect(page.locator("#upload-error")).to_be_visible()


def tab_to(page: Page, target: Locator, most: int, what: str) -> None:
    """Press Tab until `target` has the focus (at most `most` times); its focus ring shows."""
    for _ in range(most):
        page.keyboard.press("Tab")
        if target.evaluate("el => el === document.activeElement"):
            break
    else:
        pytest.fail(f"Tab never reached {what}")
    assert target.evaluate("el => getComputedStyle(el).outlineStyle") == "solid"


def get_json(api: httpx.Client, path: str) -> Any:
    res = api.get(path, timeout=30)
    assert res.status_code == 200, res.text
    return res.json()


# Pages that record everything that went wrong on them ------------------------------------------

# Records CSP violations the console might not show (e.g. a refused inline style).
CSP_WATCH = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', e => {
  window.__csp.push(e.violatedDirective + ' ' + (e.blockedURI || '') + ' ' + (e.sourceFile || ''));
});
"""


class Tab:
    """One browser context with one page, and everything that went wrong on it."""

    def __init__(self, browser: Browser, size: str = "laptop") -> None:
        width, height = VIEWPORTS[size]
        self.context: BrowserContext = browser.new_context(
            viewport={"width": width, "height": height}, locale=LOCALE
        )
        self.context.add_init_script(CSP_WATCH)
        self.page: Page = self.context.new_page()
        self.page.set_default_timeout(15_000)
        self.errors: list[str] = []
        self.page.on("pageerror", lambda exc: self.errors.append(f"pageerror: {exc}"))
        self.page.on("console", self._console)

    def _console(self, msg: Any) -> None:
        if msg.type == "error":
            self.errors.append(f"console: {msg.text} ({self.page.url})")

    def csp_violations(self) -> list[str]:
        return list(self.page.evaluate("() => window.__csp || []"))

    def assert_clean(self) -> None:
        """No script error, console error or CSP violation on the page so far."""
        assert self.errors == [], self.errors
        assert self.csp_violations() == []

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def tabs(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Callable[..., Tab]]:
    """tabs(size="laptop", who=None): fresh browser contexts (one per person), logged in to
    the live server (`shared_db`) as `who` (a key of BASE_USERS) if given; all closed after
    the test."""
    opened: list[Tab] = []

    def make(size: str = "laptop", who: str | None = None) -> Tab:
        tab = Tab(browser, size)
        opened.append(tab)
        if who is not None:
            log_in(tab.page, request.getfixturevalue("shared_db"), who)
        return tab

    yield make
    for tab in opened:
        tab.close()


# axe-core -------------------------------------------------------------------------------------

AXE_VERSION = re.search(r'^AXE_VERSION="([^"]+)"', (ROOT / "scripts/lib.sh").read_text(), re.M)
assert AXE_VERSION, "scripts/lib.sh must pin AXE_VERSION"
AXE_JS = ROOT / ".cache" / "axe" / AXE_VERSION[1] / "axe.min.js"
BLOCKING = ("serious", "critical")


@pytest.fixture(scope="module")
def axe_js() -> Path:
    if not AXE_JS.is_file():
        pytest.fail(
            f"axe-core {AXE_VERSION[1]} is missing at {AXE_JS}: scripts/test fetches it from "
            "https://registry.npmjs.org/axe-core (run `bash -c 'source scripts/lib.sh && "
            "ensure_axe'`); the download or its sha512 check failed"
        )
    return AXE_JS


@contextmanager
def axe_page(browser: Browser, base: str, who: str) -> Iterator[Page]:
    """A laptop-sized page logged in as `who` (a key of BASE_USERS) that lets axe in (its
    context bypasses the pages' CSP); fails the test on a script error."""
    context = browser.new_context(
        viewport={"width": 1366, "height": 768}, locale=LOCALE, bypass_csp=True
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.set_default_timeout(15_000)
    try:
        log_in(page, base, who)
        yield page
    finally:
        context.close()
    assert errors == []


def axe_violations(page: Page, axe_js: Path) -> list[str]:
    """Serious and critical violations on the page as it is now: rule, impact, targets."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(path=str(axe_js))
    violations = page.evaluate(
        "() => axe.run(document, {resultTypes: ['violations']}).then(r => r.violations)"
    )
    found = []
    for rule in violations:
        for node in rule["nodes"]:
            impact = node.get("impact") or rule.get("impact")
            if impact in BLOCKING:
                targets = " ".join(" > ".join(t) if isinstance(t, list) else t
                                   for t in node["target"])  # fmt: skip
                found.append(f"{rule['id']} [{impact}] {targets}: {node['failureSummary']!r}")
    return found
