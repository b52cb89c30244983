"""A joint professional reflection (fælles faglig refleksion) in Chromium, in Danish and in
English: the caseworker plans one with the form (a case in words, no recording; a CPR
number refused), the round runs, the learning points are written and tagged with criteria,
the session closes; the leader sees the figures, groups under three hidden. Screenshots at
1366x768 and 390 px wide for a look.

Set-up as in test_session_browser.py: the live server and this process share SQLite."""

from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect

from app.core.timeutil import to_local, utcnow
from tests.support.accounts import make_team, user_id
from tests.support.browser import axe_page, axe_violations
from tests.support.sessions import closed_reflection, person

pytestmark = pytest.mark.browser

SHOTS = Path(__file__).resolve().parent.parent / "test-artifacts" / "reflection"
PHONE = (390, 844)
CASE = "En pige på 9 år fortæller gerne om skolen, men bliver stille, når vi taler om hjemmet."


def shot(page: Page, name: str, full: bool = False) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=full)


def _when() -> str:
    return (
        to_local(utcnow() + timedelta(days=1)).replace(hour=10, minute=0).strftime("%Y-%m-%dT%H:%M")
    )


def _plan(tab: Page, base: str, others: list[str], case: str, question: str) -> None:
    tab.goto(f"{base}/sessions/new")
    tab.check("input[name=kind][value=reflection]")
    expect(tab.locator("#media-field")).to_be_hidden()
    expect(tab.locator("#case-field")).to_be_visible()
    for key in others:
        tab.check(f"input[name=user_id][value='{user_id(key)}']")
    tab.fill("#starts_at", _when())
    tab.fill("#case_text", case)
    tab.fill("#question", question)


def _run_and_close(tab: Page, first: str, learning: str, criteria: int) -> None:
    """Start the round, step through the first participant's phases, write the learning
    points with criteria, close."""
    tab.click("#round-next")
    expect(tab.locator("#turn")).to_contain_text(first)
    for _ in range(2):
        tab.click("#round-next")
    expect(tab.locator("#turn .kind-question")).to_be_visible()
    tab.fill("#learning_points", learning)
    boxes = tab.locator("#learning-criteria input[type=checkbox]")
    for i in range(criteria):
        boxes.nth(i).check()
    tab.click("#save-summary")
    expect(tab.locator("#learning-tags .tag")).to_have_count(criteria)
    tab.once("dialog", lambda d: d.accept())
    with tab.expect_navigation():
        tab.click("#close-session")
    expect(tab.locator("#close-session")).to_have_count(0)


def test_a_reflection_in_danish(
    api: httpx.Client,
    tab_for,  # type: ignore[no-untyped-def]
    shared_db: str,
) -> None:
    cw = tab_for("caseworker")
    _plan(cw, shared_db, ["supervisor", "caseworker2"], f"{CASE} CPR 120314-2028", "Hvad nu?")
    expect(cw.locator("#case-privacy")).to_contain_text("uden navne og CPR-numre")
    shot(cw, "da-plan-form-1366", full=True)
    cw.click("#plan-submit")
    # Refused with its message, the case kept for correcting.
    expect(cw.locator("#plan-error")).to_contain_text("CPR-nummer")
    expect(cw.locator("#case_text")).to_have_attribute("aria-invalid", "true")
    expect(cw.locator("#case-field")).to_be_visible()
    shot(cw, "da-plan-cpr-refused-1366")
    cw.fill("#case_text", CASE)
    cw.click("#plan-submit")
    cw.wait_for_url(lambda url: "/sessions/" in url and not url.endswith("/new"))
    url = cw.url.split("#")[0].split("?")[0]
    expect(cw.locator("h1")).to_contain_text("fælles faglig refleksion")
    expect(cw.locator("#case-text")).to_have_text(CASE)
    assert cw.locator("#waiting").count() == 0 and cw.locator("video").count() == 0
    expect(cw.locator(".waiting-mark")).to_have_count(0)
    shot(cw, "da-session-planned-1366")

    sup = tab_for("supervisor", PHONE)
    sup.goto(url)
    expect(sup.locator("#case-text")).to_have_text(CASE)
    shot(sup, "da-session-supervisor-390", full=True)

    _run_and_close(cw, "Carl Sagsbehandler", "Jeg venter længere, før jeg spørger igen.", 2)
    cw.evaluate("document.getElementById('close').scrollIntoView()")
    shot(cw, "da-session-closed-1366")
    sup.reload()
    expect(sup.locator("#learning-points")).to_contain_text("Jeg venter længere")
    expect(sup.locator("#learning-tags .tag")).to_have_count(2)
    sup.evaluate("document.getElementById('close').scrollIntoView()")
    shot(sup, "da-session-closed-supervisor-390")

    # Someone not in it: as if it did not exist.
    other = tab_for("leader")
    response = other.goto(url)
    assert response is not None and response.status == 404


def test_a_reflection_in_english(
    api: httpx.Client,
    tab_for,  # type: ignore[no-untyped-def]
    shared_db: str,
) -> None:
    cw = tab_for("caseworker2", PHONE)
    cw.goto(f"{shared_db}/language/en?next=/sessions/new")
    try:
        _plan(cw, shared_db, ["supervisor", "caseworker"], CASE, "What next?")
        expect(cw.locator("label[for=case_text]")).to_have_text("The case (joint reflection)")
        expect(cw.locator("#plan-form")).to_contain_text("Joint professional reflection")
        shot(cw, "en-plan-form-390", full=True)
        cw.click("#plan-submit")
        cw.wait_for_url(lambda url: "/sessions/" in url and not url.endswith("/new"))
        expect(cw.locator("h1")).to_contain_text("joint professional reflection")
        expect(cw.locator("#case-step h3")).to_have_text("The case")
        shot(cw, "en-session-planned-390", full=True)
        _run_and_close(cw, "Sara Sagsbehandler", "I wait longer before asking again.", 1)
        expect(cw.locator("#learning-tags")).to_contain_text("About the criteria:")
        cw.set_viewport_size({"width": 1366, "height": 768})
        cw.evaluate("document.getElementById('close').scrollIntoView()")
        shot(cw, "en-session-closed-1366")
    finally:
        cw.goto(f"{shared_db}/language/da?next=/sessions")


def test_the_leader_sees_teams_of_three_never_of_two(
    api: httpx.Client,
    tab_for,  # type: ignore[no-untyped-def]
    shared_db: str,
) -> None:
    criteria = api.get("/api/v1/criteria").json()["criteria"]
    first = next(c for c in criteria if not c["retired"])
    three = [person(f"tre{i}@kommune.test") for i in range(3)]
    two = [person(f"to{i}@kommune.test") for i in range(2)]
    make_team("Team Tre", three)
    make_team("Team To", two)
    for who in three + two:
        closed_reflection(who, criteria=[first["id"]])
    leader = tab_for("leader")
    leader.goto(f"{shared_db}/leader")
    for table in ("#sessions-held", "#sparring-quarter", "#learning-themes"):
        expect(leader.locator(table)).to_contain_text("Team Tre")
        expect(leader.locator(table)).not_to_contain_text("Team To")
    expect(leader.locator("#learning-themes")).to_contain_text(first["name_da"])
    leader.evaluate("document.getElementById('sessions-heading').scrollIntoView()")
    shot(leader, "da-leader-figures-1366")
    small = tab_for("leader", PHONE)
    small.goto(f"{shared_db}/language/en?next=/leader")
    try:
        expect(small.locator("#learning-themes")).to_contain_text(first["name_en"])
        expect(small.locator("#sparring-quarter")).to_contain_text("100 %")
        small.evaluate("document.getElementById('sessions-heading').scrollIntoView()")
        shot(small, "en-leader-figures-390")
    finally:
        small.goto(f"{shared_db}/language/da?next=/leader")


@pytest.mark.parametrize("lang", ["da", "en"])
def test_no_serious_axe_violations_on_a_reflection(
    api: httpx.Client,
    browser,  # type: ignore[no-untyped-def]
    axe_js: Path,
    shared_db: str,
    lang: str,
) -> None:
    """The plan form with a reflection chosen (and a refusal shown), the reflection's page
    for its presenter and a participant, and the leader's figures."""
    planned = api.post(
        "/api/v1/sessions",
        json={
            "kind": "reflection",
            "user_ids": [user_id("supervisor")],
            "starts_at": (utcnow() + timedelta(days=1)).isoformat(),
            "case_text": CASE,
        },
    )
    assert planned.status_code == 201, planned.text
    found: list[str] = []
    with axe_page(browser, shared_db, "caseworker") as page:
        page.goto(f"{shared_db}/sessions/new?lang={lang}")
        page.check("input[name=kind][value=reflection]")
        found += axe_violations(page, axe_js)
        page.fill("#starts_at", _when())
        page.check(f"input[name=user_id][value='{user_id('supervisor')}']")
        page.fill("#case_text", "120314-2028")
        page.click("#plan-submit")
        expect(page.locator("#plan-error")).to_be_visible()
        found += axe_violations(page, axe_js)
        page.goto(f"{shared_db}/sessions/{planned.json()['id']}?lang={lang}")
        found += axe_violations(page, axe_js)
    with axe_page(browser, shared_db, "supervisor") as page:
        page.goto(f"{shared_db}/sessions/{planned.json()['id']}?lang={lang}")
        found += axe_violations(page, axe_js)
    with axe_page(browser, shared_db, "leader") as page:
        page.goto(f"{shared_db}/leader?lang={lang}")
        found += axe_violations(page, axe_js)
    assert found == []
