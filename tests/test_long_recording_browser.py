"""A one-hour recording: seeking near its end plays at once, without downloading it all.

The subject is how the media is served, not the transcript: an hour of silence through
Whisper would only cost time. The worker plays a faststart H.264/AAC MP4 as it is (its
rendition plan says so, checked here), so the factory makes the upload ready with that
same original as the playable file and an empty transcript."""

import time
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from app.media.probe import probe
from tests.support.accounts import live_client
from tests.support.browser import load_player
from tests.support.factories import make_ready
from tests.support.media import H264, MediaSet, ffmpeg
from tests.support.recordings import upload
from workers.media import plan_rendition


def one_hour_video(media: MediaSet) -> Path:
    """An hour of small H.264 video with quiet audio; the browser must not fetch it all."""
    return media.made(
        "one-hour.mp4",
        lambda path: ffmpeg(
            *("-f", "lavfi", "-i", "testsrc2=size=160x120:rate=5:duration=3600"),
            *("-f", "lavfi", "-i", "anullsrc=r=16000:cl=mono", "-t", "3600"),
            *(*H264, "-preset", "ultrafast", "-g", "50"),
            *("-c:a", "aac", "-b:a", "32k", "-movflags", "+faststart"),
            path,
        ),
    )


@pytest.mark.browser
def test_seeking_near_the_end_of_an_hour_starts_at_once(
    live_server: str, sqlite_db: str, media: MediaSet, browser: Browser
) -> None:
    source = one_hour_video(media)
    api = live_client(live_server, timeout=60)
    created = upload(api, source, title="En times samtale", case_reference="SAG-60", language="da")
    assert created.status_code == 201, created.text
    recording = created.json()
    assert recording["duration_seconds"] == pytest.approx(3600, abs=1)
    plan, mime = plan_rendition(source, probe(source))
    assert plan.copy_original and mime == "video/mp4", (plan, mime)
    make_ready(recording["id"], lines=(), playable_mime=mime)

    context = browser.new_context(locale="da-DK")
    context.add_cookies(
        [{"name": k, "value": v, "url": live_server} for k, v in api.cookies.items()]
    )
    page = context.new_page()
    # Bytes that really arrived (a "bytes=0-" answer announces the whole file, then is cut).
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    media_requests: set[str] = set()
    received = {"bytes": 0}
    cdp.on(
        "Network.requestWillBeSent",
        lambda e: media_requests.add(e["requestId"]) if "/media" in e["request"]["url"] else None,
    )
    cdp.on(
        "Network.dataReceived",
        lambda e: (
            received.__setitem__("bytes", received["bytes"] + e["dataLength"])
            if e["requestId"] in media_requests
            else None
        ),
    )
    page.goto(f"{live_server}/recordings/{recording['id']}")
    load_player(page)
    before = received["bytes"]

    started = time.monotonic()
    page.evaluate("""() => { const p = document.getElementById('player');
                              p.muted = true; p.currentTime = 3540; return p.play(); }""")
    page.wait_for_function(
        "() => { const p = document.getElementById('player');"
        " return p.currentTime > 3541 && !p.paused && p.readyState >= 3; }",
        timeout=15000,
    )
    waited = time.monotonic() - started
    total = recording["size_bytes"]
    fetched = received["bytes"]
    context.close()
    # Range requests: the header, then bytes near the seek point, not the whole hour.
    print(f"fetched {fetched} of {total} bytes ({before} before the seek) in {waited:.2f} s")
    assert fetched < total * 0.25, (fetched, total, before)
    assert waited < 10, waited
