"""The self-assessment in Chromium (issue 25): a caseworker finds the notice on their list
and answers in Danish (by keyboard and mouse, on a laptop and on a phone), an administrator
schedules a round in English (a refusal too), and the leader sees the municipality's curve
drawn from four seeded quarters (62 % -> 92 %). Screenshots at 1366×768 and 390×844 go to
test-artifacts/self-assessment/."""

from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.support import ROOT
from tests.support.accounts import user_id
from tests.support.browser import axe_page, axe_violations
from tests.support.selfassessment import (
    answer,
    caseworkers,
    open_today,
    schedule,
    statement_count,
    team,
)

pytestmark = pytest.mark.browser

SHOTS = ROOT / "test-artifacts" / "self-assessment"
PHONE = (390, 844)
FOCUSED = "el => el === document.activeElement && getComputedStyle(el).outlineStyle !== 'none'"


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def no_sideways_scroll(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], width  # type: ignore[index]


def test_a_caseworker_answers_in_danish(
    tab_for: Callable[..., Page], shared_db: str, browser: Browser, axe_js: Path
) -> None:
    round_id = open_today("Efterår 2026")
    team("Team Nord", [user_id("caseworker"), user_id("caseworker2")])
    count = statement_count(round_id)
    page = tab_for("caseworker")
    page.goto(f"{shared_db}/recordings")
    notice = page.locator("#self-assessment-notice")
    expect(notice).to_contain_text("Selvevalueringen Efterår 2026 er åben til og med")
    notice.get_by_role("link", name="Besvar den (anonymt)").click()
    page.wait_for_url(f"{shared_db}/self-assessment")
    expect(page.locator("h1")).to_have_text("Selvevaluering")
    first = page.locator("#statement-0")
    expect(first.locator("legend")).to_have_text(
        "1. Jeg ved, hvordan jeg sikrer god børneinddragelse i mine sager"
    )
    expect(first.locator("label")).to_have_text(
        ["Helt uenig", "Uenig", "Hverken enig eller uenig", "Enig", "Helt enig"]
    )
    shot(page, "answer-da-laptop")
    # By keyboard: the first statement's first answer, then the arrow keys to "Enig".
    first.locator("input[value='1']").focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    expect(first.locator("input[value='4']")).to_be_checked()
    assert first.locator("input[value='4']").evaluate(FOCUSED)
    # Sending with some missing: the browser's own check, in Danish, stops it.
    page.get_by_role("button", name="Send mine svar").click()
    expect(page).to_have_url(f"{shared_db}/self-assessment")
    message = page.locator("#statement-1 input").first.evaluate("e => e.validationMessage")
    assert message == "Vælg en af mulighederne."
    for i in range(1, count):
        page.locator(f"#statement-{i}").get_by_label("Helt enig").check()
    page.get_by_role("button", name="Send mine svar").click()
    expect(page.locator("#answered")).to_have_text("Tak. Dine svar er talt med uden dit navn.")
    shot(page, "answered-da-laptop")
    page.goto(f"{shared_db}/recordings")
    expect(page.locator("#self-assessment-notice")).to_have_count(0)

    # A colleague on a phone: the answers stack, nothing scrolls sideways.
    phone = tab_for("caseworker2", PHONE)
    phone.goto(f"{shared_db}/self-assessment")
    no_sideways_scroll(phone)
    boxes = phone.locator("#statement-0 label").evaluate_all(
        "els => els.map(e => e.getBoundingClientRect().top)"
    )
    assert boxes == sorted(boxes) and len(set(boxes)) == 5  # one under the other
    shot(phone, "answer-da-phone")
    with axe_page(browser, shared_db, "caseworker2") as checked:
        checked.goto(f"{shared_db}/self-assessment")
        assert axe_violations(checked, axe_js) == []


def test_an_administrator_schedules_in_english(
    tab_for: Callable[..., Page], shared_db: str, browser: Browser, axe_js: Path
) -> None:
    page = tab_for("administrator")
    page.goto(f"{shared_db}/language/en?next=/admin/self-assessment")
    page.get_by_role("link", name="Self-assessment").click()
    expect(page.locator("h1")).to_have_text("Self-assessment")
    page.locator("#schedule-form summary").click()
    expect(page.locator("#statements-now li").first).to_have_text(
        "I know how to ensure good child participation in my cases"
    )
    form = page.locator("#schedule-form")
    form.get_by_label("Name").fill("2027, 1st quarter")
    form.get_by_label("Opens").fill("2027-01-01")
    form.get_by_label("Closes (the last day to answer)").fill("2027-03-31")
    form.get_by_role("button", name="Schedule", exact=True).click()
    expect(page.locator("#scheduled")).to_have_text("The round is scheduled.")
    expect(page.locator("#rounds tbody tr").last).to_contain_text("2027, 1st quarter")
    shot(page, "schedule-en-laptop")
    # An overlapping round is refused, with what was typed kept.
    form.get_by_label("Name").fill("Overlapping")
    form.get_by_label("Opens").fill("2027-03-01")
    form.get_by_label("Closes (the last day to answer)").fill("2027-04-30")
    form.get_by_role("button", name="Schedule", exact=True).click()
    expect(page.locator("#schedule-error")).to_have_text(
        "The round overlaps 2027, 1st quarter: only one round can be open at a time."
    )
    expect(form.get_by_label("Name")).to_have_value("Overlapping")
    shot(page, "schedule-refused-en-laptop")
    # The round's days put right from its own form, by keyboard; then deleted (nobody answered).
    change = page.locator("details.sa-change", has_text="Change 2027, 1st quarter")
    change.locator("summary").focus()
    page.keyboard.press("Enter")
    change.get_by_label("Closes (the last day to answer)").fill("2027-02-28")
    change.get_by_role("button", name="Save the changes").click()
    expect(page.locator("#changed")).to_have_text("The round is changed.")
    expect(page.locator("#rounds tbody tr", has_text="2027, 1st quarter")).to_contain_text("28")
    page.once("dialog", lambda dialog: dialog.accept())
    change.locator("summary").click()
    change.get_by_role("button", name="Delete the round").click()
    expect(page.locator("#deleted")).to_have_text("The round is deleted.")
    expect(page.locator("#rounds tbody tr", has_text="2027, 1st quarter")).to_have_count(0)
    phone = tab_for("administrator", PHONE)
    phone.goto(f"{shared_db}/admin/self-assessment?lang=en")
    no_sideways_scroll(phone)
    shot(phone, "schedule-en-phone")
    with axe_page(browser, shared_db, "administrator") as checked:
        checked.goto(f"{shared_db}/admin/self-assessment")
        assert axe_violations(checked, axe_js) == []


def test_the_leader_sees_the_curve(
    tab_for: Callable[..., Page], shared_db: str, browser: Browser, axe_js: Path
) -> None:
    people = caseworkers("kurve", 50)
    team("Børn og unge", people[:30])
    team("Familie", people[30:32])  # two: never shown
    agreeing = {"2026 K1": 31, "2026 K2": 36, "2026 K3": 42, "2026 K4": 46}
    for quarter, (label, agree) in enumerate(agreeing.items()):
        opens = date(2025, 3 * quarter + 1, 1)
        round_id = schedule(label, opens, opens + timedelta(days=60))
        count = statement_count(round_id)
        for i, person in enumerate(people):
            vive = 5 if i % 50 < agree // 2 else 4 if i < agree else 2
            answer(person, round_id, [vive] + [4 if i % 3 else 2] * (count - 1), opens)
    page = tab_for("leader")
    page.goto(f"{shared_db}/leader")
    section = page.locator(".self-assessment-results")
    section.scroll_into_view_if_needed()
    expect(page.locator("#sa-chart circle")).to_have_count(4)
    expect(page.locator("#sa-chart text.value")).to_have_text(["62 %", "72 %", "84 %", "92 %"])
    expect(page.locator("#sa-line-table tbody tr")).to_have_text(
        [f"{label}{pct} %50" for label, pct in zip(agreeing, (62, 72, 84, 92), strict=True)]
    )
    expect(page.locator("#sa-teams tbody th")).to_have_text(["Børn og unge"])
    chart = page.locator("#sa-chart svg").bounding_box()
    table = page.locator("#sa-line-table").bounding_box()
    assert chart and table and table["x"] > chart["x"] + chart["width"] - 1  # beside it
    page.locator("#sa-heading").scroll_into_view_if_needed()
    shot(page, "curve-da-laptop")
    phone = tab_for("leader", PHONE)
    phone.goto(f"{shared_db}/leader?lang=en")
    expect(phone.locator("#sa-heading")).to_have_text("The caseworkers' own sense of competence")
    no_sideways_scroll(phone)
    shot(phone, "curve-en-phone")
    with axe_page(browser, shared_db, "leader") as checked:
        checked.goto(f"{shared_db}/leader")
        assert axe_violations(checked, axe_js) == []
