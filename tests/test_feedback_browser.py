"""Feedback at a moment in Chromium, as a supervisor and a caseworker use it: play, press F,
tick a criterion by its number, pick a kind, save; the player resumes and the marker sits at
its time on the timeline; publish; the caseworker sees the notification, opens it at that
moment, replies; the supervisor sees the reply. Plus the keys that must not fire while
typing, markers by keyboard, drag for a range, filters, and the page at three sizes.

The recording comes from tests/support/factories.py (a real upload, made ready without Whisper):
the pipeline is not the subject here. Set-up as in test_pages_browser.py: the live server
and this process share the SQLite file (`shared_db`)."""

import re
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.support.accounts import live_client, user_id
from tests.support.browser import show_transcript
from tests.support.factories import ready_recording
from tests.support.feedback import criterion_ids
from tests.support.media import MediaSet

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
SHOTS = ROOT / "test-artifacts" / "feedback"
SIZES = {"laptop": (1366, 768), "tablet-portrait": (820, 1180), "tablet-landscape": (1180, 820)}
SECONDS = 60


@pytest.fixture(scope="module")
def recording(api: httpx.Client, media: MediaSet) -> str:
    """The caseworker's ready recording, shared with the supervisor."""
    rid = ready_recording(api, media, seconds=SECONDS, title="Samtale med Sofie")
    shared = api.post(f"/api/v1/recordings/{rid}/shares", json={"user_id": user_id("supervisor")})
    assert shared.status_code == 201, shared.text
    return rid


def play_to(page: Page, seconds: float) -> None:
    """Play from `seconds` and wait until the player really is playing past it."""
    page.evaluate(
        "t => { const p = document.getElementById('player'); p.muted = true; p.currentTime = t;"
        " return p.play(); }",
        seconds,
    )
    page.wait_for_function(
        "t => { const p = document.getElementById('player');"
        " return !p.paused && p.currentTime > t; }",
        arg=seconds,
    )


def current_time(page: Page) -> float:
    return float(page.evaluate("document.getElementById('player').currentTime"))


def test_supervisor_gives_feedback_and_caseworker_replies_from_the_notification(
    recording: str,
    tab_for,
    shared_db: str,  # type: ignore[no-untyped-def]
) -> None:
    sup = tab_for("supervisor")
    sup.goto(f"{shared_db}/recordings/{recording}")
    expect(sup.locator("#timeline-box")).to_be_visible()
    play_to(sup, 20.0)
    sup.locator("body").press("f")
    expect(sup.locator("#feedback-form")).to_be_visible()
    assert sup.evaluate("document.getElementById('player').paused") is True
    start_text = sup.input_value("#fb-start")
    at = current_time(sup)
    assert 20.0 <= at < 40.0, at
    assert start_text.startswith(("0:2", "0:3")), start_text
    # Focus is on the first criterion: "2" ticks criterion 2 (after a moment when 12 exists).
    sup.keyboard.press("2")
    second = sup.locator("#fb-criteria input[data-number='2']")
    expect(second).to_be_checked()
    expect(sup.locator("#fb-criteria input[data-number='1']")).not_to_be_checked()
    sup.locator(".kind-pick input[value='development_point']").check()
    # Typing in the text never triggers a shortcut: "f", "n", "p" and digits are just text.
    sup.fill("#fb-text", "")
    sup.locator("#fb-text").type("Prøv et åbent spørgsmål fx 2 gange, ikke et ja/nej-spørgsmål.")
    expect(sup.locator("#fb-criteria input[data-number='2']")).to_be_checked()
    assert sup.evaluate("document.getElementById('player').paused") is True
    SHOTS.mkdir(parents=True, exist_ok=True)
    sup.screenshot(path=str(SHOTS / "form-open-laptop.png"))
    sup.click("#save-feedback")
    expect(sup.locator("#feedback-form")).to_be_hidden()
    sup.wait_for_function("!document.getElementById('player').paused")  # play resumed
    marker = sup.locator("#marker-list .marker.kind-development_point")
    expect(marker).to_have_count(1)
    left = float(marker.evaluate("b => parseFloat(b.style.left)"))
    saved_at = float(sup.locator(".fb.kind-development_point").get_attribute("data-start") or 0)
    assert abs(left - saved_at / SECONDS * 100) < 0.01
    assert abs(saved_at - at) < 0.6
    # Where the marker is drawn matches its time on the track.
    box = sup.locator("#track").bounding_box()
    mbox = marker.bounding_box()
    assert box and mbox
    assert (
        abs((mbox["x"] + mbox["width"] / 2 - box["x"]) / box["width"] - saved_at / SECONDS) < 0.02
    )
    expect(sup.locator("#drafts-bar")).to_be_visible()
    sup.click("#publish-all button")
    expect(sup.locator("#drafts-bar")).to_be_hidden()
    expect(sup.locator(".fb.kind-development_point .draft-badge")).to_have_count(0)

    cw = tab_for("caseworker")
    cw.goto(f"{shared_db}/recordings")
    badge = cw.locator("#notes-link .count-badge")
    expect(badge).to_have_text("1")
    cw.click("#notes-link")
    cw.locator(".note-link").first.click()
    cw.wait_for_url(re.compile(rf"/recordings/{recording}\?t="))
    cw.wait_for_function(
        "t => Math.abs(document.getElementById('player').currentTime - t) < 0.2", arg=saved_at
    )
    item = cw.locator(".fb.kind-development_point")
    expect(item).to_have_class(re.compile("chosen"))
    expect(item.locator(".fb-text")).to_contain_text("Prøv et åbent spørgsmål")
    item.locator(".reply-box summary").click()
    item.locator(".reply-form textarea").fill("Tak. Jeg prøver at spørge mere åbent næste gang.")
    item.locator(".reply-form button[type=submit]").click()
    expect(cw.locator(".fb.kind-development_point .reply")).to_contain_text("Jeg prøver")

    sup.reload()
    expect(sup.locator(".fb.kind-development_point .reply")).to_contain_text("Jeg prøver at spørge")


def test_keys_markers_ranges_and_filters(
    recording: str,
    api: httpx.Client,
    tab_for,
    shared_db: str,  # type: ignore[no-untyped-def]
) -> None:
    criteria = [c["id"] for c in api.get("/api/v1/criteria").json()["criteria"]]
    for start, kind in ((5.0, "strength"), (30.0, "question"), (50.0, "strength")):
        made = api.post(
            f"/api/v1/recordings/{recording}/feedback",
            json={
                "kind": kind,
                "start_seconds": start,
                "criterion_ids": criteria[:1],
                "text": f"Selvrefleksion ved {start:.0f}",
                "publish": True,
            },
        )
        assert made.status_code == 201, made.text
    page = tab_for("caseworker")
    page.goto(f"{shared_db}/recordings/{recording}")
    page.evaluate("document.getElementById('player').currentTime = 0")
    # N and P move between markers and seek.
    page.locator("body").press("n")
    page.wait_for_function("Math.abs(document.getElementById('player').currentTime - 5) < 0.2")
    page.locator("body").press("n")
    page.wait_for_function("document.getElementById('player').currentTime > 19")
    page.locator("body").press("p")
    page.wait_for_function("Math.abs(document.getElementById('player').currentTime - 5) < 0.2")
    # Markers by keyboard: focus shows the tooltip (kind and first words); arrows move.
    first = page.locator("#marker-list .marker").first
    first.focus()
    expect(page.locator("#marker-tip")).to_contain_text("Selvrefleksion ved 5")
    page.keyboard.press("ArrowRight")
    expect(page.locator("#marker-tip")).to_be_visible()
    page.keyboard.press("Enter")
    page.wait_for_function("document.getElementById('player').currentTime > 19")
    # Filters: markers and list follow.
    page.select_option("#filter-kind", "question")
    expect(page.locator("#marker-list .marker")).to_have_count(
        page.evaluate(
            "JSON.parse(document.getElementById('markers').textContent)"
            ".items.filter(m => m.kind === 'question').length"
        )
    )
    expect(page.locator("#feedback-list .fb:not(.kind-question)")).to_have_count(0)
    assert "kind=question" in page.url
    page.select_option("#filter-kind", "")
    # Drag along the track marks a range and opens the form with both times.
    box = page.locator("#track").bounding_box()
    assert box
    y = box["y"] + box["height"] - 3
    page.mouse.move(box["x"] + box["width"] * 0.1, y)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.25, y, steps=5)
    page.mouse.up()
    expect(page.locator("#feedback-form")).to_be_visible()
    start, end = page.input_value("#fb-start"), page.input_value("#fb-end")
    assert start.startswith("0:0") and end.startswith("0:1"), (start, end)
    page.keyboard.press("Escape")
    expect(page.locator("#feedback-form")).to_be_hidden()
    # The transcript shows the feedback beside the lines it covers; a mark opens the item.
    page.click("#tab-transcript")
    mark = page.locator("#transcript .segment").first.locator(".fb-mark")
    expect(mark).to_have_count(1)
    mark.click()
    expect(page.locator("#feedback-panel")).to_be_visible()
    item = page.locator(".fb[data-start='5.0']")
    expect(item).to_have_class(re.compile("chosen"))
    # Editing one's own item opens the form with what it holds; the saved item says edited.
    item.locator(".edit-fb summary").click()
    expect(page.locator("#feedback-form")).to_be_visible()
    assert page.input_value("#fb-text") == "Selvrefleksion ved 5"
    expect(page.locator(".kind-pick input[value='strength']")).to_be_checked()
    page.fill("#fb-text", "Selvrefleksion ved 5: jeg afbrød barnet.")
    page.click("#save-feedback")
    expect(item.locator(".fb-text")).to_have_text("Selvrefleksion ved 5: jeg afbrød barnet.")
    expect(item.locator(".edited")).to_be_visible()


@pytest.mark.parametrize("size", list(SIZES))
def test_player_and_feedback_are_visible_together(
    recording: str,
    tab_for,
    shared_db: str,
    size: str,  # type: ignore[no-untyped-def]
) -> None:
    page = tab_for("supervisor", SIZES[size])
    page.goto(f"{shared_db}/recordings/{recording}")
    expect(page.locator("#timeline-box")).to_be_visible()
    page.locator("#player").scroll_into_view_if_needed()
    height = SIZES[size][1]
    video = page.locator("#player").bounding_box()
    panel = page.locator("#feedback-panel").bounding_box()
    assert video and panel
    assert video["y"] >= 0 and video["y"] + video["height"] <= height, video
    assert panel["y"] < height - 150, panel  # the feedback starts well above the fold
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"recording-{size}.png"))


def test_a_long_transcript_arrives_after_the_page_with_its_marks(
    api: httpx.Client,
    media: MediaSet,
    tab_for,
    shared_db: str,  # type: ignore[no-untyped-def]
) -> None:
    """The page brings the transcript's first screen; the script fetches the rest, marks
    the feedback beside the lines that arrived later, and their times seek the player."""
    from app.player.view import FIRST_LINES
    from tests.support.factories import Line

    total = FIRST_LINES + 40
    lines = [Line(i * 0.25, i * 0.25 + 0.2, f"Linje {i}.") for i in range(total)]
    rid = ready_recording(api, media, seconds=SECONDS, lines=lines, title="Lang udskrift")
    late = lines[-5]
    made = api.post(
        f"/api/v1/recordings/{rid}/feedback",
        json={
            "kind": "question",
            "start_seconds": late.start,
            "criterion_ids": criterion_ids(api)[:1],
            "text": "Hvad skete der her?",
            "publish": True,
        },  # fmt: skip
    )
    assert made.status_code == 201, made.text
    page = tab_for("caseworker")
    page.goto(f"{shared_db}/recordings/{rid}")
    page.wait_for_function(
        "n => document.querySelectorAll('#transcript .segment').length === n"
        " && !document.getElementById('more-segments')",
        arg=total,
    )
    row = page.locator("#transcript .segment", has_text=late.text)
    expect(row.locator(".fb-mark")).to_have_count(1)
    show_transcript(page)
    row.locator("button.seek").click()
    page.wait_for_function(
        "t => Math.abs(document.getElementById('player').currentTime - t) < 0.3", arg=late.start
    )


def test_items_between_lines_are_marked_on_the_line_they_follow(
    api: httpx.Client,
    media: MediaSet,
    tab_for,
    shared_db: str,  # type: ignore[no-untyped-def]
) -> None:
    """Issue 19: an item pressed a moment before a line starts, or in a pause between two
    lines, is marked on the line it follows; a range in a pause too."""
    from tests.support.factories import Line

    said = [
        Line(0.5, 6.0, "Hej, jeg hedder Mette."),
        Line(6.5, 14.0, "I dag skal vi tale om skolen."),
        Line(15.0, 20.0, "Hvordan har du det i frikvarteret?"),
    ]
    rid = ready_recording(api, media, seconds=SECONDS, lines=said, title="Mellem linjerne")
    criteria = criterion_ids(api)[:1]
    for kind, start, end in [
        ("strength", 6.47, None), ("question", 14.5, None), ("development_point", 14.2, 14.8),
        ("question", 16.0, None),
    ]:  # fmt: skip
        made = api.post(
            f"/api/v1/recordings/{rid}/feedback",
            json={
                "kind": kind,
                "start_seconds": start,
                "end_seconds": end,
                "criterion_ids": criteria,
                "text": f"Ved {start}",
                "publish": True,
            },  # fmt: skip
        )
        assert made.status_code == 201, made.text
    page = tab_for("caseworker")
    page.goto(f"{shared_db}/recordings/{rid}")
    show_transcript(page)
    rows = page.locator("#transcript .segment")
    expect(rows).to_have_count(3)
    expect(rows.nth(0).locator(".fb-mark.kind-strength")).to_have_count(1)
    expect(rows.nth(0).locator(".fb-mark")).to_have_count(1)
    expect(rows.nth(1).locator(".fb-mark.kind-question")).to_have_count(1)
    expect(rows.nth(1).locator(".fb-mark.kind-development_point")).to_have_count(1)
    expect(rows.nth(1).locator(".fb-mark")).to_have_count(2)
    expect(rows.nth(2).locator(".fb-mark")).to_have_count(1)
    # The mark opens its item.
    rows.nth(0).locator(".fb-mark").click()
    expect(page.locator(".fb[data-start='6.47']")).to_have_class(re.compile("chosen"))


def test_threads_fetched_after_the_page_bring_their_forms_when_opened(
    api: httpx.Client,
    media: MediaSet,
    tab_for,
    shared_db: str,  # type: ignore[no-untyped-def]
) -> None:
    """The threads after the first screen arrive with their reply and edit forms held back
    (a page with thousands of text forms grows slow in Chromium); opening a box puts its
    form in place, and replying and editing work as on the first threads."""
    from app.feedback.view import FIRST_THREADS

    rid = ready_recording(api, media, seconds=SECONDS, title="Mange punkter")
    crit = criterion_ids(api)[:1]
    for n in range(FIRST_THREADS + 2):
        made = api.post(
            f"/api/v1/recordings/{rid}/feedback",
            json={
                "kind": "strength",
                "start_seconds": 1 + n,
                "criterion_ids": crit,
                "text": f"Punkt {n}",
                "publish": True,
            },  # fmt: skip
        )
        assert made.status_code == 201, made.text
    page = tab_for("caseworker")
    page.goto(f"{shared_db}/recordings/{rid}")
    last = page.locator("#feedback-list > article.fb", has_text=f"Punkt {FIRST_THREADS + 1}")
    expect(last).to_have_count(1)
    assert last.locator("template.later").count() == 2  # the reply box's and the edit box's
    assert last.locator("textarea").count() == 0
    last.locator(".reply-box > summary").click()
    last.locator(".reply-form textarea").fill("Svar på et sent punkt")
    last.locator(".reply-form button[type=submit]").click()
    expect(last.locator(".replies .fb-text")).to_have_text(["Svar på et sent punkt"])
    # An item's own edit opens the big form with the text the held-back form carries.
    last = page.locator("#feedback-list > article.fb", has_text=f"Punkt {FIRST_THREADS + 1}")
    last.locator(".fb-actions > .edit-fb > summary").first.click()
    expect(page.locator("#feedback-form textarea[name=text]")).to_have_value(
        f"Punkt {FIRST_THREADS + 1}"
    )


def test_only_the_caseworkers_own_items_are_badged_as_their_own(
    api: httpx.Client,
    media: MediaSet,
    tab_for,  # type: ignore[no-untyped-def]
    shared_db: str,
) -> None:
    """ "Sagsbehandlerens egen" marks a self-reflection; the caseworker's reply to the
    supervisor's item is a reply, not one."""
    rid = ready_recording(api, media, seconds=20, title="Egen eller svar")
    api.post(f"/api/v1/recordings/{rid}/shares", json={"user_id": user_id("supervisor")})
    feedback = f"/api/v1/recordings/{rid}/feedback"
    criterion = criterion_ids(api)[0]
    own = {"kind": "strength", "start_seconds": 2, "criterion_ids": [criterion],
           "text": "Min egen refleksion.", "publish": True}  # fmt: skip
    own_id = api.post(feedback, json=own).json()["id"]
    supervisor = live_client(shared_db, "supervisor")
    given = supervisor.post(feedback, json=own | {"start_seconds": 8, "text": "Godt spørgsmål."})
    answered = api.post(f"{feedback}/{given.json()['id']}/replies", json={"text": "Tak!"})
    assert answered.status_code == 201, answered.text
    page = tab_for("caseworker")
    page.goto(f"{shared_db}/recordings/{rid}")
    expect(page.locator(f"#fb-{own_id} .self-badge")).to_have_count(1)
    expect(page.locator(f"#fb-{given.json()['id']}")).to_contain_text("Tak!")
    expect(page.locator(f"#fb-{given.json()['id']} .self-badge")).to_have_count(0)
