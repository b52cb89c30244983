"""Issue 19, points 8, 9 and 10 in Chromium: a page opened is logged as opened and no byte
of the media is asked for until someone plays it; the administrator reads the log in
Danish, by names and case reference; the form checks speak the page's language, not the
browser's; the transcript says how it was made; administrators are never offered as a
share target or a participant.

The live server and this process share one SQLite file (`shared_db`); rows are looked up
by their own ids.
"""

from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from app.audit.models import AuditEntry
from app.core.db import session_scope
from tests.support.accounts import BASE_USERS, live_client, user_id
from tests.support.audit import last_seq
from tests.support.factories import CONVERSATION, make_ready
from tests.support.media import MediaSet
from tests.support.recordings import upload

pytestmark = pytest.mark.browser

CASE = "SAG-2026-4711"
SARA = BASE_USERS["caseworker"][0]
ADMIN_NAME = BASE_USERS["administrator"][1]
SHOTS = Path("/tmp/shots-audit")


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def entries_of(recording_id: str, after: int) -> list[tuple[str, str | None, str]]:
    with session_scope() as session:
        rows = session.query(AuditEntry).filter(
            AuditEntry.seq > after, AuditEntry.recording_id == recording_id
        )
        return [(e.action, e.actor_email, e.detail) for e in rows.order_by(AuditEntry.seq)]


@pytest.fixture(scope="module")
def recording(api: httpx.Client, media: MediaSet) -> str:
    """The caseworker's ready recording, with the worker's poster and playable file."""
    response = upload(api, media.conversation(30), case_reference=CASE, language="da")
    assert response.status_code == 201, response.text
    recording_id = str(response.json()["id"])
    make_ready(recording_id, [line for line in CONVERSATION if line.end <= 30], media_files=True)
    return recording_id


def test_opening_asks_for_no_media_and_the_log_says_opened_then_played(
    tab_for: Callable[..., Page], shared_db: str, recording: str
) -> None:
    page = tab_for("caseworker")
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url))
    start = last_seq()
    page.goto(f"{shared_db}/recordings/{recording}")
    expect(page.locator("#player")).to_have_attribute("preload", "none")
    page.wait_for_load_state("networkidle")
    media = f"/api/v1/recordings/{recording}/media"
    assert any(url.endswith(f"/api/v1/recordings/{recording}/poster") for url in asked), asked
    assert not [url for url in asked if media in url], "media asked for before play"
    assert page.evaluate("document.getElementById('player').readyState") == 0
    # The page and its still are one "opened" entry; nothing was played.
    assert entries_of(recording, start) == [("view", SARA, "page")]

    # A feedback marker or a transcript line chosen before play loads nothing either, and
    # the player starts there when played.
    page.locator("#tab-transcript").click()
    third = page.locator("#transcript li.segment").nth(2)
    at = float(third.get_attribute("data-start") or 0)
    page.evaluate("() => { const p = document.getElementById('player'); p.muted = true; }")
    with page.expect_response(lambda response: media in response.url):
        third.locator("button.seek").click()
    page.wait_for_function(
        "t => { const p = document.getElementById('player');"
        " return p.readyState >= 3 && !p.paused && p.currentTime > t + 0.2; }",
        arg=at,
    )
    played = entries_of(recording, start)
    assert played == [("view", SARA, "page"), ("playback", SARA, "media")]


def test_the_administrator_reads_the_log_in_danish_by_case_reference(
    tab_for: Callable[..., Page], shared_db: str, api: httpx.Client, recording: str
) -> None:
    share = api.post(
        f"/api/v1/recordings/{recording}/shares", json={"user_id": user_id("supervisor")}
    )
    assert share.status_code == 201, share.text
    viewer = live_client(shared_db, "supervisor")
    assert viewer.get(f"/recordings/{recording}").status_code == 200
    admin = tab_for("administrator")
    admin.goto(f"{shared_db}/admin/audit")
    admin.fill("#f-case", CASE)
    admin.locator("form.filters button[type=submit]").click()
    admin.wait_for_url(lambda url: "case=" in url)
    rows = admin.locator("table.audit tbody tr")
    expect(rows.first).to_be_visible()
    text = admin.locator("table.audit tbody").inner_text()
    for words in ("Delt", "Søren Supervisor", "Åbnet", "Siden med afspilleren og udskriften"):
        assert words in text, words
    assert "Sara Sagsbehandler" in text and CASE in text
    # Every row is this case's; no code names, no raw ids.
    expect(rows.locator("td:nth-child(5)")).to_have_text([CASE] * rows.count())
    for raw in ("user ", "share", "view", "playback", "page"):
        assert raw not in text, raw
    options = admin.locator("#f-action option").all_inner_texts()
    assert "Afspillet" in options and "Åbnet" in options and "password_set" not in options
    shot(admin, "audit-by-case-1366")
    admin.set_viewport_size({"width": 390, "height": 844})
    shot(admin, "audit-by-case-390")


@pytest.fixture
def english_browser(browser: Browser, shared_db: str) -> Iterator[Page]:
    """A browser whose own language is English (its messages, its Accept-Language)."""
    context = browser.new_context(locale="en-US", viewport={"width": 1366, "height": 768})
    try:
        yield context.new_page()
    finally:
        context.close()


def message_of(page: Page, field: str) -> str:
    return str(page.evaluate(f"document.querySelector('{field}').validationMessage"))


def test_the_form_checks_speak_the_pages_language(english_browser: Page, shared_db: str) -> None:
    page = english_browser
    page.goto(f"{shared_db}/login?lang=da")
    expect(page.locator("html")).to_have_attribute("lang", "da")
    page.locator("form[action='/login'] button[type=submit]").click()
    assert message_of(page, "#email") == "Udfyld dette felt."
    page.fill("#email", "ikke-en-adresse")
    page.locator("form[action='/login'] button[type=submit]").click()
    assert message_of(page, "#email") == "Skriv en e-mailadresse, fx navn@kommune.dk."
    page.fill("#email", "sara@kommune.test")
    assert message_of(page, "#email") == ""  # typing clears it; the next check decides
    page.locator("form[action='/login'] button[type=submit]").click()
    assert message_of(page, "#password") == "Udfyld dette felt."
    assert page.url.endswith("/login?lang=da")  # nothing was sent
    # The same page in English speaks English, whatever the browser's own words would be.
    page.goto(f"{shared_db}/login?lang=en")
    page.locator("form[action='/login'] button[type=submit]").click()
    assert message_of(page, "#email") == "Fill in this field."


def test_the_transcript_says_how_it_was_made(
    tab_for: Callable[..., Page], shared_db: str, recording: str
) -> None:
    page = tab_for("caseworker")
    page.goto(f"{shared_db}/recordings/{recording}")
    details = page.locator(".details")
    expect(page.locator("#transcript-provenance")).to_contain_text(
        "Transskriberet automatisk med talemodellen"
    )
    expect(page.locator("#transcript-provenance")).to_contain_text("(lokalt) den ")
    for jargon in ("bundled-base", "Talemodel:", "bundled"):
        expect(details).not_to_contain_text(jargon)
    shot(page, "recording-details-1366")
    page.set_viewport_size({"width": 390, "height": 844})
    shot(page, "recording-details-390")


def test_administrators_are_never_offered_to_share_with_or_to_take_part(
    tab_for: Callable[..., Page], shared_db: str, api: httpx.Client, recording: str
) -> None:
    page = tab_for("caseworker")
    page.goto(f"{shared_db}/recordings/{recording}")
    targets = page.locator("select[name=target] option").all_inner_texts()
    assert any("Carl Sagsbehandler" in t for t in targets), targets
    assert not any(ADMIN_NAME in t for t in targets), targets
    page.goto(f"{shared_db}/sessions/new")
    people = page.locator("input[name=user_id]").evaluate_all(
        "els => els.map(e => e.closest('label').innerText)"
    )
    assert any("Søren Supervisor" in p for p in people), people
    assert not any(ADMIN_NAME in p for p in people), people
    # Asked for anyway, the server refuses with words.
    admin = user_id("administrator")
    refused = api.post(f"/api/v1/recordings/{recording}/shares", json={"user_id": admin})
    assert refused.status_code == 422, refused.text
    assert refused.json()["code"] == "share.administrator"
    assert "aldrig" in refused.json()["detail"]


def test_the_users_page_says_how_a_link_went(tab_for: Callable[..., Page], shared_db: str) -> None:
    """Without SMTP the link is shown to the administrator: the page says so, not "sent"."""
    admin = tab_for("administrator")
    admin.goto(f"{shared_db}/admin/users")
    admin.fill("#new-email", "ny.kollega@kommune.test")
    admin.fill("#new-name", "Ny Kollega")
    admin.locator("form[action='/admin/users'] button[type=submit]").click()
    expect(admin.locator("#one-time-link")).to_be_visible()
    admin.goto(f"{shared_db}/admin/users")
    row = admin.locator("tr", has_text="Ny Kollega")
    expect(row).to_contain_text("Engangslink vist til en administrator")
    expect(row).to_contain_text("ikke brugt endnu")
    expect(row).not_to_contain_text("sendt")
    shot(admin, "users-link-1366")
