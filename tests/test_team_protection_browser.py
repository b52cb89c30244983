"""Issue 24 in a real browser: the caseworker watches the clip as the team will see it,
shows a hidden word and approves the blurred clip with the keyboard alone; the team member's
clip page says what is hidden and offers no download. At 1366x768, 820x1180, 1180x820 and
390 px wide, nothing runs wider than the window; screenshots for people to look at
(test-artifacts/protection/). How the app is served here: tests/test_pages_browser.py."""

from collections.abc import Callable

import httpx
import pytest
from playwright.sync_api import Page, expect

from app.clips.models import Clip
from app.core.db import session_scope
from tests.support.accounts import make_team, user_id
from tests.support.browser import ARTIFACTS, tab_to
from tests.support.clips import cut_clips
from tests.support.factories import CONVERSATION, make_ready
from tests.support.media import MediaSet
from tests.support.protection import approve_protected
from tests.support.recordings import upload

pytestmark = pytest.mark.browser

SHOTS = ARTIFACTS / "protection"
SIZES = {
    "laptop": (1366, 768),
    "tablet": (820, 1180),
    "landscape": (1180, 820),
    "phone": (390, 844),
}


def fits(page: Page) -> bool:
    return bool(page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth"))


@pytest.fixture
def clip(api: httpx.Client, media: MediaSet) -> int:
    """A cut clip of the caseworker's ready recording (0:00-0:30, "Mette" and the school),
    its blurred variant made but not yet approved, the father named on the recording."""
    sent = upload(api, media.conversation(60), title="Skolesamtale", language="da")
    assert sent.status_code == 201, sent.text
    rid = str(sent.json()["id"])
    make_ready(rid, [line for line in CONVERSATION if line.end <= 60])
    made = api.post(
        f"/api/v1/recordings/{rid}/clips",
        json={"title": "Åbningen", "start_seconds": 0.0, "end_seconds": 30.0},
    )
    assert made.status_code == 201, made.text
    clip_id = int(made.json()["id"])
    assert cut_clips() == ["succeeded"]
    approve_protected(clip_id)
    with session_scope() as session:  # made, not yet approved: the caseworker watches it
        row = session.get(Clip, clip_id)
        assert row is not None
        row.protected_approved_at = None
        session.add(row)
    return clip_id


@pytest.mark.parametrize("size", SIZES)
def test_the_caseworker_reviews_and_approves_with_the_keyboard(
    size: str, clip: int, tab_for: Callable[..., Page], shared_db: str
) -> None:
    page = tab_for("caseworker", SIZES[size])
    page.goto(f"{shared_db}/clips/{clip}/protection")
    expect(page.locator("h1")).to_contain_text("Sådan ser teamet det")
    player = page.locator("#protected-player")
    expect(player).to_be_visible()
    expect(player).to_have_attribute("controlslist", "nodownload")
    marks = page.locator("#redaction-lines mark.redacted")
    expect(marks.first).to_be_visible()
    expect(page.locator("#found-list")).to_contain_text("Mette")
    assert fits(page), f"the review is wider than the window at {size}"
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"review-{size}.png"), full_page=True)

    # "Mette" is the caseworker: shown to the team after all, with the keyboard.
    show = page.get_by_role("button", name="Vis »Mette« for teamet")
    show.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/clips/{clip}/protection#redactions")
    expect(page.locator("#undone-list")).to_contain_text("Mette")
    expect(page.locator("#redaction-lines mark", has_text="Mette")).to_have_count(0)
    # The sound changed: a new blurred clip is made before it can be approved.
    expect(page.locator("#approve")).to_have_count(0)
    page.get_by_role("button", name="Skjul »Mette« igen").click()
    page.wait_for_url(f"**/clips/{clip}/protection#redactions")
    expect(page.locator("#found-list")).to_contain_text("Mette")


def test_approving_and_what_the_team_member_sees(
    clip: int, tab_for: Callable[..., Page], shared_db: str, api: httpx.Client
) -> None:
    page = tab_for("caseworker", SIZES["laptop"])
    page.goto(f"{shared_db}/clips/{clip}/protection")
    approve = page.locator("#approve")
    page.locator("#preview-heading").click()
    tab_to(page, approve, 15, "the approve button")
    outline = approve.evaluate("el => getComputedStyle(el).outlineStyle")
    assert outline != "none", "the focused button shows no focus ring"
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/recordings/**#clip-{clip}")
    expect(page.locator(f"#clip-protection-{clip}")).to_contain_text("sløret klip godkendt")
    page.locator(f"#clip-{clip}").screenshot(path=str(SHOTS / "clip-approved.png"))

    team = make_team(f"Team {clip}", [user_id("supervisor")])
    assert api.post(f"/api/v1/clips/{clip}/shares", json={"team_id": team}).status_code == 201
    for size in ("laptop", "phone"):
        member = tab_for("supervisor", SIZES[size])
        member.goto(f"{shared_db}/clips/{clip}")
        expect(member.locator("#clip-protected")).to_be_visible()
        video = member.locator("video#player")
        expect(video).to_have_attribute("controlslist", "nodownload")
        expect(member.locator("body")).not_to_contain_text("Mette")
        expect(member.locator("#transcript-panel")).to_contain_text("[navn]")
        assert fits(member), f"the clip page is wider than the window at {size}"
        member.screenshot(path=str(SHOTS / f"team-member-{size}.png"), full_page=True)
