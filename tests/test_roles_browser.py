"""Each role's pages in Chromium (issue 8): what a supervisor, an administrator and a leader
see and can do, at a laptop's and a tablet's width, with screenshots of each page.

The same set-up as test_access_browser.py: the live server and this process share one SQLite
file (`shared_db`); the caseworker's recording comes from tests/support/factories.py (a real upload,
made ready with a given Danish transcript, without Whisper) and is shared with the
supervisor once for the module.
"""

from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from app.audit import service as audit
from tests.support.accounts import BASE_USERS, user_id
from tests.support.browser import ARTIFACTS, Tab, log_in, show_transcript
from tests.support.factories import ready_recording
from tests.support.media import MediaSet

pytestmark = pytest.mark.browser

TITLE = "Samtale med Ida RB5"
CASE = "SAG-RB5-2026"
SHOTS = ARTIFACTS / "roles"
BAD = "rgb(164, 22, 26)"  # --bad in app.css


@pytest.fixture(scope="module")
def shared_recording(api: httpx.Client, media: MediaSet) -> str:
    """The caseworker's ready recording, shared with the supervisor."""
    rid = ready_recording(api, media, title=TITLE, case_reference=CASE)
    shared = api.post(f"/api/v1/recordings/{rid}/shares", json={"user_id": user_id("supervisor")})
    assert shared.status_code == 201, shared.text
    return rid


@pytest.fixture(params=["laptop", "tablet"])
def size(request: pytest.FixtureRequest) -> str:
    """The size of the window a test looks at the pages in: each test runs at both."""
    return str(request.param)


def shoot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    width = page.viewport_size["width"] if page.viewport_size else 0
    page.screenshot(path=str(SHOTS / f"roles-{name}-{width}.png"), full_page=True)


def assert_tables_readable(page: Page) -> None:
    """Nothing wider than the window, and a table wider than its box scrolls in a region a
    keyboard can reach."""
    width = page.evaluate("() => document.documentElement.clientWidth")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= width
    for wrap in page.query_selector_all(".table-wrap"):
        overflow = wrap.evaluate("w => w.scrollWidth > w.clientWidth + 1")
        if overflow:
            assert wrap.get_attribute("tabindex") == "0" and wrap.get_attribute("role") == "region"


def test_supervisor_sees_who_shared_and_no_control_they_may_not_use(
    tabs: Any, shared_db: str, shared_recording: str, size: str
) -> None:
    t = tabs(size, "supervisor")
    t.page.goto(f"{shared_db}/recordings")
    row = t.page.locator(f"tr[data-id='{shared_recording}']")
    expect(row.locator("td.access")).to_contain_text("Delt af Sara Sagsbehandler")
    expect(row.locator("td.access time")).to_have_count(1)
    assert_tables_readable(t.page)
    shoot(t.page, "supervisor-list")
    t.page.goto(f"{shared_db}/recordings/{shared_recording}")
    show_transcript(t.page)
    expect(t.page.locator("#transcript li.segment").first).to_be_visible()
    expect(t.page.locator("#shared-by")).to_contain_text("Sara Sagsbehandler")
    expect(t.page.locator("dl.meta")).to_contain_text("Dansk")
    # Only what a viewer may use: no correction, sharing, consent or delete controls.
    for refused in ("details.edit", "form.segment-form", "#sharing", "form.confirm"):
        expect(t.page.locator(refused)).to_have_count(0)
    expect(t.page.locator(".downloads a[href*='/transcript/export.']")).to_have_count(3)
    shoot(t.page, "supervisor-recording")
    t.assert_clean()


def test_a_refused_correction_reads_as_an_error(
    tabs: Any, shared_db: str, shared_recording: str
) -> None:
    """The owner's correction refused by the server (here: made so by the test) is shown
    in the error colour, never in the colour of a success."""
    t = tabs("laptop", "caseworker")
    t.page.route(
        "**/transcript/segments/*",
        lambda route: route.fulfill(
            status=403,
            content_type="application/json",
            body='{"detail": "Kun optagelsens sagsbehandler kan det.", "code": "x"}',
        ),
    )
    t.page.goto(f"{shared_db}/recordings/{shared_recording}")
    show_transcript(t.page)
    first = t.page.locator("li.segment").first
    first.locator("details.edit summary").click()
    first.locator("form.segment-form button[type=submit]").click()
    status = first.locator(".save-status")
    expect(status).to_have_text("Kun optagelsens sagsbehandler kan det.")
    expect(status).to_have_class("save-status error")
    assert status.evaluate("s => getComputedStyle(s).color") == BAD


def test_admin_unlocks_and_resets_from_the_users_page(
    tabs: Any, shared_db: str, shared_recording: str, size: str
) -> None:
    t = tabs(size, "administrator")
    t.page.goto(f"{shared_db}/admin/users")
    assert_tables_readable(t.page)
    shoot(t.page, "admin-users")
    person = user_id("caseworker2")
    t.page.click(f"form[action='/admin/users/{person}/unlock'] button")
    expect(t.page.locator("#unlocked")).to_contain_text("Carl Sagsbehandler")
    expect(t.page.locator("#unlocked")).to_have_class("alert success")
    t.page.once("dialog", lambda dialog: dialog.accept())
    t.page.click(f"form[action='/admin/users/{person}/reset'] button")
    link = t.page.locator("#one-time-link input.link-once")
    assert "/account/link/" in link.input_value()
    assert "correct horse" not in t.page.content()  # a link, never a password
    shoot(t.page, "admin-reset")
    t.assert_clean()


def test_admin_pages_through_a_readable_audit_log(
    tabs: Any, shared_db: str, shared_recording: str, size: str
) -> None:
    for n in range(60):
        audit.record(
            action="download",
            actor_id=user_id("caseworker"),
            actor_email=BASE_USERS["caseworker"][0],
            recording_id=shared_recording,
            detail=f"browser paging {n}",
        )
    t = tabs(size, "administrator")
    t.page.goto(f"{shared_db}/admin/audit?action=download&recording={shared_recording}")
    rows = t.page.locator("table.audit tbody tr")
    expect(rows).to_have_count(50)
    first = rows.first
    expect(first).to_contain_text("Sara Sagsbehandler")
    expect(first).to_contain_text(CASE)
    assert TITLE not in t.page.content()
    shown = first.locator("time").inner_text()
    stamp = first.locator("time").get_attribute("datetime")
    assert stamp is not None
    from datetime import datetime

    from app.core.templates import local_datetime

    assert shown == local_datetime(
        datetime.fromisoformat(stamp), "da", seconds=True
    )  # the zone's time
    assert_tables_readable(t.page)
    shoot(t.page, "admin-audit")
    t.page.click("nav.pager a[rel=next]")
    expect(rows.first).to_be_visible()
    assert rows.count() >= 10
    assert "action=download" in t.page.url and shared_recording in t.page.url
    expect(t.page.locator("#f-action")).to_have_value("download")
    t.page.click("nav.pager a[rel=prev]")
    expect(rows).to_have_count(50)
    t.page.goto(f"{shared_db}/admin/audit?actor=nobody-at-all@nowhere.test")
    expect(t.page.locator("#audit-empty")).to_be_visible()
    t.page.goto(f"{shared_db}/recordings")
    expect(t.page.locator("#list-empty")).to_contain_text("Administratorer ser aldrig optagelser")
    shoot(t.page, "admin-recordings-empty")
    t.page.goto(f"{shared_db}/admin/teams")
    shoot(t.page, "admin-teams")
    t.assert_clean()


def test_no_link_leads_a_leader_to_a_refused_page(tabs: Any, shared_db: str, size: str) -> None:
    t = tabs(size, "leader")
    t.page.goto(f"{shared_db}/")
    assert t.page.url.endswith("/leader")
    shoot(t.page, "leader")
    hrefs = {
        a.get_attribute("href") or ""
        for a in t.page.locator("a[href]").all()
        if (a.get_attribute("href") or "").startswith("/")
    }
    assert "/recordings" not in hrefs and "/admin/users" not in hrefs
    for href in sorted(hrefs):
        answer = t.page.request.get(f"{shared_db}{href}", max_redirects=0)
        landed = answer.headers.get("location", href)
        final = t.page.request.get(f"{shared_db}{landed}") if answer.status == 303 else answer
        assert final.status == 200, f"{href} -> {landed}: {final.status}"
        assert "/login" not in landed
    t.assert_clean()


def test_every_role_nav_link_answers_200(browser: Browser, shared_db: str) -> None:
    """For each role, every link in the top bar opens a page the role may see."""
    for who in ("caseworker", "supervisor", "administrator", "leader"):
        t = Tab(browser)
        try:
            log_in(t.page, shared_db, who)
            hrefs = {
                a.get_attribute("href") or "" for a in t.page.locator("header.topbar a[href]").all()
            }
            for href in sorted(h for h in hrefs if h.startswith("/")):
                answer = t.page.request.get(f"{shared_db}{href}")
                assert answer.status == 200, f"{who}: {href} answers {answer.status}"
        finally:
            t.close()
