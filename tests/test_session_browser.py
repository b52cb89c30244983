"""The session pages in Chromium: the caseworker plans a session with the form, the page
plays the recording; the supervisor waits until the caseworker shares it, then gives
feedback from the session page; the round moves on. Screenshots at 1366x768 for a look.

Set-up as in test_feedback_browser.py: the live server and this process share SQLite."""

from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect

from app.core.timeutil import to_local, utcnow
from tests.support.accounts import user_id
from tests.support.browser import load_player
from tests.support.factories import ready_recording
from tests.support.media import MediaSet
from tests.support.sessions import plan

pytestmark = pytest.mark.browser

SHOTS = Path("/work/notes/shots/sessions")


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=False)


def test_plan_join_share_give_feedback_and_move_the_round(
    api: httpx.Client,
    media: MediaSet,
    tab_for,  # type: ignore[no-untyped-def]
    shared_db: str,
) -> None:
    rid = ready_recording(api, media, seconds=30, title="Samtale med Sofie")
    cw = tab_for("caseworker")
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
    load_player(cw)
    duration = float(cw.evaluate("document.getElementById('player').duration"))
    assert 29 < duration < 31, duration
    expect(cw.locator("#present li")).to_have_count(2)

    sup = tab_for("supervisor")
    sup.goto(session_url)
    expect(sup.locator("#waiting")).to_be_visible()
    assert sup.locator("video").count() == 0
    shot(sup, "waiting-for-share-1366")

    shared = api.post(f"/api/v1/recordings/{rid}/shares", json={"user_id": user_id("supervisor")})
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


def test_closing_a_session_asks_first(
    api: httpx.Client,
    media: MediaSet,
    tab_for,  # type: ignore[no-untyped-def]
    shared_db: str,
) -> None:
    """Closing ends the round and the summary for good: the page asks, and a "no" keeps
    the session open."""
    rid = ready_recording(api, media, seconds=10, title="Samtale der afsluttes")
    planned = plan(api, rid, [user_id("supervisor")])
    cw = tab_for("caseworker")
    cw.goto(f"{shared_db}/sessions/{planned['id']}")
    asked: list[str] = []

    def answer(dialog, accept: bool) -> None:  # type: ignore[no-untyped-def]
        asked.append(dialog.message)
        dialog.accept() if accept else dialog.dismiss()

    cw.once("dialog", lambda d: answer(d, False))
    cw.click("#close-session")
    expect(cw.locator("#close-session")).to_be_visible()
    assert asked and "Afslut sessionen" in asked[0]
    assert api.get(f"/api/v1/sessions/{planned['id']}").json()["state"] != "closed"
    cw.once("dialog", lambda d: answer(d, True))
    with cw.expect_navigation():
        cw.click("#close-session")
    expect(cw.locator("#close-session")).to_have_count(0)
    assert api.get(f"/api/v1/sessions/{planned['id']}").json()["state"] == "closed"
