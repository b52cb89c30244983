"""Issue 19, point 7, in Chromium: the caseworker plans a team session on a clip that is not
yet shared and shares it on the plan form, reading what the team will see (the hint follows
the choice of clip or whole recording); a session planned without the share is shared from
its own page, by keyboard. The team sees the clip at once. Closing the session asks first.
Screenshots in
test-artifacts/share-offer/ at 1366x768 and 390x844, Danish and English."""

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from app.core.timeutil import to_local, utcnow
from tests.support import ROOT
from tests.support.accounts import make_team, user_id
from tests.support.browser import axe_page, axe_violations
from tests.support.clips import cut_clips, make_clip
from tests.support.factories import ready_recording
from tests.support.media import MediaSet
from tests.support.protection import approve_protected
from tests.support.sessions import plan

pytestmark = pytest.mark.browser

SHOTS = ROOT / "test-artifacts" / "share-offer"


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_plan_a_team_session_and_share_the_clip_in_one_step(
    api: httpx.Client,
    media: MediaSet,
    tab_for: Callable[..., Page],
    shared_db: str,
    axe_js: Path,
    browser: Browser,
) -> None:
    rid = ready_recording(api, media, seconds=30, title="Samtale med Sofie")
    clip = make_clip(api, rid, start=5.0, end=15.0, title="Åbningen")  # type: ignore[arg-type]
    assert cut_clips() == ["succeeded"]
    approve_protected(clip)  # a team is given the clip once its protected variant is approved
    team = make_team("Team Vest", [user_id("supervisor"), user_id("caseworker2")])

    cw = tab_for("caseworker")
    cw.goto(f"{shared_db}/sessions/new")
    offer = cw.locator("#share-offer")
    expect(offer).to_be_visible()
    # Nothing chosen yet: both explanations; then only the one for what is chosen.
    expect(cw.locator("#share-clip")).to_be_visible()
    expect(cw.locator("#share-recording")).to_be_visible()
    cw.select_option("#media", rid)
    expect(cw.locator("#share-recording")).to_be_visible()
    expect(cw.locator("#share-clip")).to_be_hidden()
    cw.select_option("#media", f"{rid}:{clip}")
    expect(cw.locator("#share-clip")).to_be_visible()
    expect(cw.locator("#share-recording")).to_be_hidden()
    cw.check("input[name=kind][value=team]")
    cw.select_option("#team_id", str(team))
    # The checkbox by keyboard, as its label says.
    cw.locator("#share").focus()
    cw.keyboard.press("Space")
    expect(cw.locator("#share")).to_be_checked()
    when = to_local(utcnow() + timedelta(days=1)).replace(hour=10, minute=0)
    cw.fill("#starts_at", when.strftime("%Y-%m-%dT%H:%M"))
    offer.scroll_into_view_if_needed()
    shot(cw, "plan-form-clip-da-1366")
    cw.click("#plan-submit")
    cw.wait_for_url(lambda url: "/sessions/" in url and not url.endswith("/new"))
    session_url = cw.url.split("#")[0]
    expect(cw.locator("#share-waiting")).to_have_count(0)

    for who in ("supervisor", "caseworker2"):
        member = tab_for(who)
        member.goto(session_url)
        expect(member.locator("#player")).to_be_attached()
        expect(member.locator("#waiting")).to_have_count(0)
        member.close()

    # axe on the form with the offer (a page of its own: axe is an inline script).
    with axe_page(browser, shared_db, "caseworker") as page:
        page.goto(f"{shared_db}/sessions/new")
        page.select_option("#media", f"{rid}:{clip}")
        assert axe_violations(page, axe_js) == []


def test_share_from_the_session_page_by_keyboard(
    api: httpx.Client, media: MediaSet, tab_for: Callable[..., Page], shared_db: str
) -> None:
    rid = ready_recording(api, media, seconds=20, title="Samtale med Emil")
    session_id = plan(api, rid, [user_id("supervisor")], kind="team")["id"]
    url = f"{shared_db}/sessions/{session_id}"
    sup = tab_for("supervisor")
    sup.goto(url)
    expect(sup.locator("#waiting")).to_be_visible()
    expect(sup.locator("#share-waiting")).to_have_count(0)  # the caseworker's alone

    cw = tab_for("caseworker")
    cw.goto(url)
    waiting = cw.locator("#share-waiting")
    expect(waiting).to_contain_text("1 deltager venter på, at du deler optagelsen.")
    waiting.scroll_into_view_if_needed()
    shot(cw, "session-share-waiting-da-1366")
    waiting.locator("button").focus()
    cw.keyboard.press("Enter")
    expect(cw.locator("#share-done")).to_be_visible()
    expect(cw.locator("#share-waiting")).to_have_count(0)
    expect(cw.locator("#present")).not_to_contain_text("venter på delingen")
    sup.reload()
    expect(sup.locator("#player")).to_be_attached()

    # The offer in English and on a phone.
    phone = tab_for("caseworker", (390, 844))
    phone.goto(f"{shared_db}/sessions/new?lang=en")
    phone.select_option("#media", rid)
    expect(phone.locator("#share-recording")).to_contain_text("all of the video")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the plan form is {width} px wide on a 390-px phone"
    shot(phone, "plan-form-recording-en-390")


def test_closing_the_session_asks_first(
    api: httpx.Client, media: MediaSet, tab_for: Callable[..., Page], shared_db: str
) -> None:
    """Afslut sessionen ends the round and fixes time, question and participants: the page
    asks before it is sent; No keeps the session as it was."""
    rid = ready_recording(api, media, seconds=20, title="Samtale med Ida")
    session_id = plan(api, rid, [user_id("supervisor")])["id"]
    cw = tab_for("caseworker")
    cw.goto(f"{shared_db}/sessions/{session_id}")
    asked: list[str] = []

    def answer(dialog, accept: bool) -> None:  # type: ignore[no-untyped-def]
        asked.append(dialog.message)
        dialog.accept() if accept else dialog.dismiss()

    close = cw.locator("#close-session")
    cw.once("dialog", lambda d: answer(d, False))
    close.click()
    expect(cw.locator("#session-state")).to_have_text("Planlagt")
    assert asked and "Afslut sessionen?" in asked[0], asked
    cw.once("dialog", lambda d: answer(d, True))
    close.click()
    expect(cw.locator("#session-state")).to_have_text("Afsluttet")
    assert len(asked) == 2
