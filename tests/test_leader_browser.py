"""The leader's whole page in a real browser, every area seeded at once (issue 25): a team of
three caseworkers shows in each section and in the CSV, a team of two in none; never a
recording's title, a case reference, a child's word or a person's name. Danish at 1366x768
and 390 px, English at 820x1180; screenshots in test-artifacts/leader/."""

import csv
import io
from collections.abc import Callable
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from app.core.timeutil import local_today, utcnow
from tests.support.accounts import user_id
from tests.support.browser import ARTIFACTS
from tests.support.childvoice import rated
from tests.support.scores import bare_recording, scale_criteria, score, share_with
from tests.support.selfassessment import answer, caseworkers, schedule, statement_count, team
from tests.support.sessions import closed_reflection

pytestmark = pytest.mark.browser

SHOTS = ARTIFACTS / "leader"
SECTIONS = ("#sessions-held", "#sparring-quarter", "#learning-themes", "#team-scores")


@pytest.fixture(scope="module")
def seeded(shared_db: str) -> dict[str, list[int]]:
    """Nord: three caseworkers with everything; Lille: two with everything (hidden)."""
    (criterion,) = scale_criteria(1)
    supervisor = user_id("supervisor")
    teams = {"Børneteam Nord": caseworkers("nord", 3), "Lille team": caseworkers("lille", 2)}
    opens = local_today() - timedelta(days=40)
    round_id = schedule("Runde i efteråret", opens, opens + timedelta(days=20))
    count = statement_count(round_id)
    for name, people in teams.items():
        team(name, people)
        for i, person in enumerate(people):
            rid = bare_recording(person, title=f"Hemmelig samtale {name} {i}")
            share_with(rid, person, supervisor)
            score(rid, supervisor, {criterion: 2 + i % 3})
            score(rid, person, {criterion: 1 + i % 3})
            rated(person, utcnow(), talk=4, heard=5)
            closed_reflection(person, criteria=[criterion])
            answer(person, round_id, [5] + [3] * (count - 1), on=opens + timedelta(days=1))
    return teams


def test_the_leader_sees_each_area_for_three_and_nothing_for_two(
    seeded: dict[str, list[int]], tab_for: Callable[..., Page], shared_db: str
) -> None:
    for lang, size in (("da", (1366, 768)), ("da", (390, 844)), ("en", (820, 1180))):
        page = tab_for("leader", size)
        page.goto(f"{shared_db}/leader?lang={lang}")
        for section in (*SECTIONS, "#child-ratings"):
            table = page.locator(section)
            expect(table).to_contain_text("Børneteam Nord")
            expect(table).not_to_contain_text("Lille team")
        main = page.locator("main")
        expect(main).not_to_contain_text("Hemmelig samtale")
        expect(main).not_to_contain_text("SAG-")
        expect(main).not_to_contain_text("nord 0")
        expect(page.locator("#leader-csv")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"leader-{lang}-{size[0]}.png"), full_page=True)

    leader = tab_for("leader")
    answer_csv = leader.request.get(f"{shared_db}/leader/figures.csv")
    assert answer_csv.ok and answer_csv.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(answer_csv.text())))
    areas = {r["area"] for r in rows if r["team"] == "Børneteam Nord"}
    assert areas == {"scores", "self_assessment", "child_voice", "sessions"}
    assert not [r for r in rows if r["team"] == "Lille team"]
    assert all(int(r["group_size"]) >= 3 for r in rows)
    assert "Hemmelig" not in answer_csv.text() and "nord 0" not in answer_csv.text()
