"""Unsure words in Chromium (issue 22): the words the speech model was unsure of are
underlined with dots and named for screen readers, the transcript's header says how much is
unsure, U in correction mode goes to the next unsure word's line (Shift+U back) and plays
from just before it, and a corrected or checked line loses its marks while the header's
share follows (a line unchecked again gets them back). Screenshots at 1366×768 and on a
390-px phone, in correction mode too (test-artifacts/unsure/).

Set-up as in test_keys_browser.py: a ready recording from tests/support/factories.py with
words of set probabilities; the live server and this process share the SQLite file."""

from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect
from sqlmodel import select

from app.core.db import session_scope
from app.jobs.models import Job
from app.transcripts import service as transcript_service
from app.transcripts.service import Heard
from tests.support.browser import (
    ARTIFACTS,
    axe_page,
    axe_violations,
    load_player,
    show_transcript,
    watch_errors,
)
from tests.support.factories import CONVERSATION, Line, heard, ready_recording
from tests.support.media import MediaSet
from tests.support.recordings import upload
from workers.tasks import claim_job

pytestmark = pytest.mark.browser

SHOTS = ARTIFACTS / "unsure"
PLAYER = "document.getElementById('player')"
# Three lines, 31 words; "hedder" and "Mette," (line 1) and "skolen?" (line 3) unsure.
LINES = (heard(CONVERSATION[0], (2, 3)), heard(CONVERSATION[1]), heard(CONVERSATION[2], (9,)))
SHARE = "{} af ordene er usikre (prikket understregning)"


def shot(page: Page, name: str, full_page: bool = True) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=full_page)


def test_unsure_words_marked_found_by_key_and_cleared(
    api: httpx.Client, media: MediaSet, tab_for: Callable[..., Page], shared_db: str
) -> None:
    rid = ready_recording(api, media, seconds=22, title="Usikre ord", lines=LINES)
    ids = [s["id"] for s in api.get(f"/api/v1/recordings/{rid}/transcript").json()["segments"]]
    page = tab_for("caseworker")
    errors = watch_errors(page)
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(f"{shared_db}/recordings/{rid}")
    load_player(page)
    page.evaluate(f"{PLAYER}.muted = true")
    show_transcript(page)
    li = [page.locator(f"#seg-{i}") for i in ids]

    # The marks: a dotted underline, and a hint that only screen readers hear.
    marks = page.locator("#transcript .unsure")
    expect(marks).to_have_text(["hedder", "Mette", "skolen"])
    expect(marks.first).to_be_visible()
    style = marks.first.evaluate("el => getComputedStyle(el).textDecorationStyle")
    assert style == "dotted"
    hint = li[0].locator(".text .visually-hidden").first
    expect(hint).to_have_text(" (usikkert ord)")
    assert hint.evaluate("el => el.getBoundingClientRect().width") <= 1  # not seen
    assert "hedder (usikkert ord) Mette (usikkert ord)," in li[0].locator(".text").text_content()
    share = page.locator("#unsure-share")
    expect(share).to_have_text(SHARE.format("10\xa0%"))
    # Searching the transcript finds the words, never the hint.
    search = page.locator("#transcript-search-input")
    search.fill("usikkert")
    expect(page.locator("#transcript-search-count")).to_have_text("Ingen fund")
    search.fill("hedder mette, og")
    expect(page.locator("#transcript .segment.search-hit")).to_have_count(1)
    search.fill("")
    shot(page, "laptop")

    # Correction mode: U goes to the next unsure word's line, which plays from before it.
    page.locator("body").click(position={"x": 5, "y": 5})
    page.keyboard.press("e")
    expect(li[0]).to_be_focused()
    page.keyboard.press("u")
    current = page.locator("#transcript .unsure-current")
    expect(current).to_have_text("hedder")
    expect(li[0]).to_be_focused()
    expect(page.locator("#correction-status")).to_have_text("Usikkert ord ved 0:01: hedder")
    page.keyboard.press("u")
    expect(current).to_have_text("Mette")
    page.keyboard.press("u")
    expect(current).to_have_text("skolen")
    expect(li[2]).to_be_focused()
    page.wait_for_function(f"() => !{PLAYER}.paused")
    start = float(marks.nth(2).get_attribute("data-t") or 0)
    assert page.evaluate(f"{PLAYER}.currentTime") >= start - 0.8
    page.keyboard.press("u")  # no more that way: it says so and stays
    expect(page.locator("#correction-status")).to_have_text("Ikke flere usikre ord i den retning.")
    expect(current).to_have_text("skolen")
    page.keyboard.press("Shift+U")
    expect(current).to_have_text("Mette")
    expect(li[0]).to_be_focused()
    page.keyboard.press("u")
    expect(li[2]).to_be_focused()
    shot(page, "laptop-correcting")

    # Correct that line: its mark goes, the share drops (2 of 31 words).
    page.keyboard.press("Enter")
    text = li[2].locator("textarea")
    expect(text).to_be_focused()
    text.fill("Kan du fortælle mig om en god dag i skolen?")
    with page.expect_response(lambda r: r.request.method == "PATCH") as saved:
        page.keyboard.press("Enter")
    assert saved.value.status == 200, saved.value.text()
    expect(li[2].locator(".unsure")).to_have_count(0)
    expect(li[2].locator(".text .visually-hidden")).to_have_count(0)
    expect(share).to_have_text(SHARE.format("6\xa0%"))

    # Checked with A: the line's marks go too; unchecked again, they come back.
    expect(li[2]).to_be_focused()  # the last line: it stays chosen
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")
    expect(li[0]).to_be_focused()
    with page.expect_response(lambda r: r.request.method == "PATCH"):
        page.keyboard.press("a")
    expect(li[0].locator(".unsure")).to_have_count(0)
    expect(share).to_have_text("Ingen usikre ord")
    page.keyboard.press("ArrowUp")
    expect(li[0]).to_be_focused()
    with page.expect_response(lambda r: "/transcript/lines" in r.url):
        page.keyboard.press("a")
    expect(li[0].locator(".unsure")).to_have_text(["hedder", "Mette"])
    expect(share).to_have_text(SHARE.format("6\xa0%"))

    # The share agrees with the server's after a reload.
    page.reload()
    show_transcript(page)
    expect(page.locator("#unsure-share")).to_have_text(SHARE.format("6\xa0%"))
    expect(page.locator("#transcript .unsure")).to_have_text(["hedder", "Mette"])

    # A phone, in correction mode with a word found.
    page.set_viewport_size({"width": 390, "height": 844})
    page.locator("#unsure-share").scroll_into_view_if_needed()
    shot(page, "phone", full_page=False)
    page.locator("body").click(position={"x": 5, "y": 5})
    page.keyboard.press("e")
    page.keyboard.press("u")
    expect(page.locator("#transcript .unsure-current")).to_have_text("hedder")
    shot(page, "phone-correcting", full_page=False)
    assert errors == []


def heard_so_far(recording_id: str, lines: tuple[Line, ...]) -> None:
    """What the worker stores as it hears: lines after the ones already there."""
    with session_scope() as session:
        transcript = transcript_service.begin(
            session=session, recording_id=recording_id, language="da", heard=Heard("factory")
        )
        transcript_service.append(session=session, transcript=transcript, segments=lines)  # type: ignore[arg-type]


def test_lines_heard_so_far_show_their_unsure_words(
    api: httpx.Client, media: MediaSet, page: Page, shared_db: str
) -> None:
    response = upload(api, media.conversation(22), title="Hørt indtil nu", language="da")
    assert response.status_code == 201, response.text
    rid = response.json()["id"]
    with session_scope() as session:
        job_id = session.exec(select(Job.id).where(Job.recording_id == rid)).one()
    assert job_id is not None and claim_job(job_id, "test") is not None  # being heard now
    heard_so_far(rid, LINES[:1])
    page.goto(f"{shared_db}/recordings/{rid}")
    so_far = page.locator("#transcript-so-far")
    expect(so_far.locator(".unsure")).to_have_text(["hedder", "Mette"])  # the page's own
    # A line stored later arrives through growing.js, marked the same way.
    heard_so_far(rid, LINES[1:])
    expect(so_far.locator("li")).to_have_count(3)
    expect(so_far.locator(".unsure")).to_have_text(["hedder", "Mette", "skolen"])
    last = so_far.locator("li").nth(2).locator(".text")
    assert last.text_content() == "Kan du fortælle mig om en god dag i skolen (usikkert ord)?"


def test_the_marks_have_no_serious_axe_violations(
    api: httpx.Client, media: MediaSet, browser: Browser, shared_db: str, axe_js: Path
) -> None:
    rid = ready_recording(api, media, seconds=22, title="Usikre ord, axe", lines=LINES)
    with axe_page(browser, shared_db, "caseworker") as page:
        page.goto(f"{shared_db}/recordings/{rid}")
        show_transcript(page)
        page.locator("body").click(position={"x": 5, "y": 5})
        page.keyboard.press("e")
        page.keyboard.press("u")
        expect(page.locator("#transcript .unsure-current")).to_have_text("hedder")
        assert axe_violations(page, axe_js) == []
