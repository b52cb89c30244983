"""Notifications as pages: the count in every page's top bar, the list, the link that opens
the recording at the moment, and "mark all as read"."""

import html
import re
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, expect
from sqlalchemy import event
from sqlmodel import select
from starlette.requests import Request

from app.accounts.models import User
from app.accounts.subject import Subject
from app.core.db import get_engine, session_scope
from app.core.templates import clock
from app.feedback.notification_pages import unread_badge
from app.feedback.notifications import moment_url
from tests.support.accounts import BASE_USERS, ClientFor, live_client, user_id
from tests.support.browser import AXE_JS, axe_page, axe_violations, tab_to
from tests.support.feedback import criterion_ids, new_recording
from tests.support.media import FORMATS, MediaSet
from tests.support.recordings import share, upload

Client = TestClient | httpx.Client
SHOTS = Path("/work/notes/shots/pages")
SUPERVISOR = BASE_USERS["supervisor"][1]


def publish_three(supervisor: Client, recording_id: str, duration: float) -> list[int]:
    """Three drafts at three moments, published in one step: one notification."""
    base = f"/api/v1/recordings/{recording_id}/feedback"
    criterion = criterion_ids(supervisor)[0]  # type: ignore[arg-type]
    ids = []
    for part, text in ((0.6, "Tredje"), (0.2, "Første"), (0.4, "Anden")):
        body = {"kind": "strength", "start_seconds": round(duration * part, 2), "text": text}
        response = supervisor.post(base, json=body | {"criterion_ids": [criterion]})
        assert response.status_code == 201, response.text
        ids.append(int(response.json()["id"]))
    published = supervisor.post(f"{base}/publish")
    assert published.status_code == 200 and published.json()["published"] == 3
    return ids


def badge(page: str) -> str | None:
    """The top bar's count and its words for a screen reader, or None when not shown."""
    bar = page.split("</header>", 1)[0]
    found = re.search(
        r'<span class="count-badge" aria-hidden="true">(\d+)</span>'
        r'<span class="visually-hidden"> \(([^)]+)\)</span>',
        bar,
    )
    return f"{found.group(1)}|{html.unescape(found.group(2))}" if found else None


def words(page: str) -> str:
    main = page.split("<main", 1)[1]
    return html.unescape(" ".join(re.sub(r"<[^>]+>", " ", main).split()))


@pytest.fixture
def scene(
    db: str, client: TestClient, client_for: ClientFor, media: MediaSet
) -> tuple[TestClient, TestClient, str, float, list[int]]:
    """The caseworker's recording shared with the supervisor, who published three items."""
    recording_id, duration = new_recording(client, media)
    share(client, recording_id, user_id=user_id("supervisor"))
    supervisor = client_for("supervisor")
    # Told of the share (tests/test_notify.py): read, so that these tests count feedback's.
    assert supervisor.post("/api/v1/notifications/read").status_code == 204
    ids = publish_three(supervisor, recording_id, duration)
    return client, supervisor, recording_id, duration, ids


def test_badge_list_and_opening_at_the_moment(scene: tuple) -> None:
    caseworker, supervisor, recording_id, duration, ids = scene
    page = caseworker.get("/recordings").text
    assert badge(page) == "1|1 ulæst notifikation"
    assert badge(caseworker.get("/recordings", params={"lang": "en"}).text) == (
        "1|1 unread notification"
    )
    assert badge(supervisor.get("/recordings").text) is None  # none of their own: hidden

    listing = caseworker.get("/notifications")
    assert listing.status_code == 200 and listing.headers["cache-control"] == "no-store"
    text = words(listing.text)
    first_moment = round(duration * 0.2, 2)
    assert f"3 feedbackpunkter sendt: Samtale om skolen, {clock(first_moment)}" in text
    assert f"Fra {SUPERVISOR}" in text and "Ulæst" in text
    assert "1 ulæst notifikation" in text and "Markér alle som læst" in text
    note_id = int(re.findall(r'href="/notifications/(\d+)/open"', listing.text)[0])

    # Opening it: read, and the recording at the first published item's moment.
    opened = caseworker.get(f"/notifications/{note_id}/open", follow_redirects=False)
    assert opened.status_code == 303
    page = f"/recordings/{recording_id}"
    assert opened.headers["location"] == moment_url(page, first_moment, ids[1])
    assert opened.headers["location"] == (
        f"/recordings/{recording_id}?t={first_moment:g}&item={ids[1]}"
    )
    assert badge(caseworker.get("/recordings").text) is None
    assert "Ulæst" not in words(caseworker.get("/notifications").text)

    # A reply from the caseworker: the supervisor is told, at the item's moment.
    replied = caseworker.post(
        f"/api/v1/recordings/{recording_id}/feedback/{ids[1]}/replies", json={"text": "Tak"}
    )
    assert replied.status_code == 201, replied.text
    reply_id = replied.json()["id"]
    listing = supervisor.get("/notifications")
    assert f"Nyt svar: Samtale om skolen, {clock(first_moment)}" in words(listing.text)
    assert f"Fra {BASE_USERS['caseworker'][1]}" in words(listing.text)
    note_id = int(re.findall(r'href="/notifications/(\d+)/open"', listing.text)[0])
    # Not the caseworker's to open.
    assert caseworker.get(f"/notifications/{note_id}/open").status_code == 404
    opened = supervisor.get(f"/notifications/{note_id}/open", follow_redirects=False)
    page = f"/recordings/{recording_id}"
    assert opened.headers["location"] == moment_url(page, first_moment, reply_id)
    assert supervisor.get("/notifications/999999/open").status_code == 404


def test_plurals_and_mark_all_as_read(scene: tuple) -> None:
    caseworker, supervisor, recording_id, duration, _ = scene
    publish_three(supervisor, recording_id, duration)
    assert badge(caseworker.get("/recordings").text) == "2|2 ulæste notifikationer"
    english = caseworker.get("/notifications", params={"lang": "en"})
    assert badge(english.text) == "2|2 unread notifications"
    assert "3 feedback items published: Samtale om skolen" in words(english.text)
    assert "2 unread notifications" in words(english.text)

    done = caseworker.post("/notifications/read", follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/notifications?read=1"
    page = caseworker.get(done.headers["location"]).text
    assert badge(page) is None
    assert "Alle notifikationer er markeret som læst." in words(page)
    assert "Ingen ulæste notifikationer." in words(page)
    assert "Markér alle som læst" not in words(page)

    # One item published at once: "new feedback", at its moment.
    criterion = criterion_ids(supervisor)[0]
    body = {"kind": "question", "start_seconds": 1.5, "criterion_ids": [criterion]}
    one = supervisor.post(
        f"/api/v1/recordings/{recording_id}/feedback",
        json=body | {"text": "Hvorfor?", "publish": True},
    )
    assert one.status_code == 201, one.text
    page = caseworker.get("/notifications").text
    assert badge(page) == "1|1 ulæst notifikation"
    assert "Ny feedback: Samtale om skolen, 0:01" in words(page)
    assert "New feedback: Samtale om skolen, 0:01" in words(
        caseworker.get("/notifications", params={"lang": "en"}).text
    )


def test_a_recording_no_longer_seen_is_neither_counted_nor_opened(scene: tuple) -> None:
    caseworker, supervisor, recording_id, _, ids = scene
    caseworker.post(
        f"/api/v1/recordings/{recording_id}/feedback/{ids[0]}/replies", json={"text": "Svar"}
    )
    listing = supervisor.get("/notifications").text
    note_id = int(re.findall(r'href="/notifications/(\d+)/open"', listing)[0])
    assert badge(supervisor.get("/recordings").text) == "1|1 ulæst notifikation"
    for given in caseworker.get(f"/api/v1/recordings/{recording_id}/shares").json():
        gone = caseworker.delete(f"/api/v1/recordings/{recording_id}/shares/{given['id']}")
        assert gone.status_code == 204
    assert badge(supervisor.get("/recordings").text) is None
    assert "Samtale om skolen" not in supervisor.get("/notifications").text
    assert supervisor.get(f"/notifications/{note_id}/open").status_code == 404


def test_no_notifications_and_the_leader(db: str, client_for: ClientFor) -> None:
    caseworker = client_for("caseworker")
    page = caseworker.get("/notifications")
    assert page.status_code == 200 and badge(page.text) is None
    assert "Du har ingen notifikationer." in words(page.text)
    assert (
        '<a href="/notifications" class="notes-link" id="notes-link">Notifikationer</a>'
        in page.text
    )
    leader = client_for("leader")
    assert 'href="/notifications"' not in leader.get("/leader").text  # never notified
    assert leader.get("/notifications").status_code == 200
    assert client_for("administrator").get("/notifications").status_code == 200


def test_the_count_costs_one_query_when_nothing_is_unread(sqlite_db: str) -> None:
    request = Request({"type": "http", "method": "GET", "path": "/", "headers": []})
    statements: list[str] = []

    def count(conn, cursor, statement, *args) -> None:  # type: ignore[no-untyped-def]
        statements.append(statement)

    with session_scope() as session:
        request.state.subject = Subject.of(session.get(User, user_id("caseworker")))  # type: ignore[arg-type]
    event.listen(get_engine(), "before_cursor_execute", count)
    try:
        assert unread_badge(request) == {"unread_notifications": 0}
    finally:
        event.remove(get_engine(), "before_cursor_execute", count)
    assert len(statements) == 1 and "count(" in statements[0].lower()

    # Through the request's own session when the login check left it: no second connection.
    checkouts: list[object] = []

    def checkout(*args: object) -> None:
        checkouts.append(args)

    with session_scope() as session:
        session.exec(select(User)).first()  # the request has its connection already
        request.state.session = session
        event.listen(get_engine(), "checkout", checkout)
        try:
            assert unread_badge(request) == {"unread_notifications": 0}
        finally:
            event.remove(get_engine(), "checkout", checkout)
    assert checkouts == []
    request.state.subject = None
    assert unread_badge(request) == {}


def test_moment_url() -> None:
    page = "/recordings/abc"
    assert moment_url(page, 12.5, 7) == "/recordings/abc?t=12.5&item=7"
    assert moment_url(page, 12.0, 7) == "/recordings/abc?t=12&item=7"
    assert moment_url(page, 1 / 3, None) == "/recordings/abc?t=0.333"
    assert moment_url(page, None, None) == "/recordings/abc"
    assert moment_url("/clips/3", 0.0) == "/clips/3?t=0"


# In Chromium --------------------------------------------------------------------------------


@pytest.mark.browser
def test_notifications_in_chromium(browser: Browser, shared_db: str, media: MediaSet) -> None:
    """The caseworker sees the count, reaches the list by keyboard with a visible focus, and
    the notification opens the recording at the moment; screenshots in Danish."""
    owner = live_client(shared_db)
    supervisor = live_client(shared_db, "supervisor")
    try:
        response = upload(owner, media.encoded(FORMATS[6]), title="Samtale med Ida")
        assert response.status_code == 201, response.text
        recording_id, duration = response.json()["id"], float(response.json()["duration_seconds"])
        share(owner, recording_id, user_id=user_id("supervisor"))  # type: ignore[arg-type]
        ids = publish_three(supervisor, recording_id, duration)
        reply = owner.post(
            f"/api/v1/recordings/{recording_id}/feedback/{ids[1]}/replies", json={"text": "Tak"}
        )
        assert reply.status_code == 201
        supervisor.post(
            f"/api/v1/recordings/{recording_id}/feedback/{ids[1]}/replies",
            json={"text": "Velbekomme"},
        )
    finally:
        owner.close()
        supervisor.close()

    with axe_page(browser, shared_db, "caseworker") as page:
        link = page.get_by_role("link", name="Notifikationer (2 ulæste notifikationer)")
        expect(link).to_be_visible()
        expect(page.locator(".count-badge")).to_have_text("2")
        tab_to(page, link, 30, "the notifications link")
        page.screenshot(path=str(SHOTS / "topbar-badge-focus-da-1366x768.png"))
        page.keyboard.press("Enter")
        page.wait_for_url(f"{shared_db}/notifications")
        expect(page.get_by_role("heading", name="Notifikationer", exact=True)).to_be_visible()
        expect(page.locator("li.note.unread")).to_have_count(2)
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "notifications-da-1366x768.png"))
        assert axe_violations(page, AXE_JS) == [], (
            "notifications page: serious or critical axe findings"
        )

        newest = page.locator("li.note").first.locator("a.note-link")
        expect(newest).to_contain_text("Nyt svar: Samtale med Ida")
        newest.focus()
        page.keyboard.press("Enter")
        page.wait_for_url(re.compile(rf"/recordings/{recording_id}\?t=[\d.]+&item=\d+$"))
        expect(page.locator(".count-badge")).to_have_text("1")
        page.go_back()
        page.reload()
        expect(page.locator("li.note.unread")).to_have_count(1)
        page.get_by_role("button", name="Markér alle som læst").click()
        expect(page.get_by_role("status")).to_have_text("Alle notifikationer er markeret som læst.")
        expect(page.locator(".count-badge")).to_have_count(0)
        expect(page.get_by_role("link", name="Notifikationer", exact=True)).to_be_visible()
        page.screenshot(path=str(SHOTS / "notifications-read-da-1366x768.png"))


def test_error_pages_return_every_connection(
    db: str, client: TestClient, client_for: Callable[[str], TestClient], media: MediaSet
) -> None:
    """A page that fails renders its error page (with the top bar's count) after the
    request's session is closed: the count must not check out a connection it never returns
    (the review's access matrix ran the pool dry on such pages)."""
    rid, _ = new_recording(client, media)
    other = client_for("caseworker2")
    pool = get_engine().pool
    before = pool.checkedout()  # type: ignore[attr-defined]
    for _ in range(20):
        assert other.get(f"/recordings/{rid}").status_code == 404
        assert other.post(f"/recordings/{rid}/delete", data={}).status_code in (403, 404)
    assert pool.checkedout() == before  # type: ignore[attr-defined]
