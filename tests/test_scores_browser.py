"""Issue 25's scores in a real browser: the administrator gives a criterion a scale; the
caseworker scores themself with the keyboard alone (Danish, on a tablet and a phone); the
supervisor scores in English and sees the self-score beside theirs; the calibration page,
the caseworker's own charts and the leader's figures, with screenshots for people to look
at (test-artifacts/scores/). Nothing runs wider than the window."""

from collections.abc import Callable
from datetime import UTC, datetime

import httpx
import pytest
from playwright.sync_api import Page, expect

from app.accounts.models import Role
from app.core.db import session_scope
from app.criteria.models import RubricSettings
from tests.support.accounts import make_user, user_id
from tests.support.browser import ARTIFACTS, tab_to
from tests.support.factories import ready_recording
from tests.support.media import MediaSet
from tests.support.scores import bare_recording, scale_criteria, score, share_with

pytestmark = pytest.mark.browser

SHOTS = ARTIFACTS / "scores"
PHONE, TABLET, LAPTOP = (390, 844), (820, 1180), (1366, 768)


def fits(page: Page) -> bool:
    return bool(page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth"))


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_the_administrator_gives_a_criterion_a_scale(
    tab_for: Callable[..., Page], shared_db: str
) -> None:
    page = tab_for("administrator")
    page.goto(f"{shared_db}/admin/criteria")
    first = page.locator("li.criterion").first
    first.locator("summary").click()
    first.locator("textarea[name=levels_da]").fill("Ikke endnu\nPå vej\nSikker\nForbilledlig")
    first.locator("textarea[name=levels_en]").fill("Not yet\nOn the way\nConfident")
    first.get_by_role("button", name="Gem").click()
    expect(page.locator("#criteria-error")).to_contain_text("lige mange niveauer")
    expect(first.locator("textarea[name=levels_da]")).to_have_value(
        "Ikke endnu\nPå vej\nSikker\nForbilledlig"
    )  # what was typed is kept
    first.locator("textarea[name=levels_en]").fill("Not yet\nOn the way\nConfident\nExemplary")
    first.get_by_role("button", name="Gem").click()
    expect(page.locator(".alert.success")).to_be_visible()
    expect(page.locator("li.criterion").first.locator(".scale-levels li")).to_have_count(4)
    expect(page.locator("li.criterion").first.locator(".tag").first).to_contain_text("2")
    shot(page, "criteria-scale-da")


@pytest.mark.parametrize("size", [TABLET, PHONE], ids=["tablet", "phone"])
def test_the_caseworker_scores_themself_with_the_keyboard(
    size: tuple[int, int], tab_for: Callable[..., Page], shared_db: str
) -> None:
    first, second = scale_criteria(2)
    rid = bare_recording(user_id("caseworker"), title="Samtale med Mads")
    page = tab_for("caseworker", size)
    page.goto(f"{shared_db}/recordings/{rid}/scores")
    expect(page.locator("h1")).to_contain_text("Scorer på kriterierne")
    # Tab to the first criterion's levels ("Not scored" is chosen); the arrow keys move on.
    level = page.locator(f'input[name="level-{first}"][value=""]')
    tab_to(page, level, 30, "the first criterion's levels")
    for _ in range(3):
        page.keyboard.press("ArrowDown")
    expect(page.locator(f'input[name="level-{first}"][value="3"]')).to_be_checked()
    page.locator(f'#criterion-{second} label.level:has-text("På vej")').click()
    assert fits(page), f"the scores page is wider than the window at {size}"
    shot(page, f"self-score-da-{size[0]}")
    publish = page.get_by_role("button", name="Offentliggør mine scorer")
    tab_to(page, publish, 40, "the publish button")
    page.keyboard.press("Enter")
    expect(page.locator("#scores-done")).to_contain_text("offentliggjort")
    expect(page.locator(f'input[name="level-{first}"][value="3"]')).to_be_checked()
    expect(page.locator(f'input[name="level-{first}"][value="3"]')).to_be_disabled()


def test_the_supervisor_scores_in_english_beside_the_self_score(
    tab_for: Callable[..., Page], shared_db: str
) -> None:
    first, second = scale_criteria(2)
    owner_id, supervisor_id = user_id("caseworker"), user_id("supervisor")
    rid = bare_recording(owner_id, title="Samtale med Mads")
    share_with(rid, owner_id, supervisor_id)
    score(rid, owner_id, {first: 2, second: 3})
    page = tab_for("supervisor")
    page.context.add_cookies([{"name": "lang", "value": "en", "url": shared_db}])
    page.goto(f"{shared_db}/recordings/{rid}/scores")
    compared = page.locator("#compared")
    expect(compared).to_contain_text("The caseworker's self-score")
    page.locator(f'#criterion-{first} label.level:has-text("Confident")').click()
    page.locator(f'#criterion-{second} label.level:has-text("Exemplary")').click()
    page.get_by_role("button", name="Publish my scores").click()
    expect(page.locator("#scores-done")).to_contain_text("Your scores are published.")
    cells = page.locator("#compared tbody tr").first.locator("td")
    expect(cells).to_have_text(["3", "2"])
    assert fits(page)
    shot(page, "supervisor-en")


def test_calibration_own_charts_and_the_leaders_figures(
    tab_for: Callable[..., Page], shared_db: str
) -> None:
    first, second = scale_criteria(2)
    owner_id, supervisor_id = user_id("caseworker"), user_id("supervisor")
    other_id = make_user("signe@kommune.test", Role.supervisor)
    mine = [(1, 2), (2, 2), (3, 3), (2, 4), (4, 3)]
    theirs = [(1, 2), (3, 2), (3, 3), (4, 4), (4, 4)]
    for i, (a, b) in enumerate(zip(mine, theirs, strict=True)):
        rid = bare_recording(
            owner_id, title=f"Samtale {i + 1}", created_at=datetime(2026, i + 2, 3, tzinfo=UTC)
        )
        share_with(rid, owner_id, supervisor_id, other_id)
        score(rid, supervisor_id, {first: a[0], second: a[1]})
        score(rid, other_id, {first: b[0], second: b[1]})
        score(rid, owner_id, {first: max(1, a[0] - 1), second: a[1]})

    supervisor = tab_for("supervisor")
    supervisor.goto(f"{shared_db}/calibration?lang=en&since=2026-01-01")
    section = supervisor.locator("section.calibration")
    expect(section).to_contain_text("5 recordings scored by you both")
    expect(section.locator(".kappa")).to_have_count(2)
    expect(section.locator(".differences li").first).to_contain_text("you 2, signe 4")
    assert fits(supervisor)
    shot(supervisor, "calibration-en")

    for size in (LAPTOP, PHONE):
        own = tab_for("caseworker", size)
        own.goto(f"{shared_db}/insight")
        trend = own.locator(f"#trend-{first}")
        # The module's earlier tests scored recordings of the caseworker's too.
        for i, (a, b) in enumerate(zip(mine, theirs, strict=True), start=1):
            row = trend.locator("tbody tr", has_text=f"Samtale {i} ")
            both = f"{(a[0] + b[0]) / 2:.1f}".replace(".", ",")  # the two supervisors' mean
            expect(row.locator("td.num").first).to_have_text(both)
        assert trend.locator("circle.dot-supervisors").count() >= 5
        expect(trend.get_by_role("img")).to_have_accessible_name(
            "Kontakt og tryghed Scorer fra 1 til 4 over dine optagelser; "
            "tallene står i tabellen under diagrammet."
        )
        assert fits(own), f"my conversations is wider than the window at {size}"
        own.locator("#scores-heading").scroll_into_view_if_needed()
        shot(own, f"own-scores-da-{size[0]}")

    leader = tab_for("leader")
    leader.goto(f"{shared_db}/leader?lang=en")
    expect(leader.locator("#scores-heading")).to_be_visible()
    expect(leader.locator("#leader-csv")).to_be_visible()
    shot(leader, "leader-en")


def test_the_recording_page_says_the_feedback_waits_for_a_reflection(
    tab_for: Callable[..., Page], shared_db: str, api: httpx.Client, media: MediaSet
) -> None:
    (first,) = scale_criteria(1)
    rid = ready_recording(api, media, title="Samtale der venter")
    share_with(rid, user_id("caseworker"), user_id("supervisor"))
    with session_scope() as session:
        settings_row = session.get(RubricSettings, 1) or RubricSettings(id=1)
        settings_row.reflection_required = True
        session.add(settings_row)
    score(rid, user_id("supervisor"), {first: 3})
    page = tab_for("caseworker", TABLET)
    page.goto(f"{shared_db}/recordings/{rid}")
    notice = page.locator("#reflect-first")
    expect(notice).to_contain_text("Skriv først din egen refleksion")
    notice.get_by_role("link", name="Scor dig selv på kriterierne").click()
    expect(page.locator("#reflect-first")).to_contain_text("egen refleksion")
    page.goto(f"{shared_db}/recordings/{rid}")
    expect(page.locator("#scores-link")).to_have_attribute("href", f"/recordings/{rid}/scores")
    assert fits(page)
    shot(page, "reflect-first-da-820")
    with session_scope() as session:
        row = session.get(RubricSettings, 1)
        assert row is not None
        row.reflection_required = False
        session.add(row)
