"""Conversation insight in Chromium (issue 23), used as a person uses it: the "Samtalen" tab
opened by mouse and keyboard, its shares and question marks, a mark's time seeking the
player, a question's type corrected with its select, a line's speaker with ⇄, two voices
swapped, feedback started from a mark, the page in English, and the same forms without
JavaScript. Screenshots of the tab (1366×768, 820×1180, a 390-px phone), of "Mine samtaler"
and of the leader's page go to /work/notes/shots/insight/.

The recordings come from tests/support/factories.py, analysed without the pipeline
(`analysed`): voice 1 the adult, voice 2 the child; the live server and this process share
the SQLite file (`shared_db`)."""

import re
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Locator, Page, expect
from sqlmodel import select

from app.accounts.models import Role
from app.core.db import session_scope
from app.insight.models import ConversationVoice, VoiceRole
from app.recordings.models import Recording
from tests.support.accounts import make_team, make_user, user_id
from tests.support.browser import (
    LOCALE,
    axe_page,
    axe_violations,
    load_player,
    log_in,
    show_transcript,
    tab_to,
)
from tests.support.factories import CONVERSATION_VOICES, analysed, lines_of, ready_recording
from tests.support.media import MediaSet

pytestmark = pytest.mark.browser

SHOTS = Path("/work/notes/shots/insight")
PLAYER = "document.getElementById('player')"
# The factory's conversation (60 s): the adult asks at 0:14, 0:31 and 0:49 and speaks
# 37.5 s; the child 8.5 s twice.
QUESTIONS = ["0:14", "0:31", "0:49"]
FIRST_QUESTION = 14.5
SIZES = {"laptop": (1366, 768), "tablet": (820, 1180), "phone": (390, 844)}


def shot(page: Page, name: str, full_page: bool = True) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=full_page)


@pytest.fixture
def rid(api: httpx.Client, media: MediaSet) -> str:
    """A ready recording of the caseworker's, analysed: two voices, three questions."""
    recording_id = ready_recording(api, media, seconds=60)
    analysed(recording_id)
    return recording_id


def open_insight(page: Page, base: str, rid: str, query: str = "") -> Locator:
    """The recording's page with the "Samtalen" tab clicked open; its panel."""
    page.goto(f"{base}/recordings/{rid}{query}")
    page.locator("#tab-insight").click()
    panel = page.locator("#insight-panel")
    expect(panel).to_be_visible()
    return panel


def roles_of(rid: str) -> dict[int, VoiceRole]:
    with session_scope() as session:
        voices = session.exec(
            select(ConversationVoice).where(ConversationVoice.recording_id == rid)
        ).all()
        return {v.number: v.current_role for v in voices}


def has_focus_ring(target: Locator) -> bool:
    return bool(
        target.evaluate(
            "el => el === document.activeElement && getComputedStyle(el).outlineStyle !== 'none'"
            " && parseFloat(getComputedStyle(el).outlineWidth) >= 2"
        )
    )


# The tab, by mouse and keyboard -----------------------------------------------------------


def test_the_tab_opens_by_click_and_keyboard_and_its_times_seek(
    rid: str, tab_for: Callable[..., Page], shared_db: str
) -> None:
    page = tab_for("caseworker")
    panel = open_insight(page, shared_db, rid)
    expect(page.locator("#tab-insight")).to_have_attribute("aria-selected", "true")
    expect(page.locator("#feedback-panel")).to_be_hidden()
    # The shares, said in words beside the bar, and the figures.
    legend = panel.locator(".legend li")
    expect(legend).to_have_text(["Voksen 62 %", "Barn 28 %", "Stilhed 9 %"])
    expect(panel.locator(".talk-shares")).to_have_attribute(
        "aria-label", "Voksen 62 %, barn 28 %, stilhed 9 %"
    )
    widths = panel.locator(".talk-shares .share").evaluate_all(
        "els => els.map(e => e.getBoundingClientRect().width)"
    )
    total = sum(widths)
    assert [round(100 * w / total) for w in widths] == [62, 28, 9]  # drawn, not just said
    expect(panel.locator("#insight-figures dd").first).to_have_text("5")
    marks = panel.locator(".question-mark")
    expect(marks.locator("button.seek")).to_have_text(QUESTIONS)
    expect(marks.nth(2).locator(".qtype")).to_have_text("Direkte spørgsmål")

    # A mark's time seeks the player there.
    load_player(page)
    marks.nth(1).locator("button.seek").click()
    page.wait_for_function(f"() => Math.abs({PLAYER}.currentTime - 31.5) < 0.3")
    # So does a question's mark on the band of who speaks (for the mouse; hidden to readers).
    panel.locator("#speaker-band .band-mark").nth(2).click()
    page.wait_for_function(f"() => Math.abs({PLAYER}.currentTime - 49.5) < 0.3")

    # By keyboard: from the feedback tab, arrows to "Samtalen", Tab into the panel, a time
    # by Enter; every stop shows its focus.
    page.reload()
    feedback_tab = page.locator("#tab-feedback")
    feedback_tab.focus()
    expect(page.locator("#feedback-panel")).to_be_visible()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    insight_tab = page.locator("#tab-insight")
    expect(insight_tab).to_be_focused()
    expect(panel).to_be_visible()
    assert has_focus_ring(insight_tab)
    load_player(page)
    first_time = marks.first.locator("button.seek")
    tab_to(page, first_time, 8, "the first question's time")
    page.keyboard.press("Enter")
    page.wait_for_function(f"() => Math.abs({PLAYER}.currentTime - {FIRST_QUESTION}) < 0.3")
    # On through the mark: its select, then its feedback link, each with a focus ring.
    for target in (marks.first.locator("select"), marks.first.locator("a.feedback-here")):
        page.keyboard.press("Tab")
        expect(target).to_be_focused()
        assert has_focus_ring(target), target
    shot(page, "recording-laptop-focus", full_page=False)
    # The voices' buttons and the swap are reached too.
    swap = panel.locator(".swap button")
    tab_to(page, swap, 20, "the swap button")
    assert has_focus_ring(swap)


def test_a_question_type_is_corrected_in_one_change(
    rid: str, tab_for: Callable[..., Page], shared_db: str
) -> None:
    page = tab_for("caseworker")
    panel = open_insight(page, shared_db, rid)
    line = lines_of(rid)[6]
    assert (line.question_type, line.question_type_by_person) == ("directive", None)
    mark = panel.locator(f"#mark-{line.id}")
    expect(mark.locator(".by-person")).to_have_count(0)
    select_box = mark.locator("select")
    select_box.focus()
    with page.expect_response(lambda r: r.url.endswith("/insight/panel")) as redrawn:
        select_box.select_option("invitation")  # as a mouse picks it: sent at once
    assert redrawn.value.status == 200
    # Drawn again: the label is the person's, marked so, and the select keeps the focus.
    expect(mark.locator(".qtype")).to_have_text("Invitation ✓")
    expect(mark.locator(".by-person")).to_have_attribute("title", "Sat af en person")
    expect(mark).to_have_class("question-mark type-invitation")
    expect(mark.locator("select")).to_be_focused()
    again = lines_of(rid)[6]
    assert (again.question_type, again.question_type_by_person) == ("directive", "invitation")
    # And after a reload, from the server.
    page.reload()
    page.locator("#tab-insight").click()
    expect(panel.locator(f"#mark-{line.id} .qtype")).to_have_text("Invitation ✓")
    expect(panel.locator(f"#mark-{line.id} select")).to_have_value("invitation")

    # By keys: each arrow changes the closed select, and only where it rests is sent.
    posts: list[str] = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    select_box.focus()
    with page.expect_response(lambda r: r.url.endswith("/insight/panel")):
        page.keyboard.press("ArrowDown")
        page.keyboard.press("ArrowDown")
    expect(mark.locator(".qtype")).to_have_text("Direkte spørgsmål ✓")  # two below invitation
    assert len(posts) == 1, posts
    assert lines_of(rid)[6].question_type_by_person == "directive"
    expect(mark.locator("select")).to_be_focused()


def test_a_lines_speaker_changes_in_one_click_and_the_shares_follow(
    rid: str, tab_for: Callable[..., Page], shared_db: str
) -> None:
    page = tab_for("caseworker")
    page.goto(f"{shared_db}/recordings/{rid}")
    show_transcript(page)
    line = lines_of(rid)[2]  # the adult's "Kan du fortælle mig …?", 7.5 s
    row = page.locator(f"#seg-{line.id}")
    badge = row.locator(".speaker")
    expect(badge).to_have_text("Voksen 1")
    expect(badge).to_have_class("speaker speaker-machine speaker-adult")
    swap = row.locator(".line-role button")
    box = swap.bounding_box()
    assert box is not None and box["width"] >= 24 and box["height"] >= 24  # WCAG 2.5.8
    expect(swap).to_have_accessible_name("⇄ Barnet siger linjen ved 0:14")
    with page.expect_response(lambda r: r.url.endswith("/insight/panel")):
        swap.click()
    expect(badge).to_have_text("Barn")
    expect(badge).to_have_class("speaker speaker-child")
    expect(swap).to_have_accessible_name("⇄ En voksen siger linjen ved 0:14")
    assert lines_of(rid)[2].speaker == "child"
    page.locator("#tab-insight").click()
    legend = page.locator("#insight-panel .legend li")
    expect(legend).to_have_text(["Voksen 50 %", "Barn 41 %", "Stilhed 9 %"])

    # Back by keyboard: the same button, now for an adult.
    show_transcript(page)
    swap.focus()
    page.keyboard.press("Shift+Tab")  # by the keyboard: its focus ring shows
    page.keyboard.press("Tab")
    expect(swap).to_be_focused()
    assert has_focus_ring(swap)
    with page.expect_response(lambda r: r.url.endswith("/insight/panel")):
        page.keyboard.press("Enter")
    expect(badge).to_have_text("Sagsbehandler")
    expect(swap).to_have_accessible_name("⇄ Barnet siger linjen ved 0:14")
    assert lines_of(rid)[2].speaker == "caseworker"
    page.locator("#tab-insight").click()
    expect(legend).to_have_text(["Voksen 62 %", "Barn 28 %", "Stilhed 9 %"])


def test_two_voices_are_swapped_and_a_voice_named(
    rid: str, tab_for: Callable[..., Page], shared_db: str
) -> None:
    page = tab_for("caseworker")
    panel = open_insight(page, shared_db, rid)
    voices = panel.locator(".voice .voice-name")
    expect(voices).to_have_text(["Voksen 1", "Barn 1"])
    swap = panel.get_by_role("button", name="Byt Voksen 1 og Barn 1")
    swap.focus()
    with page.expect_response(lambda r: r.url.endswith("/insight/panel")):
        page.keyboard.press("Enter")
    # Voice 1 is the child now, voice 2 the adult: the names follow, and the shares.
    expect(voices).to_have_text(["Barn 1", "Voksen 1"])
    # The panel is drawn anew; the focus stays on the swap, for the keyboard's next step.
    expect(panel.get_by_role("button", name="Byt Barn 1 og Voksen 1")).to_be_focused()
    expect(panel.locator(".legend li")).to_have_text(["Voksen 28 %", "Barn 62 %", "Stilhed 9 %"])
    assert roles_of(rid) == {1: VoiceRole.child, 2: VoiceRole.adult}
    expect(panel.locator(".voice").first).to_contain_text("sat af en person")

    # "Det er en voksen" on voice 1: both adults, nothing left to swap.
    with page.expect_response(lambda r: r.url.endswith("/insight/panel")):
        panel.get_by_role("button", name="Det er en voksen (Barn 1)").click()
    expect(voices).to_have_text(["Voksen 1", "Voksen 2"])
    expect(panel.locator(".swap")).to_have_count(0)
    assert roles_of(rid) == {1: VoiceRole.adult, 2: VoiceRole.adult}


def test_feedback_starts_from_a_mark_with_its_criterion(
    rid: str, api: httpx.Client, tab_for: Callable[..., Page], shared_db: str
) -> None:
    page = tab_for("caseworker")
    panel = open_insight(page, shared_db, rid)
    panel.locator(".question-mark").first.get_by_role("link", name="Giv feedback her").click()
    # The feedback tab with the form open at the mark, "Åbne spørgsmål" ticked.
    expect(page.locator("#tab-feedback")).to_have_attribute("aria-selected", "true")
    expect(page.locator("#new-feedback")).to_have_attribute("open", "")
    expect(page.locator("#fb-start")).to_have_value("0:14,5")
    expect(page.locator("#fb-criteria input:checked")).to_have_count(1)
    expect(page.locator("#fb-criteria label:has(input:checked)")).to_contain_text("Åbne spørgsmål")
    assert page.evaluate(f"{PLAYER}.currentTime") == pytest.approx(FIRST_QUESTION, abs=0.3)
    page.locator("#fb-text").fill("Et godt åbent spørgsmål, og du ventede på svaret.")
    page.locator("#fb-kind").get_by_label("Styrke").check()
    posted = page.expect_response(lambda r: r.request.method == "POST" and "/feedback" in r.url)
    with posted as sent:
        page.locator("#save-feedback").click()
    assert sent.value.status == 201, sent.value.text()
    expect(page.locator("#feedback-list")).to_contain_text("Et godt åbent spørgsmål")
    items = api.get(f"/api/v1/recordings/{rid}/feedback").json()
    items = items.get("items", items) if isinstance(items, dict) else items
    [item] = items
    assert item["start_seconds"] == pytest.approx(FIRST_QUESTION)
    assert item["kind"] == "strength"
    assert [c["name_da"] for c in item["criteria"]] == ["Åbne spørgsmål"]


def test_the_tab_in_english(rid: str, tab_for: Callable[..., Page], shared_db: str) -> None:
    page = tab_for("caseworker")
    panel = open_insight(page, shared_db, rid, "?lang=en")
    expect(page.locator("#tab-insight")).to_have_text("The conversation")
    expect(panel.locator("#insight-talk")).to_have_text("Talk time")
    expect(panel.locator(".legend li")).to_have_text(["Adult 62 %", "Child 28 %", "Silence 9 %"])
    expect(panel.locator(".question-mark .qtype").nth(2)).to_have_text("Directive question")
    expect(panel.get_by_role("link", name="Give feedback here")).to_have_count(3)
    expect(panel.get_by_role("button", name="Swap Adult 1 and Child 1")).to_be_visible()
    expect(panel.locator(".voice-name")).to_have_text(["Adult 1", "Child 1"])
    show_transcript(page)
    expect(page.locator("#transcript .speaker-machine").first).to_have_text("Adult 1")


# Without JavaScript ----------------------------------------------------------------------


def test_without_javascript_the_forms_post_and_the_link_opens_the_form(
    rid: str, browser: Browser, shared_db: str
) -> None:
    context = browser.new_context(
        viewport={"width": 1366, "height": 768}, locale=LOCALE, java_script_enabled=False
    )
    try:
        page = context.new_page()
        page.set_default_timeout(15_000)
        log_in(page, shared_db, "caseworker")
        page.goto(f"{shared_db}/recordings/{rid}")
        # No tabs: every panel shows, the conversation's too, with a Save for each select.
        expect(page.locator(".tabs")).to_be_hidden()
        panel = page.locator("#insight-panel")
        expect(panel).to_be_visible()
        line = lines_of(rid)[6]
        mark = panel.locator(f"#mark-{line.id}")
        mark.locator("select").select_option("option_posing")
        save = mark.get_by_role("button", name="Gem")
        expect(save).to_be_visible()
        with page.expect_navigation():
            save.click()
        assert page.url == f"{shared_db}/recordings/{rid}#mark-{line.id}"
        expect(mark.locator(".qtype")).to_have_text("Lukket spørgsmål (ja/nej, enten-eller) ✓")
        assert lines_of(rid)[6].question_type_by_person == "option_posing"

        # "Giv feedback her": the page again, the form open and filled in.
        first = panel.locator(".question-mark").first
        with page.expect_navigation():
            first.get_by_role("link", name="Giv feedback her").click()
        assert "at=14.5" in page.url and page.url.endswith("#new-feedback")
        expect(page.locator("#new-feedback")).to_have_attribute("open", "")
        expect(page.locator("#fb-start")).to_have_value("0:14")
        expect(page.locator("#fb-criteria label:has(input:checked)")).to_have_text(
            re.compile(r"Åbne spørgsmål")
        )
    finally:
        context.close()


# How it looks --------------------------------------------------------------------------


def test_screenshots_of_the_tab_and_no_serious_axe_violations(
    rid: str, tab_for: Callable[..., Page], browser: Browser, shared_db: str, axe_js: Path
) -> None:
    for name, size in SIZES.items():
        page = tab_for("caseworker", size)
        panel = open_insight(page, shared_db, rid)
        panel.scroll_into_view_if_needed()
        shot(page, f"recording-{name}")
        shot(page, f"recording-{name}-screen", full_page=False)
        # The pane scrolls on its own: its questions and its voices, and the transcript.
        panel.locator("#insight-questions").scroll_into_view_if_needed()
        shot(page, f"recording-{name}-questions", full_page=False)
        panel.locator(".swap").scroll_into_view_if_needed()
        shot(page, f"recording-{name}-voices", full_page=False)
        show_transcript(page)
        shot(page, f"recording-{name}-transcript", full_page=False)
        # Nothing in the pane is wider than the page.
        assert page.evaluate("document.documentElement.scrollWidth") <= size[0], name
    with axe_page(browser, shared_db, "caseworker") as page:
        open_insight(page, shared_db, rid)
        assert axe_violations(page, axe_js) == []
        show_transcript(page)
        assert axe_violations(page, axe_js) == []


def test_screenshots_of_my_conversations_and_the_leaders_page(
    api: httpx.Client, media: MediaSet, tab_for: Callable[..., Page], shared_db: str
) -> None:
    """Three analysed recordings of the caseworker's, the child given more room in each
    ("Mine samtaler" draws them), and one each of two more caseworkers in a team with
    theirs (the leader's team months need three caseworkers)."""
    for title, child_lines in (("Samtale om fritiden", 0), ("Samtale om vennerne", 1),
                               ("Samtale om familien", 2)):  # fmt: skip
        recording_id = ready_recording(api, media, seconds=60, title=title)
        voices = [2 if at < child_lines else v for at, v in enumerate(CONVERSATION_VOICES)]
        analysed(recording_id, voices)
    third = make_user("tredje@kommune.test", Role.caseworker)
    for owner in (user_id("caseworker2"), third):
        recording_id = ready_recording(api, media, seconds=60, title="Samtale om weekenden")
        analysed(recording_id)
        with session_scope() as session:
            recording = session.get(Recording, recording_id)
            assert recording is not None
            recording.owner_id = owner
            session.add(recording)
    make_team("Team Nord", [user_id("caseworker"), user_id("caseworker2"), third])

    mine = tab_for("caseworker")
    for name, (width, height) in SIZES.items():
        mine.set_viewport_size({"width": width, "height": height})
        mine.goto(f"{shared_db}/insight")
        expect(mine.locator("table.data")).to_contain_text("Samtale om familien")
        assert mine.locator("svg.practice-chart circle").count() >= 3
        shot(mine, f"mine-{name}")
        assert mine.evaluate("document.documentElement.scrollWidth") <= width, name
        # The chart's words stay readable: on a phone it scrolls sideways instead.
        axis = mine.locator("svg.practice-chart text.axis").first
        assert axis.evaluate("el => el.getBoundingClientRect().height") >= 11, name
    # A recording's link opens its page on the "Samtalen" tab.
    mine.get_by_role("link", name="Samtale om fritiden").click()
    expect(mine.locator("#tab-insight")).to_have_attribute("aria-selected", "true")
    expect(mine.locator("#insight-panel")).to_be_visible()

    # The chart's region scrolls by keyboard on a phone.
    mine.set_viewport_size({"width": 390, "height": 844})
    mine.go_back()
    tab_to(mine, mine.locator(".chart-scroll"), 20, "the chart")
    mine.keyboard.press("ArrowRight")
    mine.wait_for_function("() => document.querySelector('.chart-scroll').scrollLeft > 0")

    admin = tab_for("administrator")
    for name, (width, height) in SIZES.items():
        admin.set_viewport_size({"width": width, "height": height})
        admin.goto(f"{shared_db}/leader")
        expect(admin.locator("#team-months tbody tr")).to_have_count(1)
        expect(admin.locator("#team-months tbody td").first).to_have_text("Team Nord")
        shot(admin, f"leader-{name}")
