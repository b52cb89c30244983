"""Recording in the browser (the record page, app/static/recorder.js), in Chromium with a fake
camera and a fake microphone that speaks (espeak-ng's English, looped): the recording is sent
while it is made (tus, deferred length), the worker transcribes it, the stored original seeks,
and a network cut during the recording, or a page closed mid-way, loses nothing."""

from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect
from sqlmodel import select

from app.core.db import session_scope
from app.jobs.models import Job
from app.media.probe import probe
from app.recordings import storage
from tests.support import stored
from tests.support.browser import CHROMIUM, CHROMIUM_ARGS, fill_consent, get_json, load_player
from tests.support.media import MediaSet, ffmpeg
from workers.tasks import run_job

pytestmark = pytest.mark.browser

# What the page says of the recording, as numbers (#record-progress's data attributes).
FIGURE = "() => Number(document.getElementById('record-progress').dataset.{})"
PROGRESS_STATE = "document.getElementById('record-progress').dataset.state"
# The recorder's rows and chunks in IndexedDB.
KEPT = """() => new Promise((resolve, reject) => {
  const opened = indexedDB.open('videosparring-recorder');
  opened.onerror = () => reject(opened.error);
  opened.onsuccess = () => {
    const tx = opened.result.transaction(['uploads', 'chunks']);
    const counts = {};
    for (const name of ['uploads', 'chunks']) {
      tx.objectStore(name).count().onsuccess = (e) => { counts[name] = e.target.result; };
    }
    tx.oncomplete = () => { opened.result.close(); resolve(counts); };
  };
})"""
# Every byte MediaRecorder hands the page, counted outside the page (it navigates away).
COUNT_CHUNKS = """(() => {
  const Original = window.MediaRecorder;
  if (!Original) return;
  window.MediaRecorder = class extends Original {
    constructor(...args) {
      super(...args);
      this.addEventListener('dataavailable', (e) => window.__produced(e.data.size));
    }
  };
})();"""


@pytest.fixture(scope="module")
def browser(media: MediaSet) -> Iterator[Browser]:
    """Chromium with a fake camera (its test pattern) and a microphone that plays the speech."""
    from playwright.sync_api import sync_playwright

    speech = media.made(
        "speech-en-48k.wav",
        lambda path: ffmpeg("-i", media.speech("en"), "-ar", "48000", "-ac", "1", path),
    )
    devices = [
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-audio-capture={speech}",
    ]
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(
            executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, *devices], headless=True
        )
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def produced(page: Page) -> list[int]:
    """The sizes of the chunks the page's MediaRecorder made, in order."""
    sizes: list[int] = []
    page.context.expose_binding("__produced", lambda _source, size: sizes.append(int(size)))
    page.context.add_init_script(COUNT_CHUNKS)
    return sizes


def fill_in(page: Page, base: str, title: str, *, microphone_only: bool = False) -> None:
    page.goto(f"{base}/recordings/record")
    expect(page.locator("#record-start")).to_be_disabled()  # no consent yet
    page.fill("#title", title)
    page.fill("#case_reference", "SAG-OPTAGET")
    page.select_option("#language", "en")
    fill_consent(page, date.today())
    if microphone_only:
        page.check("input[name=record_kind][value=audio]")
    expect(page.locator("#record-start")).to_be_enabled()


def record_until(page: Page, seconds: float) -> None:
    """Wait on the page's own clock of the recording (not a sleep)."""
    page.wait_for_function(f"{FIGURE.format('seconds')} >= {seconds}", timeout=60_000)


def stop_and_open(page: Page) -> str:
    """Press Stop; the page goes to the list once the server has it all: the recording's id."""
    page.click("#record-stop")
    page.wait_for_url(lambda url: "uploaded=" in url, timeout=60_000)
    return parse_qs(urlsplit(page.url).query)["uploaded"][0]


def original_of(rid: str) -> Any:
    with stored.local_file(rid, storage.ORIGINAL) as path:
        return probe(Path(path)), _has_cues(Path(path))


def _has_cues(path: Path) -> bool:
    """The WebM has its index (Cues, EBML id 1C 53 BB 6B): a player can seek in it."""
    return b"\x1c\x53\xbb\x6b" in path.read_bytes()


def job_of(rid: str) -> Job:
    with session_scope() as session:
        job = session.exec(select(Job).where(Job.recording_id == rid)).one()
        session.expunge(job)
        return job


def test_a_recording_comes_back_with_its_transcript_and_seeks(
    page: Page, shared_db: str, api: httpx.Client, produced: list[int]
) -> None:
    fill_in(page, shared_db, "Optaget samtale")
    with page.expect_response(lambda r: r.request.method == "POST") as created:
        page.click("#record-start")
    assert created.value.status == 201
    expect(page.locator("#preview")).to_be_visible()
    record_until(page, 10)
    with page.expect_response(lambda r: "recording-location" in r.headers) as last:
        rid = stop_and_open(page)
    assert last.value.headers["recording-location"] == f"/api/v1/recordings/{rid}"
    assert int(last.value.headers["upload-offset"]) == sum(produced)
    assert page.evaluate(KEPT) == {"uploads": 0, "chunks": 0}

    recording = get_json(api, f"/api/v1/recordings/{rid}")
    assert recording["has_video"] and recording["video_codec"] == "vp8"
    assert 9 <= recording["duration_seconds"] <= 12
    info, indexed = original_of(rid)
    assert indexed and info.duration == pytest.approx(recording["duration_seconds"], abs=0.5)

    job = job_of(rid)
    assert run_job(job.id) == "succeeded"  # type: ignore[arg-type]
    transcript = get_json(api, f"/api/v1/recordings/{rid}/transcript")
    heard = " ".join(s["text"] for s in transcript["segments"]).lower()
    assert sum(word in heard for word in ("child", "school", "friends", "horses", "weekend")) >= 2

    # The recording's own page: its player jumps to the middle and stays there.
    page.goto(f"{shared_db}/recordings/{rid}")
    load_player(page)
    middle = page.evaluate(
        """() => new Promise((resolve) => {
          const player = document.getElementById('player');
          const middle = player.duration / 2;
          const done = () => resolve([middle, player.currentTime]);
          player.addEventListener('seeked', done, {once: true});
          player.currentTime = middle;
        })"""
    )
    assert middle[0] > 4 and middle[1] == pytest.approx(middle[0], abs=0.5)


def test_a_network_cut_during_a_recording_loses_nothing(
    page: Page, shared_db: str, api: httpx.Client, produced: list[int]
) -> None:
    """Microphone only, with the network gone for a while in the middle."""
    fill_in(page, shared_db, "Samtale med afbrydelse", microphone_only=True)
    page.click("#record-start")
    record_until(page, 2)
    page.context.set_offline(True)
    page.wait_for_function(f"() => {PROGRESS_STATE} === 'offline'")
    page.wait_for_function(f"{FIGURE.format('waitingSeconds')} >= 5", timeout=30_000)
    assert page.evaluate(KEPT)["chunks"] >= 2  # kept in the browser meanwhile
    shown, waiting = page.evaluate(
        "() => { const p = document.getElementById('record-progress');"
        " return [p.textContent, p.dataset.waitingSeconds]; }"
    )
    assert waiting in shown  # "Offline: N seconds waiting to be sent"
    page.context.set_offline(False)
    page.wait_for_function(f"{FIGURE.format('waitingSeconds')} <= 2", timeout=30_000)
    record_until(page, 11)
    seconds = page.evaluate(FIGURE.format("seconds"))
    with page.expect_response(lambda r: "recording-location" in r.headers) as last:
        rid = stop_and_open(page)
    total = sum(produced)
    assert int(last.value.headers["upload-offset"]) == int(last.value.headers["upload-length"])
    assert int(last.value.headers["upload-offset"]) == total
    assert page.evaluate(KEPT) == {"uploads": 0, "chunks": 0}

    recording = get_json(api, f"/api/v1/recordings/{rid}")
    assert not recording["has_video"] and recording["audio_codec"] == "opus"
    assert recording["duration_seconds"] == pytest.approx(seconds, abs=1.5)
    info, indexed = original_of(rid)
    assert indexed and info.duration == pytest.approx(seconds, abs=1.5)


def test_a_recording_left_by_a_closed_page_is_sent_at_the_next_visit(
    page: Page, shared_db: str, api: httpx.Client, produced: list[int]
) -> None:
    """Closed while offline with chunks unsent: the next visit sends them and finishes it."""
    fill_in(page, shared_db, "Samtale lukket midt i")
    page.click("#record-start")
    record_until(page, 2)
    page.context.set_offline(True)
    page.wait_for_function(f"{FIGURE.format('waitingSeconds')} >= 4", timeout=30_000)
    seconds = page.evaluate(FIGURE.format("seconds"))
    context = page.context
    page.close()
    context.set_offline(False)
    later = context.new_page()
    later.goto(f"{shared_db}/recordings/record")
    link = later.locator("#record-state a")
    expect(link).to_be_visible(timeout=30_000)
    rid = link.get_attribute("href").rsplit("/", 1)[-1]  # type: ignore[union-attr]
    assert later.evaluate(KEPT) == {"uploads": 0, "chunks": 0}
    recording = get_json(api, f"/api/v1/recordings/{rid}")
    assert recording["title"] == "Samtale lukket midt i"
    # What the recorder had handed over before the page closed: all of it is there.
    assert recording["duration_seconds"] >= seconds - 2.5
    assert sum(produced) > 0


def test_only_caseworkers_and_supervisors_record(
    tab_for: Callable[..., Page], shared_db: str
) -> None:
    leader = tab_for("leader")
    answer = leader.goto(f"{shared_db}/recordings/record")
    assert answer is not None and answer.status == 403
    caseworker = tab_for("caseworker")
    answer = caseworker.goto(f"{shared_db}/recordings/record")
    assert answer is not None and answer.status == 200
    # This page alone lets the camera and microphone in.
    assert "camera=(self)" in answer.headers["permissions-policy"]
