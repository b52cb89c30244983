"""Clips in Chromium: the caseworker marks a clip while watching ("Start clip here", "End
clip here" read the player's time) or by dragging along the timeline, the list follows the
cutting job without a reload, and the person it is shared with watches the clip's own file.

The live server and this process share the SQLite file and the data folder (`shared_db`):
the clip job runs here, as a worker would."""

from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.support.accounts import live_client, make_team, user_id
from tests.support.browser import load_player, show_transcript
from tests.support.clips import cut_clips
from tests.support.factories import CONVERSATION, Line, Word, ready_recording
from tests.support.media import MediaSet
from tests.support.protection import approve_protected
from tests.support.sessions import later

pytestmark = pytest.mark.browser

SHOTS = Path("/work/notes/shots/clips")
WINDOW = (1366, 900)  # the window these pages are looked at in
LINES = (
    *CONVERSATION[:1],
    Line(6.5, 14.0, "I dag skal vi tale om skolen.", words=(
        Word(6.5, 7.0, "I"), Word(7.0, 7.5, "dag"), Word(7.5, 8.0, "skal"), Word(8.0, 8.5, "vi"),
        Word(8.5, 9.5, "tale"), Word(9.5, 10.0, "om"), Word(10.0, 14.0, "skolen."),
    )),
    *CONVERSATION[2:],
)  # fmt: skip


def seek_paused(page: Page, seconds: float) -> None:
    load_player(page)  # nothing is loaded before play (preload="none")
    page.evaluate(
        "t => new Promise(done => { const p = document.getElementById('player'); p.pause();"
        " p.addEventListener('seeked', done, {once: true}); p.currentTime = t; })",
        seconds,
    )


def test_mark_cut_share_and_watch_a_clip(
    shared_db: str, api: httpx.Client, media: MediaSet, tab_for: Callable[..., Page]
) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    recording_id = ready_recording(api, media, lines=LINES, title="Samtale om skolen")
    page = tab_for("caseworker", WINDOW)
    page.goto(f"{shared_db}/recordings/{recording_id}")
    load_player(page)  # marking in and out is done while watching
    page.click("#clip-new summary")  # below the player, closed until asked for
    expect(page.locator("#clip-in")).to_be_visible()  # the script shows the buttons

    # Dragging along the timeline while the form is open marks the clip.
    track = page.locator("#track").bounding_box()
    assert track is not None
    y = track["y"] + track["height"] / 2
    page.mouse.move(track["x"] + track["width"] * 0.5, y)
    page.mouse.down()
    page.mouse.move(track["x"] + track["width"] * 0.75, y, steps=5)
    page.mouse.up()
    assert page.input_value("#clip-start") == "0:30,0"
    assert page.input_value("#clip-end") == "0:45,0"

    # Mark in and out while watching.
    seek_paused(page, 7.25)
    page.click("#clip-in")
    seek_paused(page, 11.75)
    page.click("#clip-out")
    assert (
        page.input_value("#clip-start") == "0:07,3"
    )  # 7.25 shown to a tenth, with the Danish comma
    assert page.input_value("#clip-end") == "0:11,8"
    expect(page.locator("#clip-length")).to_have_text("(0:04,5)")
    page.fill("#clip-title", "Åbningen")
    page.fill("#clip-request", "Er min rammesætning tydelig?")
    page.screenshot(path=str(SHOTS / "recording-form.png"), full_page=True)
    page.click("#clip-make")
    page.wait_for_url("**#clip-*")
    item = page.locator(".clip-item").first
    expect(item).to_have_attribute("data-status", "queued")

    assert cut_clips() == ["succeeded"]
    # The list follows the job: no reload (the player keeps its place).
    expect(item).to_have_attribute("data-status", "ready", timeout=10_000)
    expect(item.locator(".status")).to_have_text("Klar")
    item.locator("select").select_option(f"user:{user_id('supervisor')}")
    item.locator(".share-form button").click()
    page.wait_for_url("**#clip-*")
    expect(page.locator(".clip-item .shares li")).to_contain_text("Søren Supervisor")
    page.locator("#clips").screenshot(path=str(SHOTS / "recording-clips.png"))
    clip_id = item.get_attribute("data-id")

    viewer = tab_for("supervisor", WINDOW)
    viewer.goto(f"{shared_db}/clips/{clip_id}")
    expect(viewer.locator("#clip-request")).to_contain_text("Er min rammesætning tydelig?")
    load_player(viewer)
    duration = float(viewer.evaluate("document.getElementById('player').duration"))
    assert duration == pytest.approx(4.5, abs=0.15)  # the clip's own file, not the recording
    show_transcript(viewer)  # the clip's page opens on its feedback, as a recording's does
    lines = viewer.locator("#transcript .text").all_inner_texts()
    # Cut at word times: "dag" (7.0-7.5) is heard mostly before 7.3, "skolen." after 11.8.
    assert lines == ["skal vi tale om"]
    viewer.locator("#transcript .seek").first.click()
    viewer.wait_for_function("!document.getElementById('player').paused")
    viewer.screenshot(path=str(SHOTS / "clip-page.png"), full_page=True)
    # A link to a moment of the clip (as a notification opens it) starts there.
    viewer.goto(f"{shared_db}/clips/{clip_id}?t=3.2")
    viewer.wait_for_function("Math.abs(document.getElementById('player').currentTime - 3.2) < 0.05")
    # The recording itself stays closed to them.
    assert viewer.goto(f"{shared_db}/recordings/{recording_id}").status == 404  # type: ignore[union-attr]


def test_a_participant_gives_feedback_on_the_clip_in_a_session(
    shared_db: str, api: httpx.Client, media: MediaSet, tab_for: Callable[..., Page]
) -> None:
    """A colleague who sees only the clip presses F at a moment of it in a team session,
    picks a criterion by number and a kind, and saves: the marker sits at that clip time on
    the timeline, the caseworker's session page shows it without a reload, and the
    caseworker's recording has it at clip start + t."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    recording_id = ready_recording(api, media, lines=LINES, title="Samtale om skolen")
    made = api.post(
        f"/api/v1/recordings/{recording_id}/clips",
        json={"title": "Midten", "request_text": "", "start_seconds": 20.0, "end_seconds": 30.0},
    )
    assert made.status_code == 201, made.text
    clip_id = made.json()["id"]
    assert cut_clips() == ["succeeded"]
    colleague = user_id("caseworker2")
    assert (
        api.post(f"/api/v1/clips/{clip_id}/shares", json={"user_id": colleague}).status_code == 201
    )
    planned = api.post(
        "/api/v1/sessions",
        json={
            "kind": "team",
            "recording_id": recording_id,
            "clip_id": clip_id,
            "user_ids": [colleague],
            "starts_at": later(),
            "question": "Er jeg tydelig?",
        },
    )
    assert planned.status_code == 201, planned.text
    url = f"{shared_db}/sessions/{planned.json()['id']}"

    owner = tab_for("caseworker", WINDOW)
    owner.goto(url)
    expect(owner.locator("#timeline-box")).to_be_visible()
    viewer = tab_for("caseworker2", WINDOW)
    viewer.goto(url)
    expect(viewer.locator("#timeline-box")).to_be_visible()
    expect(viewer.locator("#live-present li")).to_have_count(2)  # both on the live channel
    viewer.locator("#tab-feedback").click()
    viewer.locator("#live-detach").click()  # look alone: the presenter's player does not pull
    seek_paused(viewer, 4.0)
    viewer.keyboard.press("f")
    expect(viewer.locator("#feedback-form")).to_be_visible()
    assert viewer.input_value("#fb-start") == "0:04"  # the clip's time, not the recording's
    viewer.keyboard.press("1")  # criterion 1 (waits a moment for a second digit)
    expect(viewer.locator("#fb-criteria input[data-number='1']")).to_be_checked()
    viewer.locator(".kind-pick input[value='question']").check()
    viewer.fill("#fb-text", "Hvorfor skiftede du emne her?")
    viewer.check("#fb-publish")
    viewer.click("#save-feedback")
    thread = viewer.locator("#feedback-list .fb.kind-question")
    expect(thread).to_contain_text("Hvorfor skiftede du emne her?")
    marker = viewer.locator("#marker-list .marker.kind-question")
    expect(marker).to_have_count(1)
    left = float(marker.evaluate("m => parseFloat(m.style.left)"))
    assert left == pytest.approx(40.0, abs=0.5)  # 4 s of a 10 s clip
    viewer.screenshot(path=str(SHOTS / "session-clip-feedback.png"), full_page=False)

    # The caseworker's page hears of it over the live channel: no reload.
    expect(owner.locator("#feedback-list .fb.kind-question")).to_contain_text("skiftede du emne")
    expect(owner.locator("#marker-list .marker.kind-question")).to_have_count(1)
    owner.screenshot(path=str(SHOTS / "session-clip-feedback-owner.png"), full_page=False)
    items = api.get(f"/api/v1/recordings/{recording_id}/feedback").json()["items"]
    assert [(i["text"], i["start_seconds"]) for i in items] == [
        ("Hvorfor skiftede du emne her?", 24.0)
    ]


def test_a_team_member_sees_only_the_teams_feedback_until_the_caseworker_brings_an_item(
    shared_db: str, api: httpx.Client, media: MediaSet, tab_for: Callable[..., Page]
) -> None:
    """Individual supervision is confidential: the supervisor's development point on the
    recording and the caseworker's own reply lie inside the clip shared with the team, yet
    a team member sees only what was given through the clip, until the caseworker brings
    the item from the clip's page; then it shows with its reply."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    recording_id = ready_recording(api, media, lines=LINES, title="Samtale om skolen")
    assert api.post(
        f"/api/v1/recordings/{recording_id}/shares", json={"user_id": user_id("supervisor")}
    ).is_success
    criterion = api.get("/api/v1/criteria").json()["criteria"][0]["id"]
    item = {"kind": "development_point", "criterion_ids": [criterion], "publish": True}
    supervisor = live_client(shared_db, "supervisor")
    private = supervisor.post(
        f"/api/v1/recordings/{recording_id}/feedback",
        json=item | {"start_seconds": 12.0, "text": "Du afbryder barnet her"},
    ).json()
    supervisor.close()
    reply = {"text": "Jeg blev nervøs"}
    assert api.post(
        f"/api/v1/recordings/{recording_id}/feedback/{private['id']}/replies", json=reply
    ).is_success
    clip = api.post(
        f"/api/v1/recordings/{recording_id}/clips",
        json={"title": "Skolen", "start_seconds": 10.0, "end_seconds": 20.0},
    ).json()
    assert cut_clips() == ["succeeded"]
    team = make_team("Team Syd", [user_id("caseworker2")])
    # The team is given the clip's protected variant, once the caseworker has approved it.
    approve_protected(clip["id"])
    assert api.post(f"/api/v1/clips/{clip['id']}/shares", json={"team_id": team}).is_success
    colleague = live_client(shared_db, "caseworker2")
    given = item | {"kind": "strength", "start_seconds": 3.0, "text": "Godt åbent spørgsmål"}
    assert colleague.post(f"/api/v1/clips/{clip['id']}/feedback", json=given).is_success
    colleague.close()

    member = tab_for("caseworker2", WINDOW)
    member.goto(f"{shared_db}/clips/{clip['id']}")
    listed = member.locator("#feedback-list")
    expect(listed).to_contain_text("Godt åbent spørgsmål")
    expect(listed).not_to_contain_text("Du afbryder barnet her")
    assert "Jeg blev nervøs" not in member.content() and member.locator("#bring").count() == 0
    member.screenshot(path=str(SHOTS / "team-sees-team-items.png"), full_page=False)

    owner = tab_for("caseworker", WINDOW)
    owner.goto(f"{shared_db}/clips/{clip['id']}")
    owner.locator("#bring summary").click()
    expect(owner.locator("#bring")).to_contain_text("Du afbryder barnet her")
    owner.screenshot(path=str(SHOTS / "caseworker-brings.png"), full_page=False)
    owner.locator(f"#bring-{private['id']} button").click()
    brought = owner.locator(f"#fb-{private['id']}")
    expect(brought).to_contain_text("Vist af sagsbehandleren")

    member.reload()
    thread = member.locator(f"#fb-{private['id']}")
    expect(thread).to_contain_text("Du afbryder barnet her")
    expect(thread).to_contain_text("Jeg blev nervøs")
    member.screenshot(path=str(SHOTS / "team-sees-brought-item.png"), full_page=False)


@pytest.mark.parametrize("size", [(820, 1180), (1180, 820), (390, 844)])
def test_the_clip_form_keeps_out_of_the_way_of_feedback_and_transcript(
    shared_db: str,
    api: httpx.Client,
    media: MediaSet,
    tab_for: Callable[..., Page],
    size: tuple[int, int],
) -> None:
    """The caseworker's own recording on a tablet (either way up) and a phone: the clip
    form is closed and below the player, not in the sticky player area, so the feedback
    and transcript are on the first screen and nothing covers them when the page scrolls."""
    recording_id = ready_recording(api, media, lines=LINES, title="Samtale på tablet")
    page = tab_for("caseworker", size)
    page.goto(f"{shared_db}/recordings/{recording_id}")
    expect(page.locator("#clip-new")).not_to_have_attribute("open", "")
    assert page.locator(".player-pane #clips").count() == 0
    tabs = page.locator(".side-pane .tabs").bounding_box()
    if size[0] > 500:  # a tablet: the side pane's tabs on the first screen
        assert tabs is not None and tabs["y"] < size[1], f"the side pane starts below: {tabs}"
    # Scrolled to the clips, the sticky player covers none of the side pane's tabs.
    page.locator("#clips").scroll_into_view_if_needed()
    player = page.locator(".player-pane").bounding_box()
    clips = page.locator("#clips").bounding_box()
    assert player is not None and clips is not None
    assert (
        player["y"] + player["height"] <= clips["y"] + 1
        or player["y"] >= clips["y"] + clips["height"] - 1
    )
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"the page scrolls sideways by {overflow}px"
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(SHOTS / f"own-recording-{size[0]}x{size[1]}.png"))
