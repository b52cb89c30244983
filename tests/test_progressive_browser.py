"""The transcript's first lines on the recording page before the job ends, in Chromium: the
worker (the real pipeline, in this process, against the live server's SQLite file) stores
its first batch and then waits until the page has shown it; the page was opened while the
recording was still queued and never reloaded by hand."""

import threading
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.support.jobs import after_first_batch, the_job
from tests.support.media import MediaSet, speech_around_a_long_silence
from tests.support.recordings import upload
from workers.tasks import run_job

pytestmark = pytest.mark.browser


def test_lines_appear_while_the_recording_is_heard(
    api: httpx.Client,
    page: Page,
    shared_db: str,
    media: MediaSet,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    audio, said = speech_around_a_long_silence(media, tmp_path)
    response = upload(api, audio, title="Samtale i to dele", language="en")
    assert response.status_code == 201, response.text
    rid = response.json()["id"]
    job = the_job()
    assert job.recording_id == rid and job.id is not None
    page.goto(f"{shared_db}/recordings/{rid}")
    expect(page.locator("#pending")).to_be_visible()
    page.evaluate("window.__samePage = true")  # gone if the page reloads

    shown = threading.Event()
    after_first_batch(monkeypatch, lambda: shown.wait(90))
    outcome: list[str] = []
    worker = threading.Thread(target=lambda: outcome.append(run_job(job.id)), daemon=True)  # type: ignore[arg-type]
    worker.start()
    try:
        lines = page.locator("#transcript-so-far li")
        expect(lines.first).to_be_visible(timeout=90_000)
        # The worker is still at work (held after its first batch): the job has not ended.
        assert worker.is_alive()
        expect(page.locator("#pending [data-status]")).to_have_attribute(
            "data-status", "processing"
        )
        first = lines.count()
        assert page.evaluate("window.__samePage === true"), "the page reloaded for its lines"
        assert "child" in page.inner_text("#transcript-so-far").lower()
    finally:
        shown.set()
    worker.join(120)
    assert outcome == ["succeeded"]
    # Ready: the page turns into the full player and transcript by itself, with more lines.
    expect(page.locator("#timeline-box")).to_be_visible(timeout=30_000)
    assert page.locator("#transcript .segment").count() > first
