"""The upload page over a network that fails (issue 21): in Chromium, on a link slowed to a
mobile connection's pace (a proxy in front of the server), the upload shows its progress
with speed and time left, is paused and resumed, survives the network going away (offline
emulation) and the page being reloaded, and the recording arrives whole. Screenshots of
each state go to test-artifacts/upload/.
"""

import hashlib
import re
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.support.browser import ARTIFACTS, fill_consent, get_json
from tests.support.media import MediaSet
from tests.support.slow_link import SlowLink

SHOTS = ARTIFACTS / "upload"
# Bytes per second the browser may send: some 20 s for the file, long enough to cut.
UPLOAD_PACE = 1_200_000


@pytest.fixture
def slow_link(shared_db: str) -> Iterator[SlowLink]:
    """The live server behind a mobile connection's uplink (`tests/support/slow_link.py`)."""
    link = SlowLink(shared_db, UPLOAD_PACE)
    try:
        yield link
    finally:
        link.close()


def _fill_form(page: Page, base: str, title: str, path: Path) -> None:
    page.goto(f"{base}/recordings/new")
    page.fill("#title", title)
    page.fill("#case_reference", "SAG-NET")
    page.select_option("#language", "en")
    fill_consent(page, date.today() - timedelta(days=1))
    page.set_input_files("#file", str(path))


def _percent(page: Page) -> float:
    return float(page.locator("#upload-progress").evaluate("bar => bar.value"))


def _wait_for_percent(page: Page, at_least: float) -> None:
    page.wait_for_function(
        "n => document.getElementById('upload-progress').value >= n", arg=at_least, timeout=60_000
    )


def _arrived(page: Page, api: httpx.Client, path: Path, title: str) -> dict[str, object]:
    page.wait_for_url(re.compile(r"/recordings\?uploaded=[0-9a-f]{32}$"), timeout=90_000)
    rid = page.url.rsplit("=", 1)[1]
    recording = get_json(api, f"/api/v1/recordings/{rid}")
    assert recording["title"] == title
    assert recording["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert recording["size_bytes"] == path.stat().st_size
    return dict(recording)


def _nothing_kept_in_the_browser(page: Page) -> None:
    """The file's copy in IndexedDB and tus's note of the upload are gone once it is in."""
    kept = page.evaluate(
        """async () => {
            const { openStore } = await import('/static/pending.js');
            const store = await openStore('uploads');
            return [(await store.keys()).length,
                    Object.keys(localStorage).filter((k) => k.startsWith('tus::')).length];
        }"""
    )
    assert kept == [0, 0]


def test_an_upload_shows_its_pace_pauses_and_survives_the_network_going_away(
    tab_for: Callable[..., Page], slow_link: SlowLink, api: httpx.Client, media: MediaSet
) -> None:
    path = media.tone(60)
    page = tab_for("caseworker")
    _fill_form(page, slow_link.base, "Upload over mobilnettet", path)
    page.click("#upload-form button[type=submit]")
    status = page.locator("#upload-status")
    # The pace and the time left, in Danish, once a second of it has been measured.
    expect(status).to_contain_text(re.compile(r"MB/s|kB/s"), timeout=20_000)
    expect(status).to_contain_text("tilbage")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / "1-progress.png", full_page=True)

    # Paused: the bar stands still, and the button to go on has the focus.
    _wait_for_percent(page, 15)
    page.click("#upload-pause")
    expect(status).to_contain_text("pause")
    expect(page.locator("#upload-resume")).to_be_focused()
    held = _percent(page)
    page.wait_for_timeout(1500)  # a time with nothing sent: the bar must not move in it
    assert _percent(page) == held
    page.keyboard.press("Enter")  # Resume, from the keyboard
    expect(page.locator("#upload-pause")).to_be_visible()

    # The network goes away mid-chunk; the page says so, and goes on by itself once back.
    _wait_for_percent(page, held + 15)
    page.context.set_offline(True)  # Chromium's offline emulation: the request in flight fails
    expect(status).to_contain_text("Forbindelsen er afbrudt", timeout=20_000)
    page.screenshot(path=SHOTS / "2-offline.png", full_page=True)
    cut_at = _percent(page)
    page.context.set_offline(False)
    # Back: it goes on by itself from what the server kept, at the link's pace.
    expect(status).to_contain_text(re.compile(r"%.*B/s"), timeout=30_000)  # the pace again
    assert cut_at - 2 <= _percent(page) < 95
    page.screenshot(path=SHOTS / "3-resumed-after-the-cut.png", full_page=True)
    _arrived(page, api, path, "Upload over mobilnettet")
    _nothing_kept_in_the_browser(page)


def test_a_reloaded_page_goes_on_with_its_upload_by_itself(
    tab_for: Callable[..., Page], slow_link: SlowLink, api: httpx.Client, media: MediaSet
) -> None:
    """Reloaded halfway (or the tab closed and opened again): the page finds its upload,
    fills in the form again, and sends the rest without being asked; the server gets the
    file whole, once."""
    path = media.tone(60)
    page = tab_for("caseworker")
    _fill_form(page, slow_link.base, "Genoptaget efter genindlæsning", path)
    page.click("#upload-form button[type=submit]")
    _wait_for_percent(page, 30)
    page.reload()
    expect(page.locator("#upload-notice")).to_contain_text("Fortsætter", timeout=20_000)
    expect(page.locator("#title")).to_have_value("Genoptaget efter genindlæsning")
    # It goes on from where the server has it, not from the start.
    page.wait_for_function("() => document.getElementById('upload-progress').value >= 30")
    page.set_viewport_size({"width": 390, "height": 844})  # as on the phone it may be sent from
    page.screenshot(path=SHOTS / "4-resumed-after-reload-phone.png", full_page=True)
    recording = _arrived(page, api, path, "Genoptaget efter genindlæsning")
    assert recording["original_filename"] == path.name
    _nothing_kept_in_the_browser(page)
    listed = get_json(api, "/api/v1/recordings")["data"]
    assert sum(1 for r in listed if r["title"] == "Genoptaget efter genindlæsning") == 1
