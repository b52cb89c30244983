"""The pages in a real browser: headless Chromium against the live server.

What runs where:
- `live_server` (session scope, from conftest) is uvicorn in a child process with
  SPARRING_DATABASE_URL set to the `sqlite_url` file and the same SPARRING_DATA_DIR.
- `shared_db` (module scope, from conftest) points *this* process's settings at the same SQLite
  URL, so the factory (tests/support/factories.py) finishes jobs here against the very rows the
  server wrote, and stores media in the data folder the server reads from.
- conftest's `sqlite_db` is function-scoped and restores the database from its template
  (tests/support/database.py) before and after each test. Making eight recordings ready for
  every test would take minutes, so this module does not use it: `shared_db` restores it
  once when the module starts and once when it ends, and restores the previous database
  URL. Tests in here must therefore tolerate rows made by earlier tests (they look up their
  own recordings by id, never by count).
- `ready` (module scope) uploads every format in `media.FORMATS` once and makes each
  ready once with the worker's own media steps (rendition, poster: `make_media_now`) and
  the words spoken in it as its transcript; the player, sync, keyboard, correction and
  screenshot tests share them. Whisper's part is tested per format in
  tests/test_upload_formats.py; what plays here is what the worker makes of each format.
- The live list's own test needs one recording to turn ready while the page watches: the
  factory finishes that job too.
- Every page needs a login. Browser contexts log in through the real /login form as the
  caseworker (`BASE_USERS["caseworker"]`, who owns every recording uploaded here); the
  httpx client `api` logs in the same way and sends the CSRF token as the `X-CSRF-Token`
  header on API calls. `api`, `page`, `log_in` and `watch_errors` live in
  tests/support/browser.py, shared with the other browser modules. The base users exist
  already: the template has them (`BASE_USERS` in tests/support/accounts.py).
"""

import re
from datetime import date, timedelta
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from app.core.config import settings
from app.core.timeutil import local_today
from tests.support.browser import (
    ARTIFACTS,
    LOCALE,
    VIEWPORTS,
    fill_consent,
    fill_in_a_pdf,
    get_json,
    load_player,
    log_in,
    show_transcript,
    show_upload_error,
    watch_errors,
)
from tests.support.factories import SPOKEN_EN, make_ready
from tests.support.media import FORMATS, Format, MediaSet
from tests.support.recordings import upload as upload_file

pytestmark = pytest.mark.browser

FORMAT_IDS = [f.name for f in FORMATS]
QUEUED, READY, SAVED, CHILD = "I kø", "Klar", "Gemt", "Barn"


# --------------------------------------------------------------------------- helpers
# `api` and `page` come from tests/support/browser.py, with log_in, watch_errors and LOCALE.


def upload(
    api: httpx.Client, path: Path, title: str, case: str = "SAG-1", language: str = "en"
) -> dict:
    res = upload_file(api, path, title=title, case_reference=case, language=language)
    assert res.status_code == 201, res.text
    return res.json()


@pytest.fixture(scope="module")
def ready(api: httpx.Client, media: MediaSet) -> dict[str, dict]:
    """Every format uploaded once and made ready once: format name -> recording JSON."""
    ids = {
        fmt.name: upload(api, media.encoded(fmt), f"Samtale {fmt.name}", f"SAG-{i:03d}")["id"]
        for i, fmt in enumerate(FORMATS)
    }
    for rid in ids.values():
        make_ready(rid, SPOKEN_EN, media_files=True)
    return {name: get_json(api, f"/api/v1/recordings/{rid}") for name, rid in ids.items()}


@pytest.fixture(scope="module")
def video(ready: dict[str, dict]) -> dict:
    """The English H.264 recording: three spoken sentences."""
    rec = ready["mp4-h264-aac"]
    assert rec["status"] == "ready", rec
    return rec


def open_recording(page: Page, base: str, rid: str) -> None:
    """The recording's page, its player ready and its transcript tab shown."""
    page.goto(f"{base}/recordings/{rid}")
    load_player(page)
    show_transcript(page)


def segments_of(page: Page) -> list[dict]:
    return page.eval_on_selector_all(
        "li.segment",
        "els => els.map(li => ({id: li.dataset.id, start: parseFloat(li.dataset.start),"
        " end: parseFloat(li.dataset.end)}))",
    )


def pause_at(page: Page, seconds: float) -> None:
    page.evaluate(
        """t => new Promise(resolve => {
            const p = document.getElementById('player');
            p.pause();
            p.addEventListener('seeked', () => resolve(), {once: true});
            p.currentTime = t;
        })""",
        seconds,
    )


# --------------------------------------------------------------------------- 1. playback


def test_chromium_can_play_h264_aac(page: Page, shared_db: str) -> None:
    """The worker's renditions are H.264/AAC MP4: the browser must be able to decode them."""
    page.goto(f"{shared_db}/recordings")
    verdict = page.evaluate(
        """() => document.createElement('video')
             .canPlayType('video/mp4; codecs="avc1.42E01E, mp4a.40.2"')"""
    )
    assert verdict in ("probably", "maybe")


@pytest.mark.parametrize("fmt", FORMATS, ids=FORMAT_IDS)
def test_recording_plays_in_chromium(
    page: Page, shared_db: str, ready: dict[str, dict], fmt: Format
) -> None:
    rec = ready[fmt.name]
    assert rec["status"] == "ready", f"{fmt.name} was not processed: {rec['failure_reason']}"
    open_recording(page, shared_db, rec["id"])

    mime = page.get_attribute("#player source", "type")
    assert mime and page.evaluate("m => document.createElement('video').canPlayType(m)", mime)
    outcome = page.evaluate(
        """() => { const p = document.getElementById('player'); p.muted = true;
                   return p.play().then(() => 'playing', e => 'refused: ' + e); }"""
    )
    assert outcome == "playing"
    page.wait_for_function(
        "() => document.getElementById('player').currentTime > 1.2", timeout=15_000
    )
    state = page.evaluate(
        """() => { const p = document.getElementById('player');
                   return {error: p.error && {code: p.error.code, message: p.error.message},
                           readyState: p.readyState, width: p.videoWidth, height: p.videoHeight,
                           duration: p.duration, cls: p.className,
                           src: p.currentSrc}; }"""
    )
    assert state["error"] is None, state
    assert state["readyState"] >= 2, state
    assert state["src"].endswith(f"/api/v1/recordings/{rec['id']}/media")
    assert abs(state["duration"] - rec["duration_seconds"]) < 1.0, state
    if fmt.video:
        # The picture decodes too, not only the sound.
        assert (state["width"], state["height"]) == (320, 240), state
        assert state["cls"] == "video"
    else:
        assert state["width"] == 0 and state["cls"] == "audio-only", state


# --------------------------------------------------------------------------- 2. sync


def test_seek_button_seeks_and_playback_highlights_the_spoken_segment(
    page: Page, shared_db: str, video: dict
) -> None:
    open_recording(page, shared_db, video["id"])
    segs = segments_of(page)
    assert len(segs) >= 3, segs
    assert all(s["start"] < s["end"] for s in segs)
    assert page.locator("li.segment.current").count() == 0 or segs[0]["start"] < 0.1

    # Clicking the third segment's time jumps there (and starts playing).
    target = segs[2]
    page.evaluate(
        """() => { const p = document.getElementById('player'); p.muted = true;
                   window.__seekedAt = null;
                   p.addEventListener('seeked', () => { window.__seekedAt = p.currentTime; },
                                      {once: true}); }"""
    )
    page.locator("li.segment").nth(2).locator("button.seek").click()
    page.wait_for_function("() => window.__seekedAt !== null")
    seeked_at = page.evaluate("() => window.__seekedAt")
    assert abs(seeked_at - target["start"]) < 0.5, (seeked_at, target)
    expect(page.locator(f"#seg-{target['id']}")).to_have_class(re.compile(r"\bcurrent\b"))
    expect(page.locator(f"#seg-{target['id']}")).to_have_attribute("aria-current", "true")
    page.wait_for_function("() => !document.getElementById('player').paused")

    # Play from the start and sample which segment is highlighted against the clock.
    page.evaluate(
        """() => new Promise((resolve, reject) => {
            const p = document.getElementById('player');
            p.pause(); p.muted = true;
            window.__samples = [];
            p.addEventListener('seeked', () => {
                window.__timer = setInterval(() => {
                    const cur = document.querySelectorAll('li.segment.current');
                    window.__samples.push({
                        t: p.currentTime, n: cur.length,
                        id: cur.length ? cur[0].dataset.id : null,
                        aria: cur.length ? cur[0].getAttribute('aria-current') : null,
                        ariaCount: document.querySelectorAll('li.segment[aria-current]').length,
                    });
                }, 100);
                p.addEventListener('ended', () => clearInterval(window.__timer), {once: true});
                p.play().then(resolve, reject);
            }, {once: true});
            p.currentTime = 0;
        })"""
    )
    page.wait_for_function(
        "() => document.getElementById('player').ended",
        timeout=int((video["duration_seconds"] + 10) * 1000),
    )
    samples = page.evaluate("() => window.__samples")
    assert len(samples) > 20

    checked = 0
    seen: set[str] = set()
    for s in samples:
        assert s["n"] <= 1 and s["ariaCount"] == s["n"], s
        if s["id"]:
            seen.add(s["id"])
            assert s["aria"] == "true", s
        # timeupdate fires about every 250 ms: leave that much slack after a start.
        inside = [g for g in segs if g["start"] + 0.35 <= s["t"] <= g["end"] - 0.05]
        if len(inside) == 1:
            checked += 1
            assert s["id"] == inside[0]["id"], (s, inside[0])
    assert checked >= 20, f"too few samples fell inside a segment: {checked}"
    assert seen == {g["id"] for g in segs}, "every segment should be highlighted in turn"


# --------------------------------------------------------------------------- 3. keyboard


def test_keyboard_reaches_a_seek_button_with_visible_focus(
    page: Page, shared_db: str, video: dict
) -> None:
    open_recording(page, shared_db, video["id"])
    segs = segments_of(page)
    pause_at(page, 0.0)
    page.evaluate("() => { document.getElementById('player').muted = true; }")

    focused = None
    for _ in range(60):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            """() => { const el = document.activeElement;
                       if (!el || !el.matches('button.seek')) return null;
                       const cs = getComputedStyle(el);
                       return {start: parseFloat(el.dataset.start),
                               visible: el.matches(':focus-visible'),
                               outline: cs.outlineStyle, width: cs.outlineWidth,
                               label: el.getAttribute('aria-label')}; }"""
        )
        if focused and focused["start"] > 1.0:
            break
    assert focused and focused["start"] > 1.0, "Tab never reached a later seek button"
    assert focused["visible"], focused
    assert focused["outline"] != "none" and focused["width"] != "0px", focused
    assert focused["label"], "the seek button needs an accessible name"
    assert focused["start"] in [s["start"] for s in segs]

    page.evaluate(
        """() => { const p = document.getElementById('player'); window.__seekedAt = null;
                   p.addEventListener('seeked', () => { window.__seekedAt = p.currentTime; },
                                      {once: true}); }"""
    )
    page.keyboard.press("Enter")
    page.wait_for_function("() => window.__seekedAt !== null")
    seeked_at = page.evaluate("() => window.__seekedAt")
    assert abs(seeked_at - focused["start"]) < 0.5, (seeked_at, focused)
    # Focus stays on the button: keyboard users can keep going from where they were.
    assert page.evaluate("() => document.activeElement.matches('button.seek')")


# --------------------------------------------------------------------------- 4. correcting


def test_correct_a_segment_inline(
    page: Page, shared_db: str, api: httpx.Client, video: dict
) -> None:
    rid = video["id"]
    before = get_json(api, f"/api/v1/recordings/{rid}/transcript")["segments"]
    seg = before[1]
    open_recording(page, shared_db, rid)
    page.evaluate("() => { window.__sameDocument = true; }")

    li = page.locator(f"#seg-{seg['id']}")
    li.locator("details.edit summary").click()
    textarea = li.locator("textarea")
    expect(textarea).to_be_visible()
    expect(textarea).to_have_value(seg["text"])
    new_text = "She said she likes drawing horses (corrected by a person)."
    textarea.fill(new_text)
    li.locator("select").select_option("child")
    li.locator("button[type=submit]").click()

    expect(li.locator(".save-status")).to_have_text(SAVED)
    expect(li.locator(".text")).to_have_text(new_text)
    expect(li.locator(".speaker")).to_be_visible()
    expect(li.locator(".speaker")).to_have_text(CHILD)
    expect(li.locator(".speaker")).to_have_class(re.compile(r"\bspeaker-child\b"))
    assert page.evaluate("() => window.__sameDocument === true"), "the page reloaded"

    after = {s["id"]: s for s in get_json(api, f"/api/v1/recordings/{rid}/transcript")["segments"]}
    fixed = after[seg["id"]]
    assert fixed["text"] == new_text
    assert fixed["speaker"] == "child"
    assert fixed["corrected"] is True
    assert fixed["machine_text"] == seg["machine_text"]
    for other in before:
        if other["id"] != seg["id"]:
            assert after[other["id"]]["text"] == other["text"]

    # The captions come from the corrected transcript too.
    vtt = api.get(f"/api/v1/recordings/{rid}/transcript/export.vtt").text
    assert new_text in vtt

    # A reload shows the same correction, now with its "corrected" marker.
    page.reload()
    show_transcript(page)
    li = page.locator(f"#seg-{seg['id']}")
    expect(li.locator(".text")).to_have_text(new_text)
    expect(li.locator(".speaker")).to_have_text(CHILD)
    expect(li.locator(".corrected")).to_be_visible()


def test_corrected_marker_appears_without_reload(
    page: Page, shared_db: str, api: httpx.Client, video: dict
) -> None:
    """Once pinned as a bug: player.js did not add the "(rettet)" marker after saving."""
    rid = video["id"]
    seg = get_json(api, f"/api/v1/recordings/{rid}/transcript")["segments"][0]
    assert not seg["corrected"]
    open_recording(page, shared_db, rid)
    li = page.locator(f"#seg-{seg['id']}")
    li.locator("details.edit summary").click()
    li.locator("textarea").fill("The child told me about her school.")
    li.locator("button[type=submit]").click()
    expect(li.locator(".save-status")).to_have_text(SAVED)
    expect(li.locator(".corrected")).to_be_visible(timeout=3_000)
    expect(li.locator(".corrected")).to_have_text("(rettet)")
    expect(li.locator(".corrected")).to_have_attribute("title", re.compile(re.escape(seg["text"])))


# --------------------------------------------------------------------------- 5. live list


def test_list_page_updates_status_by_itself(
    page: Page, shared_db: str, api: httpx.Client, media: MediaSet
) -> None:
    """The list follows the job without a reload; the job is finished by the factory (the
    same services the worker ends with)."""
    rec = upload(api, media.encoded(FORMATS[5]), "Venter på behandling")
    page.goto(f"{shared_db}/recordings")
    page.evaluate("() => { window.__sameDocument = true; }")
    cell = page.locator(f'tr[data-id="{rec["id"]}"] .status-cell')
    expect(cell).to_contain_text(QUEUED)
    expect(page.locator("#live-hint")).to_be_visible()

    make_ready(rec["id"], playable_mime="audio/mp4")

    expect(cell).to_contain_text(READY, timeout=20_000)
    expect(cell.locator("[data-status]")).to_have_attribute("data-status", "ready")
    assert page.evaluate("() => window.__sameDocument === true"), "the page reloaded"
    expect(page.locator("#live-hint")).to_be_hidden(timeout=5_000)


# --------------------------------------------------------------------------- 6. upload page


def test_upload_page_uploads_and_lists_the_recording(
    page: Page, shared_db: str, api: httpx.Client, media: MediaSet
) -> None:
    page.goto(f"{shared_db}/recordings/new")
    # The consent part of the form: both boxes required, no date in the future.
    expect(page.locator("fieldset.consent")).to_be_visible()
    for box in ("#consent_child", "#consent_custody"):
        expect(page.locator(box)).not_to_be_checked()
        expect(page.locator(box)).to_have_attribute("required", "")
    today = local_today()  # the municipality's date, not the machine's (UTC near midnight)
    expect(page.locator("#consent_date")).to_have_attribute("max", today.isoformat())
    delete_after = today + timedelta(days=30)
    page.fill("#title", "Samtale fra browseren")
    page.fill("#case_reference", "SAG-BROWSER")
    page.select_option("#language", "en")
    fill_consent(page, today - timedelta(days=2), delete_after)
    page.set_input_files("#file", str(media.encoded(FORMATS[5])))
    page.click("#upload-form button[type=submit]")
    page.wait_for_url(re.compile(r"/recordings\?uploaded=[0-9a-f]{32}$"))

    rid = page.url.rsplit("=", 1)[1]
    row = page.locator(f'tr[data-id="{rid}"]')
    expect(row).to_be_visible()
    expect(row).to_contain_text("Samtale fra browseren")
    expect(row).to_contain_text("SAG-BROWSER")
    expect(page.locator(".alert.success")).to_be_visible()
    stored = get_json(api, f"/api/v1/recordings/{rid}")
    assert stored["language"] == "en" and stored["title"] == "Samtale fra browseren"
    assert stored["delete_after"] == delete_after.isoformat(), stored


def test_upload_page_needs_consent_before_sending(
    page: Page, shared_db: str, media: MediaSet
) -> None:
    """Without the consent boxes the browser does not send the form at all."""
    page.goto(f"{shared_db}/recordings/new")
    page.fill("#title", "Uden samtykke")
    page.fill("#case_reference", "SAG-NOCONSENT")
    page.set_input_files("#file", str(media.encoded(FORMATS[5])))
    page.click("#upload-form button[type=submit]")
    assert page.url.endswith("/recordings/new")
    assert page.evaluate("() => document.getElementById('consent_child').matches(':invalid')")
    expect(page.locator("#upload-progress")).to_be_hidden()


def test_upload_page_shows_an_error_for_a_non_media_file(
    page: Page, shared_db: str, media: MediaSet
) -> None:
    page.goto(f"{shared_db}/recordings/new")
    error = page.locator("#upload-error")
    expect(error).to_be_hidden()
    page.fill("#title", "Ikke en video")
    page.fill("#case_reference", "SAG-PDF")
    fill_consent(page, date.today())
    page.set_input_files("#file", str(media.fake_pdf()))
    page.click("#upload-form button[type=submit]")

    expect(error).to_be_visible()
    expect(error).to_have_attribute("role", "alert")
    expect(error).to_contain_text("ikke en lyd- eller videooptagelse")
    assert page.url.endswith("/recordings/new")
    expect(page.locator("#upload-form button[type=submit]")).to_be_enabled()
    expect(page.locator("#upload-progress")).to_be_hidden()
    # What was typed is still there to try again with another file.
    expect(page.locator("#title")).to_have_value("Ikke en video")


# --------------------------------------------------------------------------- fixed bugs
# Each test below once pinned a bug found by this module (as an xfail); all are fixed now.


def test_segment_without_speaker_shows_no_badge(
    page: Page, shared_db: str, ready: dict[str, dict]
) -> None:
    """Was: app.css `.speaker {display: inline-block}` overrode the `hidden` attribute."""
    open_recording(page, shared_db, ready["m4a-aac"]["id"])  # never corrected in this module
    badge = page.locator("li.segment").first.locator(".speaker")
    expect(badge).to_have_attribute("hidden", "")
    box = badge.evaluate(
        "el => ({display: getComputedStyle(el).display, w: el.getBoundingClientRect().width})"
    )
    assert box == {"display": "none", "w": 0}, box


def test_upload_error_takes_keyboard_focus(page: Page, shared_db: str, media: MediaSet) -> None:
    """Was: #upload-error had no tabindex, so focus() on it left focus on <body>."""
    fill_in_a_pdf(page, f"{shared_db}/recordings/new", media)
    page.focus("#upload-form button[type=submit]")
    page.keyboard.press("Enter")
    expect(page.locator("#upload-error")).to_be_visible()
    focused = page.evaluate("() => document.activeElement.id || document.activeElement.tagName")
    assert focused == "upload-error", focused


def test_upload_error_does_not_reveal_server_paths(
    page: Page, shared_db: str, media: MediaSet
) -> None:
    """Was: the message shown carried ffprobe's stderr, with the temporary upload path."""
    fill_in_a_pdf(page, f"{shared_db}/recordings/new", media)
    page.click("#upload-form button[type=submit]")
    error = page.locator("#upload-error")
    expect(error).to_be_visible()
    message = error.inner_text()
    assert str(settings.resolved_data_dir) not in message, message
    assert ".part" not in message, message
    assert "/tmp" not in message and "ffprobe" not in message.lower(), message


# --------------------------------------------------------------------------- 7. screenshots


def _no_sideways_scroll(page: Page, what: str) -> None:
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{what}: page scrolls sideways by {overflow}px"


@pytest.mark.parametrize("size", list(VIEWPORTS), ids=list(VIEWPORTS))
def test_screenshots(
    browser: Browser,
    shared_db: str,
    media: MediaSet,
    ready: dict[str, dict],
    video: dict,
    size: str,
) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    width, height = VIEWPORTS[size]
    context = browser.new_context(viewport={"width": width, "height": height}, locale=LOCALE)
    page = context.new_page()
    errors = watch_errors(page)
    page.set_default_timeout(15_000)
    log_in(page, shared_db)
    shots: list[Path] = []

    def shot(name: str) -> None:
        path = ARTIFACTS / f"{name}-{size}.png"
        page.screenshot(path=str(path), full_page=True)
        shots.append(path)

    try:
        page.goto(f"{shared_db}/recordings")
        expect(page.locator("table.recordings")).to_be_visible()
        _no_sideways_scroll(page, "list page")
        shot("list")

        show_upload_error(page, f"{shared_db}/recordings/new", media)
        _no_sideways_scroll(page, "upload page")
        shot("upload-error")

        for name, rec in (("recording-video", video), ("recording-audio", ready["m4a-aac"])):
            open_recording(page, shared_db, rec["id"])
            segs = segments_of(page)
            middle = segs[1]["start"] + (segs[1]["end"] - segs[1]["start"]) / 2
            pause_at(page, middle)
            current = page.locator("li.segment.current")
            expect(current).to_have_count(1)
            expect(current).to_have_attribute("data-id", segs[1]["id"])
            if name == "recording-video":
                page.wait_for_function("() => document.getElementById('player').readyState >= 2")
            _no_sideways_scroll(page, name)
            layout = page.evaluate(
                """() => {
                    const box = sel => document.querySelector(sel).getBoundingClientRect();
                    const a = box('.player-pane'), b = box('.side-pane');
                    return {sideBySide: b.left >= a.right, stacked: b.top >= a.bottom}; }"""
            )
            # Two columns on a laptop, one above the other on a tablet held upright.
            assert layout["sideBySide"] if size == "laptop" else layout["stacked"], layout
            shot(name)
    finally:
        context.close()

    assert errors == [], errors
    for path in shots:
        assert path.stat().st_size > 5_000, path
    assert len(shots) == 4
