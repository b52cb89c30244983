"""The session pages in Chromium: the caseworker plans a session with the form, the page
plays the recording; the supervisor waits until the caseworker shares it, then gives
feedback from the session page; the round moves on. Screenshots at 1366x768 for a look.

Set-up as in test_feedback_browser.py: the live server and this process share SQLite."""

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from app.core.timeutil import to_local, utcnow
from tests.conftest import live_client, user_id
from tests.factories import ready_recording
from tests.feedback_helpers import reset_rubric
from tests.mediafiles import MediaSet
from tests.test_pages_browser import LOCALE, log_in, watch_errors

pytestmark = pytest.mark.browser

SHOTS = Path("/work/notes/shots/sessions")


@pytest.fixture(scope="module")
def owner_api(shared_db: str) -> Iterator[httpx.Client]:
    reset_rubric()
    client = live_client(shared_db, "caseworker")
    try:
        yield client
    finally:
        client.close()


@pytest.fixture
def context_for(browser: Browser, shared_db: str) -> Iterator:  # type: ignore[type-arg]
    made: list[tuple[BrowserContext, list[str]]] = []

    def make(who: str) -> Page:
        context = browser.new_context(viewport={"width": 1366, "height": 768}, locale=LOCALE)
        tab = context.new_page()
        made.append((context, watch_errors(tab)))
        tab.set_default_timeout(15_000)
        log_in(tab, shared_db, who)
        return tab

    yield make
    for context, errors in made:
        context.close()
        assert errors == [], f"script or console errors: {errors}"


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=False)


def test_plan_join_share_give_feedback_and_move_the_round(
    owner_api: httpx.Client,
    media: MediaSet,
    context_for,  # type: ignore[no-untyped-def]
    shared_db: str,
) -> None:
    rid = ready_recording(owner_api, media, seconds=30, title="Samtale med Sofie")
    cw = context_for("caseworker")
    cw.goto(f"{shared_db}/sessions/new")
    cw.select_option("#media", rid)
    cw.check(f"input[name=user_id][value='{user_id('supervisor')}']")
    when = to_local(utcnow() + timedelta(days=1)).replace(hour=10, minute=0)
    cw.fill("#starts_at", when.strftime("%Y-%m-%dT%H:%M"))
    cw.fill("#question", "Hvordan får jeg barnet til at fortælle frit?")
    shot(cw, "plan-form-1366")
    cw.click("#plan-submit")
    cw.wait_for_url(lambda url: "/sessions/" in url and not url.endswith("/new"))
    session_url = cw.url.split("#")[0]
    expect(cw.locator("#question")).to_contain_text("fortælle frit")
    # The player has the recording: its length read from the media itself.
    cw.wait_for_function("document.getElementById('player').readyState >= 1")
    duration = float(cw.evaluate("document.getElementById('player').duration"))
    assert 29 < duration < 31, duration
    expect(cw.locator("#present li")).to_have_count(2)

    sup = context_for("supervisor")
    sup.goto(session_url)
    expect(sup.locator("#waiting")).to_be_visible()
    assert sup.locator("video").count() == 0
    shot(sup, "waiting-for-share-1366")

    shared = owner_api.post(
        f"/api/v1/recordings/{rid}/shares", json={"user_id": user_id("supervisor")}
    )
    assert shared.status_code == 201, shared.text
    sup.reload()
    expect(sup.locator("#timeline-box")).to_be_visible()
    sup.click("#add-feedback")
    expect(sup.locator("#feedback-form")).to_be_visible()
    sup.locator("#fb-criteria input[data-number='1']").check()
    sup.locator(".kind-pick input[value='strength']").check()
    sup.fill("#fb-text", "God kontakt fra start.")
    sup.check("#fb-publish")
    sup.click("#save-feedback")
    expect(sup.locator("#feedback-list .fb.kind-strength")).to_contain_text("God kontakt")

    # The caseworker (facilitator) starts the round: the supervisor's strength first.
    cw.click("#round-next")
    expect(cw.locator("#turn")).to_contain_text("Søren Supervisor")
    cw.reload()
    expect(cw.locator("#feedback-list .fb.kind-strength")).to_contain_text("God kontakt")
    shot(cw, "session-page-1366")
    sup.reload()
    expect(sup.locator(".round-order .current")).to_have_text("Søren Supervisor")
    shot(sup, "session-page-supervisor-1366")
