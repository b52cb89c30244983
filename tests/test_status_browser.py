"""The status display in Chromium: stage words and a moving percentage without a reload, a
job no worker takes, and a failed recording retried from its page.

Same arrangement as test_pages_browser.py: the live server and this process share the SQLite
database (`shared_db`; `api` and `page` from tests/support/browser.py), and the real
pipeline runs here (`process_queued_jobs`) in a thread while the browser watches the page:
its stages and progress are the subject. The waiting job's test only needs the job to end,
so the factory (tests/support/factories.py) finishes it as the worker would."""

import shutil
import threading
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from app.core.config import settings
from app.jobs import service as job_service
from app.jobs.models import PROCESS_RECORDING
from tests.support.factories import make_ready
from tests.support.jobs import process_queued_jobs
from tests.support.media import FORMATS, MediaSet, long_speech
from tests.support.recordings import upload as upload_file

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
SHOTS = ROOT / "test-artifacts" / "status"
WAITING = "venter på en ledig plads i behandlingen"

# Every change to the status cell, kept by the page itself: states between two checks are
# not missed, and a reload (which would drop this) shows.
OBSERVE = """() => {
  window.__seen = [];
  window.__spoken = [];
  const cell = document.querySelector('#pending .status-cell');
  const live = document.getElementById('status-live');
  const note = () => {
    const s = cell.querySelector('[data-status]');
    window.__seen.push({status: s.dataset.status, stage: s.dataset.stage,
      label: (s.querySelector('.label') || {}).textContent,
      pct: (s.querySelector('progress') || {}).value});
  };
  new MutationObserver(note).observe(cell, {childList: true, subtree: true});
  new MutationObserver(() => window.__spoken.push(live.textContent))
    .observe(live, {childList: true, characterData: true, subtree: true});
  note();
}"""


def upload(api: httpx.Client, path: Path, title: str) -> str:
    res = upload_file(api, path, title=title, language="en")
    assert res.status_code == 201, res.text
    return str(res.json()["id"])


class Worker(threading.Thread):
    """The real pipeline over every queued upload's job, in this process, beside the browser
    (the conversation's analysis each one queues is left: not this file's subject)."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.results: list[str] = []

    def run(self) -> None:
        self.results = process_queued_jobs(PROCESS_RECORDING)


def shoot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"status-{name}.png"), full_page=True)


class PacedProgress:
    """Holds the worker at its next `holds` progress writes once it has written one for
    `stage` (any stage: None), each until the test lets it go. A short recording can be
    done faster than the page polls (every 2 s); the page must be seen showing a stage or a
    moving percentage before the job ends and the page reloads. Waits before the write,
    outside any database transaction, so the lease is renewed meanwhile."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, holds: int, stage: str | None) -> None:
        self.go = threading.Semaphore(0)
        self.holds = holds
        self.started = False
        real = job_service.report_progress

        def report_progress(**kwargs: Any) -> Any:
            if self.started and self.holds > 0:
                self.holds -= 1
                assert self.go.acquire(timeout=120), "the test never let the worker go on"
            self.started = self.started or stage in (None, kwargs["stage"])
            return real(**kwargs)

        monkeypatch.setattr(job_service, "report_progress", report_progress)

    def let_go(self) -> None:
        self.go.release()


def test_stage_words_and_percentage_move_without_a_reload(
    page: Page, shared_db: str, api: httpx.Client, media: MediaSet, monkeypatch: pytest.MonkeyPatch
) -> None:
    rid = upload(api, long_speech(media, repeats=4), "Samtale om fritiden")
    page.goto(f"{shared_db}/recordings/{rid}")
    expect(page.locator("#pending .status-cell")).to_contain_text(WAITING)
    page.evaluate(OBSERVE)
    pacing = PacedProgress(monkeypatch, holds=2, stage="transcribe")
    worker = Worker()
    worker.start()
    # Transcription under way, its percentage seen at two values at least, and no reload.
    for shown in (1, 2):
        page.wait_for_function(
            "(n) => new Set(window.__seen.filter(s => s.stage === 'transcribe')"
            ".map(s => s.pct)).size >= n",
            arg=shown,
            timeout=120_000,
        )
        if shown == 1:
            pacing.let_go()
    seen = page.evaluate("() => window.__seen")
    labels = [s["label"] for s in seen]
    assert "Laver udskrift" in labels, labels
    transcribing = [s["pct"] for s in seen if s["stage"] == "transcribe"]
    assert transcribing == sorted(transcribing), transcribing
    if page.locator("#pending .status-cell .label").inner_text() == "Laver udskrift":
        shoot(page, "processing")
    # The live region spoke stage words only: never a percentage.
    spoken = page.evaluate("() => window.__spoken")
    assert spoken and all("%" not in text for text in spoken), spoken
    pacing.let_go()  # read: the job may end now
    # Done: the page shows the player by itself.
    expect(page.locator("#player")).to_be_attached(timeout=180_000)
    worker.join(60)
    assert worker.results == ["succeeded"], worker.results


def test_a_job_no_worker_takes_says_it_waits_for_one(
    page: Page, shared_db: str, api: httpx.Client, media: MediaSet
) -> None:
    rid = upload(api, media.encoded(FORMATS[5]), "Samtale om venner")
    page.goto(f"{shared_db}/recordings/{rid}")
    cell = page.locator("#pending .status-cell")
    expect(cell).to_contain_text(WAITING)
    expect(page.locator("#waiting-hint")).to_be_visible()
    expect(cell.locator("progress")).to_have_count(0)  # no frozen percentage
    shoot(page, "waiting")
    page.goto(f"{shared_db}/recordings")
    row = page.locator(f'tr[data-id="{rid}"] .status-cell')
    expect(row).to_contain_text(WAITING)
    expect(page.locator("#status-live")).to_contain_text("1 optagelse behandles eller venter")
    make_ready(rid, playable_mime="audio/mp4")  # leaves nothing queued for the next test
    expect(row).to_contain_text("Klar", timeout=20_000)
    expect(page.locator("#status-live")).to_contain_text("Samtale om venner er klar")


def test_a_failed_recording_is_retried_from_its_page(
    page: Page, shared_db: str, api: httpx.Client, media: MediaSet, monkeypatch: pytest.MonkeyPatch
) -> None:
    rid = upload(api, media.encoded(FORMATS[5]), "Samtale om skolen")
    original = settings.media_dir / rid / "original"
    kept = original.with_name("kept")
    shutil.copyfile(original, kept)
    original.write_bytes(original.read_bytes()[:2000])  # the disk lost most of it
    assert process_queued_jobs(PROCESS_RECORDING) == ["failed"]

    page.goto(f"{shared_db}/recordings/{rid}")
    expect(page.locator("h2").first).to_have_text("Optagelsen kunne ikke behandles")
    reason = page.locator("#failure-reason")
    expect(reason).to_contain_text("beskadiget eller ufuldstændig")
    expect(reason).not_to_contain_text(str(settings.media_dir))
    expect(page.locator(".share-form")).to_have_count(0)
    shoot(page, "failed")

    shutil.move(kept, original)  # the file is whole again (as if uploaded anew)
    page.click("#retry")
    expect(page.locator(".alert.success")).to_have_text("Optagelsen er sat i kø igen.")
    expect(page.locator("#pending .status-cell")).to_contain_text(WAITING)
    page.evaluate(OBSERVE)
    pacing = PacedProgress(monkeypatch, holds=1, stage=None)
    worker = Worker()
    worker.start()
    page.wait_for_function(
        "() => window.__seen.some(s => s.status === 'processing')", timeout=60_000
    )
    pacing.let_go()
    expect(page.locator("#player")).to_be_attached(timeout=120_000)
    worker.join(60)
    assert worker.results == ["succeeded"], worker.results
