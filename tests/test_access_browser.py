"""Who sees a recording, in a real browser: headless Chromium against the live server.

The same set-up as test_pages_browser.py: the live server and this process share one
SQLite file; `shared_db` restores it from its template when the module starts and when it
ends, so the tests here look up their own rows by id. Recordings are uploaded for real
(one through the upload page) and made ready by tests/support/factories.py, with a given
Danish transcript instead of Whisper's: who may see them is the subject, not the pipeline.

People (BASE_USERS, all with PASSWORD: tests/support/accounts.py):
- the caseworker ("caseworker") uploads and owns the recordings and shares them;
- the supervisor ("supervisor") gets a recording shared with him;
- another caseworker ("caseworker2") gets nothing and must see nothing;
- the administrator and the leader only appear in the screenshots.
"""

import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect
from sqlmodel import col, select

from app.accounts.models import Role, User
from app.core.db import session_scope
from tests.support.accounts import (
    BASE_USERS,
    current_code,
    link_path,
    live_client,
    make_user,
    post_code,
    post_login,
    set_password,
    user_id,
)
from tests.support.browser import (
    ARTIFACTS,
    VIEWPORTS,
    fill_consent,
    get_json,
    load_player,
    log_in,
)
from tests.support.factories import make_ready, ready_recording
from tests.support.media import FORMATS, MediaSet
from tests.support.recordings import upload

pytestmark = pytest.mark.browser

M4A = FORMATS[5]  # m4a-aac: small, quick to upload
assert M4A.name == "m4a-aac"
NOT_FOUND = "Optagelsen findes ikke."
ERROR_TITLE = "Ikke fundet"
SHARED_WITH_YOU = "Delt af Sara Sagsbehandler"  # the list names who shared it
NO_SHARES = "Kun dig."
# --------------------------------------------------------------------------- fixtures


def upload_api(api: httpx.Client, path: Path, title: str, case: str) -> str:
    res = upload(api, path, title=title, case_reference=case)
    assert res.status_code == 201, res.text
    return str(res.json()["id"])


def open_player(page: Page, base: str, rid: str) -> Any:
    response = page.goto(f"{base}/recordings/{rid}")
    assert response is not None and response.status == 200, response and response.status
    load_player(page)
    return response


def assert_plays(page: Page) -> None:
    outcome = page.evaluate(
        """() => { const p = document.getElementById('player'); p.muted = true;
                   return p.play().then(() => 'playing', e => 'refused: ' + e); }"""
    )
    assert outcome == "playing"
    page.wait_for_function(
        "() => document.getElementById('player').currentTime > 1.0", timeout=15_000
    )
    assert page.evaluate("() => document.getElementById('player').error") is None


def assert_security_headers(headers: dict[str, str], what: str) -> None:
    csp = headers.get("content-security-policy", "")
    assert "frame-ancestors 'none'" in csp, (what, csp)
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp, (what, csp)
    assert headers.get("x-content-type-options") == "nosniff", (what, headers)
    assert "no-store" in headers.get("cache-control", ""), (what, headers)


# --------------------------------------------------------------------------- sharing


def test_share_with_supervisor_hides_from_others_and_withdraw_takes_effect(
    tabs: Any, shared_db: str, api: httpx.Client, media: MediaSet
) -> None:
    base = shared_db
    supervisor_id = user_id("supervisor")

    # 1. The caseworker logs in and uploads through the upload page, with consent.
    owner = tabs()
    page = owner.page
    log_in(page, base, "caseworker")
    page.goto(f"{base}/recordings/new")
    page.fill("#title", "Samtale med deling")
    page.fill("#case_reference", "SAG-DELING")
    page.select_option("#language", "da")
    fill_consent(page, date.today() - timedelta(days=1), date.today() + timedelta(days=60))
    page.set_input_files("#file", str(media.conversation()))
    page.click("#upload-form button[type=submit]")
    page.wait_for_url(re.compile(r"/recordings\?uploaded=[0-9a-f]{32}$"), timeout=60_000)
    rid = page.url.rsplit("=", 1)[1]
    make_ready(rid)
    assert get_json(api, f"/api/v1/recordings/{rid}")["status"] == "ready"

    # 2. Its page: security headers, a player that plays, no script errors or CSP reports.
    response = open_player(page, base, rid)
    assert_security_headers(response.headers, "recording page")
    media_res = page.request.get(f"{base}/api/v1/recordings/{rid}/media")
    assert media_res.status == 200
    assert "no-store" in media_res.headers.get("cache-control", ""), media_res.headers
    assert media_res.headers.get("x-content-type-options") == "nosniff", media_res.headers
    assert_plays(page)
    panel = page.locator("#sharing")
    expect(panel).to_be_visible()
    expect(panel).to_contain_text(NO_SHARES)

    # 3. Share it with the supervisor through the sharing form.
    page.select_option("select#share-target", f"user:{supervisor_id}")
    page.click("form.share-form button[type=submit]")
    page.wait_for_url(re.compile(rf"/recordings/{rid}#sharing$"))
    shares = panel.locator("ul.shares li")
    expect(shares).to_have_count(1)
    expect(shares).to_contain_text(BASE_USERS["supervisor"][1])
    expect(shares.get_by_role("button", name="Træk tilbage")).to_be_visible()
    page.wait_for_timeout(300)  # any late console error or CSP report shows up by now
    owner.assert_clean()

    # 4. Log out with the button in the top bar: the recording is out of reach then.
    page.locator("header.topbar").get_by_role("button", name="Log ud").click()
    page.wait_for_url(re.compile(r"/login$"))
    page.goto(f"{base}/recordings/{rid}")
    assert re.search(rf"/login\?next=/recordings/{rid}$", page.url), page.url
    assert page.request.get(f"{base}/api/v1/recordings/{rid}/media").status == 401

    # 5. The supervisor, in a fresh browser, sees it in the list and can play it.
    supervisor = tabs()
    sup = supervisor.page
    log_in(sup, base, "supervisor")
    sup.goto(f"{base}/recordings")
    row = sup.locator(f'tr[data-id="{rid}"]')
    expect(row).to_be_visible()
    expect(row).to_contain_text("Samtale med deling")
    expect(row).to_contain_text(SHARED_WITH_YOU)
    response = open_player(sup, base, rid)
    assert_security_headers(response.headers, "recording page (supervisor)")
    assert_plays(sup)
    expect(sup.locator("#sharing")).to_have_count(0)  # only the owner manages sharing
    supervisor.assert_clean()

    # 6. Another caseworker sees nothing: not in the list, 404 for the page and the media.
    other = tabs()
    carl = other.page
    log_in(carl, base, "caseworker2")
    carl.goto(f"{base}/recordings")
    expect(carl.locator("h1")).to_be_visible()
    expect(carl.locator(f'tr[data-id="{rid}"]')).to_have_count(0)
    assert "Samtale med deling" not in carl.content()
    response = carl.goto(f"{base}/recordings/{rid}")
    assert response is not None and response.status == 404
    expect(carl.locator("h1")).to_have_text(ERROR_TITLE)
    expect(carl.locator(".alert.error")).to_have_text(NOT_FOUND)
    assert "Samtale med deling" not in carl.content()
    assert carl.request.get(f"{base}/api/v1/recordings/{rid}/media").status == 404
    assert carl.request.get(f"{base}/api/v1/recordings/{rid}").status == 404
    listed = carl.request.get(f"{base}/api/v1/recordings").json()
    assert rid not in [r["id"] for r in listed["data"]]

    # 7. The caseworker logs in again and withdraws the share ...
    page2 = tabs().page
    log_in(page2, base, "caseworker")
    page2.goto(f"{base}/recordings/{rid}")
    with page2.expect_navigation(url=re.compile(rf"/recordings/{rid}#sharing$")):
        page2.locator("#sharing").get_by_role("button", name="Træk tilbage").click()
    expect(page2.locator("#sharing ul.shares li")).to_have_count(0)
    expect(page2.locator("#sharing")).to_contain_text(NO_SHARES)

    # 8. ... and the supervisor's very next request is refused.
    response = sup.goto(f"{base}/recordings/{rid}")
    assert response is not None and response.status == 404
    expect(sup.locator(".alert.error")).to_have_text(NOT_FOUND)
    assert sup.request.get(f"{base}/api/v1/recordings/{rid}/media").status == 404
    sup.goto(f"{base}/recordings")
    expect(sup.locator(f'tr[data-id="{rid}"]')).to_have_count(0)


# ------------------------------------------- a change is in force for the very next request


def test_login_takes_effect_with_the_next_request(shared_db: str) -> None:
    """Thirty people (a code works once: one login each), each asking right after the
    second factor's answer."""
    misses, rounds = 0, 30
    people = [f"straks{n}@kommune.test" for n in range(rounds)]
    for email in people:
        make_user(email, Role.caseworker)
    for email in people:
        with httpx.Client(base_url=shared_db, timeout=30) as client:
            assert post_login(client, email).status_code == 303
            assert post_code(client, current_code(email)).status_code == 303
            misses += client.get("/api/v1/me").status_code != 200
    with session_scope() as session:  # the module's later pages list the base users only
        for user in session.exec(select(User).where(col(User.email).in_(people))):
            session.delete(user)
    assert misses == 0, f"{misses} of {rounds} requests right after a login were not logged in"


def test_withdrawn_share_takes_effect_with_the_next_request(
    shared_db: str, api: httpx.Client, media: MediaSet
) -> None:
    rid = upload_api(api, media.encoded(M4A), "Deles og trækkes tilbage", "SAG-RACE")
    rounds = 30
    supervisor = live_client(shared_db, "supervisor")
    try:
        still_seen = 0
        for _ in range(rounds):
            res = api.post(
                f"/api/v1/recordings/{rid}/shares", json={"user_id": user_id("supervisor")}
            )
            assert res.status_code == 201, res.text
            share_id = res.json()["id"]
            seen = supervisor.get(f"/api/v1/recordings/{rid}").status_code
            assert seen == 200, "the share was not in effect with the next request"
            assert api.delete(f"/api/v1/recordings/{rid}/shares/{share_id}").status_code == 204
            still_seen += supervisor.get(f"/api/v1/recordings/{rid}").status_code != 404
        assert still_seen == 0, f"{still_seen} of {rounds} withdrawals were not in effect at once"
    finally:
        supervisor.close()


# --------------------------------------------------------------------------- screenshots


def _no_sideways_scroll(page: Page, what: str) -> None:
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{what}: page scrolls sideways by {overflow}px"


@pytest.fixture(scope="module")
def showcase(shared_db: str, api: httpx.Client, media: MediaSet) -> str:
    """A ready recording shared with the supervisor, plus two more ready recordings, so
    that the leader's page has a month with enough recordings to show."""
    rid = ready_recording(api, media, title="Samtale om weekenden", case_reference="SAG-2026-114")
    for n in (1, 2):
        ready_recording(api, media, title=f"Samtale nr. {n}", case_reference=f"SAG-2026-12{n}")
    res = api.post(f"/api/v1/recordings/{rid}/shares", json={"user_id": user_id("supervisor")})
    assert res.status_code == 201, res.text
    return rid


@pytest.mark.parametrize("size", list(VIEWPORTS), ids=list(VIEWPORTS))
def test_screenshots_of_accounts_sharing_and_admin(
    tabs: Any, shared_db: str, showcase: str, size: str
) -> None:
    base = shared_db
    ARTIFACTS.mkdir(exist_ok=True)
    shots: list[Path] = []

    def shot(page: Page, name: str, full_page: bool = True) -> None:
        _no_sideways_scroll(page, name)
        path = ARTIFACTS / f"{name}-{size}.png"
        page.screenshot(path=str(path), full_page=full_page)
        shots.append(path)

    # The login page, after a wrong password.
    anon = tabs(size)
    page = anon.page
    page.goto(f"{base}/login")
    page.fill("#email", BASE_USERS["caseworker2"][0])
    page.fill("#password", "not the password")
    page.click("form[action='/login'] button[type=submit]")
    expect(page.locator("#login-error")).to_be_visible()
    expect(page.locator("#login-error")).to_have_text("Forkert e-mail eller adgangskode.")
    expect(page.locator("#email")).to_have_value(BASE_USERS["caseworker2"][0])
    shot(page, "login-error")

    # The owner's recording page, scrolled to the sharing, consent and deletion panel,
    # with keyboard focus on the share list's select.
    owner = tabs(size)
    page = owner.page
    log_in(page, base, "caseworker")
    open_player(page, base, showcase)
    panel = page.locator("#sharing")
    panel.scroll_into_view_if_needed()
    expect(panel.locator("ul.shares li")).to_have_count(1)
    page.focus("#sharing ul.shares button")
    page.keyboard.press("Tab")
    page.keyboard.press("Shift+Tab")
    focus = page.evaluate(
        """() => { const el = document.activeElement, cs = getComputedStyle(el);
                   return {tag: el.tagName, visible: el.matches(':focus-visible'),
                           outline: cs.outlineStyle, shadow: cs.boxShadow}; }"""
    )
    assert focus["tag"] == "BUTTON" and focus["visible"], focus
    assert focus["outline"] != "none" or focus["shadow"] != "none", focus
    page.evaluate("() => document.getElementById('sharing').scrollIntoView({block: 'start'})")
    shot(page, "recording-owner-sharing", full_page=False)
    shot(page, "recording-owner-full")
    owner.assert_clean()

    # The administrator: people, teams (one made here, with two members), the audit log.
    admin = tabs(size)
    page = admin.page
    log_in(page, base, "administrator")
    page.goto(f"{base}/admin/users")
    expect(page.locator("table.data tbody tr")).to_have_count(len(BASE_USERS))
    shot(page, "admin-users")

    team_name = f"Familieteam {size}"
    page.goto(f"{base}/admin/teams")
    page.fill("#team-name", team_name)
    page.get_by_role("button", name="Opret").click()
    page.wait_for_url(re.compile(r"/admin/teams$"))
    team = page.locator("section.team", has=page.get_by_role("heading", name=team_name, exact=True))
    expect(team).to_be_visible()
    for key in ("caseworker", "supervisor"):
        team.get_by_label(re.compile(re.escape(BASE_USERS[key][1]))).check()
    team.get_by_role("button", name="Gem").click()
    page.wait_for_url(re.compile(r"/admin/teams\?saved=\d+#team-\d+$"))
    team = page.locator("section.team", has=page.get_by_role("heading", name=team_name, exact=True))
    expect(team.locator("input[name=member]:checked")).to_have_count(2)
    expect(team.locator("#team-saved")).to_have_text("Gemt: teamet har 2 medlemmer.")
    shot(page, "admin-teams")

    page.goto(f"{base}/admin/audit")
    expect(page.locator("table.audit tbody tr").first).to_be_visible()
    shot(page, "admin-audit", full_page=False)  # the log is long: its first screen
    admin.assert_clean()

    # The leader's figures.
    leader = tabs(size)
    page = leader.page
    log_in(page, base, "leader")
    page.goto(f"{base}/leader")
    expect(page.locator("table.data tbody tr")).to_have_count(1)
    shot(page, "leader")
    leader.assert_clean()

    for path in shots:
        assert path.stat().st_size > 5_000, path


def test_a_used_link_tells_a_logged_out_person_what_happened_and_where_to_go(
    tabs: Any, shared_db: str
) -> None:
    """Not "something went wrong": the link does not work, and the way on is the login."""
    admin = live_client(shared_db, "administrator")
    person = {"email": "brugt@kommune.test", "name": "Brugt", "role": "caseworker"}
    made = admin.post("/admin/users", data=person)
    path = link_path(made.text)
    set_password(httpx.Client(base_url=shared_db), path, "a password of one's own")
    page = tabs().page
    page.goto(f"{shared_db}{path}")
    expect(page.locator("#error-heading")).to_have_text("Ikke fundet")
    expect(page.locator("main .alert")).to_contain_text("Linket virker ikke")
    page.click("#to-login")
    page.wait_for_url(lambda url: url.rstrip("/").endswith("/login"))
    expect(page.locator("#email")).to_be_visible()
    with session_scope() as session:  # the module's pages list the base users only
        for user in session.exec(select(User).where(User.email == "brugt@kommune.test")):
            session.delete(user)
