"""Transcribe again in Chromium (issue 22): the caseworker asks for it under the player,
sees it wait, and once the new version is whole chooses line by line between their own
earlier words and the new ones ("Behold min" / "Tag den nye"), with the keyboard; the
earlier version stays readable on its own page, and the details say how each was heard.

The live server and this process share the SQLite file and the data folder (`shared_db`):
the job runs here, as a worker would, with the real faster-whisper (bundled tiny.en)."""

from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect
from sqlmodel import select

from app.core.config import settings
from app.core.db import session_scope
from app.jobs.models import TRANSCRIBE_AGAIN, Job
from tests.support.browser import show_transcript
from tests.support.factories import Line, make_ready
from tests.support.media import MediaSet
from tests.support.recordings import upload
from workers.tasks import run_job

pytestmark = pytest.mark.browser

SHOTS = Path("/work/notes/shots/again")
GIVEN = (
    Line(0.0, 3.3, "The child told me about her school and her friends."),
    Line(3.8, 6.7, "She said that she likes to draw pictures of horses."),
    Line(7.2, 10.3, "Then we talked about the weekend at her father's house."),
)
MINE_1 = "The child told me about school and [NAME]."
MINE_2 = "She said that [NAME] likes to draw horses."


def test_the_caseworker_keeps_one_correction_and_takes_the_new_line_for_another(
    shared_db: str,
    api: httpx.Client,
    media: MediaSet,
    tab_for: Callable[..., Page],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    monkeypatch.setattr(settings, "whisper_models", "en=bundled-tiny.en")
    monkeypatch.setattr(settings, "whisper_cpu_threads", 2)
    made = upload(api, media.speech("en"), language="en", title="Samtale om weekenden")
    assert made.status_code == 201, made.text
    rid = made.json()["id"]
    make_ready(rid, GIVEN, media_files=True)
    segments = f"/api/v1/recordings/{rid}/transcript/segments"
    first = api.get(f"/api/v1/recordings/{rid}/transcript").json()["segments"]
    for line, mine in zip(first, (MINE_1, MINE_2), strict=False):
        assert api.patch(f"{segments}/{line['id']}", json={"text": mine}).status_code == 200

    page = tab_for("caseworker")
    page.goto(f"{shared_db}/recordings/{rid}")
    button = page.locator("#again-button")
    button.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#again-status")).to_contain_text("transskriberet igen")
    with session_scope() as session:
        job = session.exec(select(Job).where(Job.kind == TRANSCRIBE_AGAIN)).one()
    assert run_job(job.id) == "succeeded"  # type: ignore[arg-type]

    page.goto(f"{shared_db}/recordings/{rid}")
    expect(page.locator("#again-offers")).to_contain_text("2 linjer")
    expect(page.locator("#transcript-provenance")).to_contain_text("Whisper tiny.en")
    expect(page.locator("#transcript-provenance")).to_contain_text("SHA-256")
    expect(page.locator("#transcript-versions a")).to_have_count(2)
    show_transcript(page)
    offers = page.locator("form.offer")
    expect(offers).to_have_count(2)
    # Until chosen, the line reads as the caseworker wrote it; the new words are offered.
    first_line = page.locator("#transcript li.segment").filter(has=page.locator("form.offer"))
    expect(first_line.first.locator(".text")).to_have_text(MINE_1)
    expect(offers.nth(0).locator(".offered-new")).not_to_have_text(MINE_1)
    page.set_viewport_size({"width": 1366, "height": 768})
    offers.nth(0).scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "offers-1366.png"))

    # Keep mine on the first line, with the keyboard.
    keep = offers.nth(0).get_by_role("button", name="Behold min")
    keep.focus()
    expect(keep).to_be_focused()
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: "#seg-" in url)
    show_transcript(page)
    expect(page.locator("form.offer")).to_have_count(1)
    # Take the new one on the other.
    new_words = page.locator("form.offer .offered-new").inner_text()
    page.locator("form.offer").get_by_role("button", name="Tag den nye").click()
    page.wait_for_url(lambda url: "#seg-" in url)
    show_transcript(page)
    expect(page.locator("form.offer")).to_have_count(0)
    texts = page.locator("#transcript li.segment .text").all_inner_texts()
    assert MINE_1 in texts and MINE_2 not in texts
    assert new_words.strip('“”"') in texts
    expect(page.locator("#again-offers")).to_have_count(0)

    # The first version is kept, readable as it was, with its own provenance.
    page.locator("#transcript-versions a", has_text="Version 1").click()
    expect(page.locator("#superseded")).to_be_visible()
    expect(page.locator(".version-lines .text").first).to_have_text(MINE_1)
    expect(page.locator(".version-lines .text").nth(1)).to_have_text(MINE_2)
    page.screenshot(path=str(SHOTS / "version-1.png"), full_page=True)

    phone = tab_for("caseworker", (390, 844))
    phone.goto(f"{shared_db}/recordings/{rid}")
    phone.locator("#transcribe-again").scroll_into_view_if_needed()
    phone.screenshot(path=str(SHOTS / "details-390.png"))
