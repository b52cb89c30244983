"""The player's keys in Chromium, pressed as a person presses them (issue 19): K and Space
play and pause, J / L skip; `?` opens the list of keys as a modal dialog that Esc closes,
focus going back where it was, on the recording, clip and session pages; the feedback
form by keys alone (F, a digit, T for the kind, Ctrl+Enter to save) with times in the
page's decimal sign (Danish 0:06,5, English 0:06.5); and correcting the transcript in
correction mode: E, arrows, Enter to edit, Enter to save and go on, Alt+R / R to hear the
line again, A to mark it checked, with the page's count of checked lines.

Set-up as in test_feedback_browser.py: ready recordings from tests/support/factories.py, the
live server and this process share the SQLite file (`shared_db`)."""

from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.support import ROOT
from tests.support.accounts import user_id
from tests.support.browser import LOCALE, axe_violations, load_player, log_in
from tests.support.clips import cut_clips, make_clip
from tests.support.factories import CONVERSATION, ready_recording
from tests.support.media import MediaSet
from tests.support.sessions import plan

pytestmark = pytest.mark.browser

PLAYER = "document.getElementById('player')"
SHOTS = ROOT / "test-artifacts" / "keys"  # screenshots for people to look at


@pytest.fixture(scope="module")
def recording(api: httpx.Client, media: MediaSet) -> str:
    """The caseworker's ready recording (the seven lines of CONVERSATION), shared with the
    supervisor."""
    rid = ready_recording(api, media, seconds=60, title="Samtale om skolen")
    shared = api.post(f"/api/v1/recordings/{rid}/shares", json={"user_id": user_id("supervisor")})
    assert shared.status_code == 201, shared.text
    return rid


def ready_to_play(page: Page) -> None:
    load_player(page)  # players load nothing before play (preload="none")
    page.evaluate(f"{PLAYER}.muted = true")


def seek_paused(page: Page, seconds: float) -> None:
    page.evaluate(
        "t => new Promise(done => { const p = document.getElementById('player'); p.pause();"
        " if (Math.abs(p.currentTime - t) < 0.001) return done();"
        " p.addEventListener('seeked', done, {once: true}); p.currentTime = t; })",
        seconds,
    )


def paused(page: Page) -> bool:
    return bool(page.evaluate(f"{PLAYER}.paused"))


def wait_playing(page: Page) -> None:
    page.wait_for_function(f"() => !{PLAYER}.paused")


def wait_paused(page: Page) -> None:
    page.wait_for_function(f"() => {PLAYER}.paused")


def focused(page: Page) -> str:
    """The focused element, as `tag#id.class`."""
    return str(
        page.evaluate(
            "() => { const el = document.activeElement;"
            " return el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')"
            " + (el.className && typeof el.className === 'string'"
            "    ? '.' + el.className.trim().split(/\\s+/).join('.') : ''); }"
        )
    )


def segments(api: httpx.Client, rid: str) -> list[dict]:
    answer = api.get(f"/api/v1/recordings/{rid}/transcript")
    assert answer.status_code == 200, answer.text
    return list(answer.json()["segments"])


# ------------------------------------------------------------------------- playing


def test_play_pause_and_skip_keys_never_fire_while_typing(
    recording: str, tab_for: Callable[..., Page], shared_db: str
) -> None:
    page = tab_for("supervisor")
    page.goto(f"{shared_db}/recordings/{recording}")
    ready_to_play(page)
    assert focused(page) == "body"
    page.keyboard.press("k")
    wait_playing(page)
    page.keyboard.press("k")
    wait_paused(page)
    page.keyboard.press("Space")  # where no control has the focus
    wait_playing(page)
    page.keyboard.press("Space")
    wait_paused(page)
    assert page.evaluate("window.scrollY") == 0  # Space played; it did not scroll the page
    expect(page.locator("#keys-button")).to_be_visible()

    seek_paused(page, 20.0)
    page.keyboard.press("l")
    page.wait_for_function(f"() => Math.abs({PLAYER}.currentTime - 25) < 0.01")
    page.keyboard.press("j")
    page.keyboard.press("j")
    page.wait_for_function(f"() => Math.abs({PLAYER}.currentTime - 15) < 0.01")

    # Typing in a field is typing: k, j, l and Space are letters there.
    page.keyboard.press("f")
    expect(page.locator("#feedback-form")).to_be_visible()
    page.locator("#fb-text").focus()
    page.keyboard.type("kl j k")
    expect(page.locator("#fb-text")).to_have_value("kl j k")
    assert paused(page)
    assert abs(float(page.evaluate(f"{PLAYER}.currentTime")) - 15) < 0.01
    page.keyboard.press("Escape")  # closes the form, also from the text
    expect(page.locator("#feedback-form")).to_be_hidden()

    # A range without the mouse: F pauses and opens the form, K plays on, O marks the end.
    seek_paused(page, 30.0)
    page.keyboard.press("f")
    expect(page.locator("#fb-start")).to_have_value("0:30")
    page.keyboard.press("k")
    wait_playing(page)
    page.wait_for_function(f"() => {PLAYER}.currentTime > 31.5")
    page.keyboard.press("o")
    end = page.input_value("#fb-end")
    assert end.startswith(("0:31,", "0:32", "0:33")), end
    page.keyboard.press("k")
    wait_paused(page)
    page.keyboard.press("Escape")
    expect(page.locator("#feedback-form")).to_be_hidden()


# ---------------------------------------------------------------------- the key list


def test_question_mark_opens_the_list_of_keys_and_escape_gives_focus_back(
    recording: str, tab_for: Callable[..., Page], shared_db: str
) -> None:
    page = tab_for("caseworker")
    page.goto(f"{shared_db}/recordings/{recording}")
    ready_to_play(page)
    dialog = page.locator("#keys-help")
    expect(dialog).to_be_hidden()
    page.locator("#tab-transcript").focus()
    page.keyboard.press("?")
    expect(dialog).to_be_visible()
    assert page.evaluate("document.getElementById('keys-help').matches(':modal')")
    assert page.evaluate("document.getElementById('keys-help').contains(document.activeElement)")
    expect(dialog).to_contain_text("Tastaturgenveje")
    for words in (
        "Afspil eller pause",
        "Ctrl+Enter",
        "Typen: styrke",
        "Rettetilstand til eller fra",
    ):
        expect(dialog).to_contain_text(words)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "key-list-laptop.png"))
    # The page's keys rest while the dialog is open.
    page.keyboard.press("k")
    page.keyboard.press("f")
    assert paused(page)
    expect(page.locator("#feedback-form")).to_be_hidden()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(page.locator("#tab-transcript")).to_be_focused()
    assert paused(page)

    # The button under the player opens it too, by keyboard; its close button closes it.
    page.locator("#keys-button").focus()
    page.keyboard.press("Enter")
    expect(dialog).to_be_visible()
    expect(page.locator("#keys-close")).to_be_focused()
    page.keyboard.press("Enter")
    expect(dialog).to_be_hidden()
    expect(page.locator("#keys-button")).to_be_focused()


def test_the_open_list_of_keys_has_no_serious_axe_violations(
    recording: str, browser: Browser, shared_db: str, axe_js: Path
) -> None:
    context = browser.new_context(
        viewport={"width": 1366, "height": 768}, locale=LOCALE, bypass_csp=True
    )
    try:
        page = context.new_page()
        log_in(page, shared_db, "caseworker")
        page.goto(f"{shared_db}/recordings/{recording}")
        page.keyboard.press("?")
        expect(page.locator("#keys-help")).to_be_visible()
        assert axe_violations(page, axe_js) == []
    finally:
        context.close()


def test_the_keys_work_on_the_clip_and_session_pages(
    recording: str, api: httpx.Client, tab_for: Callable[..., Page], shared_db: str
) -> None:
    clip_id = make_clip(api, recording, start=10.0, end=25.0, title="Skolen")  # type: ignore[arg-type]
    assert cut_clips() == ["succeeded"]
    session_id = plan(api, recording, [user_id("supervisor")])["id"]
    page = tab_for("caseworker")
    for path in (f"/clips/{clip_id}", f"/sessions/{session_id}"):
        page.goto(f"{shared_db}{path}")
        ready_to_play(page)
        if path.startswith("/sessions/"):  # play goes through the room: wait until it is joined
            expect(page.locator("#live-present li")).to_have_count(1)
        page.keyboard.press("?")
        dialog = page.locator("#keys-help")
        expect(dialog).to_be_visible()
        expect(dialog).to_contain_text("Afspil eller pause")
        # Correcting is the recording page's: not listed where no line can be corrected.
        expect(page.locator("#keys-correction")).to_have_count(0)
        page.keyboard.press("Escape")
        expect(dialog).to_be_hidden()
        page.keyboard.press("k")
        wait_playing(page)
        page.keyboard.press("k")
        wait_paused(page)
        # The feedback form by keys, its time to the tenth with a comma.
        seek_paused(page, 3.5)
        page.keyboard.press("f")
        expect(page.locator("#feedback-form")).to_be_visible()
        expect(page.locator("#fb-start")).to_have_value("0:03,5")
        page.keyboard.press("Escape")
        expect(page.locator("#feedback-form")).to_be_hidden()


# -------------------------------------------------------------------------- feedback


def test_feedback_by_keys_alone_saved_with_ctrl_enter_in_danish_decimals(
    recording: str, api: httpx.Client, tab_for: Callable[..., Page], shared_db: str
) -> None:
    page = tab_for("supervisor")
    page.goto(f"{shared_db}/recordings/{recording}")
    ready_to_play(page)
    seek_paused(page, 6.5)
    page.keyboard.press("f")
    expect(page.locator("#feedback-form")).to_be_visible()
    expect(page.locator("#fb-start")).to_have_value("0:06,5")
    expect(page.locator("#feedback-form-title")).to_contain_text("0:06,5")
    expect(page.locator("#feedback-status")).to_contain_text("0:06,5")
    seek_paused(page, 9.25)
    page.keyboard.press("o")
    expect(page.locator("#fb-end")).to_have_value("0:09,3")
    page.keyboard.press("2")
    expect(page.locator("#fb-criteria input[data-number='2']")).to_be_checked()
    # T picks the kind: one press, wherever the focus is in the form; Shift+T goes back.
    page.keyboard.press("t")
    kinds = page.locator(".kind-pick input[name=kind]")
    expect(kinds.nth(0)).to_be_checked()
    expect(kinds.nth(0)).to_be_focused()
    page.keyboard.press("t")
    page.keyboard.press("t")
    expect(kinds.nth(2)).to_be_checked()
    page.keyboard.press("Shift+T")
    expect(kinds.nth(1)).to_be_checked()
    kind = kinds.nth(1).get_attribute("value")
    page.keyboard.press("Tab")  # from the kind to the text
    expect(page.locator("#fb-text")).to_be_focused()
    page.keyboard.type("Godt åbent spørgsmål; prøv at vente lidt længere på svaret.")
    expect(kinds.nth(1)).to_be_checked()  # the t's typed were text
    with page.expect_response(
        lambda r: r.request.method == "POST" and "/feedback" in r.url
    ) as sent:
        page.keyboard.press("Control+Enter")
    assert sent.value.status == 201, sent.value.text()
    expect(page.locator("#feedback-form")).to_be_hidden()
    item = sent.value.json()
    assert (item["start_seconds"], item["end_seconds"], item["kind"]) == (6.5, 9.3, kind)
    assert item["text"].startswith("Godt åbent spørgsmål")
    marker = page.locator(f"#marker-list .marker.kind-{kind}")
    expect(marker).to_have_count(1)
    marker.focus()
    expect(page.locator("#marker-tip")).to_contain_text("0:06,5–0:09,3")

    # In English, the decimal point.
    page.goto(f"{shared_db}/recordings/{recording}?lang=en")
    ready_to_play(page)
    seek_paused(page, 6.5)
    page.keyboard.press("f")
    expect(page.locator("#fb-start")).to_have_value("0:06.5")
    page.keyboard.press("Escape")
    page.goto(f"{shared_db}/recordings/{recording}?lang=da")


# ------------------------------------------------------------------- correction mode


def test_correction_mode_without_a_mouse(
    api: httpx.Client, media: MediaSet, tab_for: Callable[..., Page], shared_db: str
) -> None:
    rid = ready_recording(api, media, seconds=60, title="Rettes linje for linje")
    lines = segments(api, rid)
    assert len(lines) == len(CONVERSATION) == 7
    page = tab_for("caseworker")
    page.goto(f"{shared_db}/recordings/{rid}")
    ready_to_play(page)
    count, bar = page.locator("#checked-count"), page.locator("#checked-bar")
    expect(count).to_have_text("0 af 7 linjer tjekket")
    li = [page.locator(f"#seg-{s['id']}") for s in lines]

    # E: correction mode; the transcript shows, the first line not checked is chosen.
    page.keyboard.press("e")
    expect(page.locator("#correction-toggle")).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#transcript-panel")).to_be_visible()
    expect(page.locator("#correction-keys")).to_be_visible()
    expect(li[0]).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(li[1]).to_be_focused()
    page.keyboard.press("ArrowUp")
    expect(li[0]).to_be_focused()

    # Enter edits the line, which plays from its start.
    page.keyboard.press("Enter")
    text = li[0].locator("textarea")
    expect(text).to_be_focused()
    wait_playing(page)
    assert float(page.evaluate(f"{PLAYER}.currentTime")) >= lines[0]["start"] - 0.01
    page.keyboard.press("Control+A")
    page.keyboard.type("Hej, jeg hedder Mette, og jeg er din rådgiver her på kontoret.")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "correction-mode-laptop.png"))
    # Enter saves it, marks it checked and edits the next line, which plays.
    with page.expect_response(lambda r: r.request.method == "PATCH") as saved:
        page.keyboard.press("Enter")
    assert saved.value.status == 200, saved.value.text()
    expect(count).to_have_text("1 af 7 linjer tjekket")
    assert bar.evaluate("b => b.value") == 1
    expect(li[0].locator(".text")).to_have_text(
        "Hej, jeg hedder Mette, og jeg er din rådgiver her på kontoret."
    )
    expect(li[0].locator(".checked-mark")).to_be_visible()
    expect(li[0].locator("details.edit")).not_to_have_attribute("open", "")
    expect(li[1].locator("textarea")).to_be_focused()
    page.wait_for_function(
        f"t => {PLAYER}.currentTime >= t - 0.01 && !{PLAYER}.paused", arg=lines[1]["start"]
    )
    first = segments(api, rid)[0]
    assert (first["corrected"], first["checked"]) == (True, True)

    # Alt+R, while typing: the line being edited plays again from its start.
    seek_paused(page, 40.0)
    page.keyboard.press("Alt+r")
    page.wait_for_function(
        f"t => {PLAYER}.currentTime >= t - 0.01 && {PLAYER}.currentTime < t + 2",
        arg=lines[1]["start"],
    )
    expect(li[1].locator("textarea")).to_have_value(lines[1]["text"])  # no "®" typed
    # The line plays to its end and stops there.
    page.evaluate(f"{PLAYER}.playbackRate = 2")
    wait_paused(page)
    at = float(page.evaluate(f"{PLAYER}.currentTime"))
    assert lines[1]["end"] - 0.01 <= at < lines[1]["end"] + 1.5, at
    page.evaluate(f"{PLAYER}.playbackRate = 1")

    # Esc stops editing without saving; the line keeps the focus.
    page.keyboard.type(" noget der ikke gemmes")
    page.keyboard.press("Escape")
    expect(li[1]).to_be_focused()
    expect(li[1].locator("details.edit")).not_to_have_attribute("open", "")
    expect(li[1].locator("textarea")).to_have_value(lines[1]["text"])
    assert segments(api, rid)[1]["checked"] is False

    # A marks the chosen line checked and goes on; R plays the line chosen now.
    page.keyboard.press("a")
    expect(count).to_have_text("2 af 7 linjer tjekket")
    expect(li[2]).to_be_focused()
    seek_paused(page, 50.0)
    page.keyboard.press("r")
    page.wait_for_function(
        f"t => {PLAYER}.currentTime >= t - 0.01 && {PLAYER}.currentTime < t + 2",
        arg=lines[2]["start"],
    )
    page.keyboard.press("k")  # pause: the line is heard
    wait_paused(page)
    # A again on a checked line takes the mark back.
    page.keyboard.press("ArrowUp")
    expect(li[1]).to_be_focused()
    page.keyboard.press("a")
    expect(count).to_have_text("1 af 7 linjer tjekket")
    expect(li[1].locator(".checked-mark")).to_be_hidden()
    page.keyboard.press("a")
    expect(count).to_have_text("2 af 7 linjer tjekket")
    checked = [s["checked"] for s in segments(api, rid)]
    assert checked == [True, True, False, False, False, False, False]

    # Esc leaves the mode; the count is the server's after a reload too.
    page.keyboard.press("Escape")
    expect(page.locator("#correction-toggle")).to_have_attribute("aria-pressed", "false")
    expect(page.locator("#correction-toggle")).to_be_focused()
    expect(page.locator("#correction-keys")).to_be_hidden()
    page.reload()
    expect(page.locator("#checked-count")).to_have_text("2 af 7 linjer tjekket")
    assert page.locator("#checked-bar").evaluate("b => b.value") == 2
    expect(page.locator("#transcript .segment.checked")).to_have_count(2)

    # Outside the mode a line's own form still saves, with Ctrl+Enter too; checked stays.
    page.locator("#tab-transcript").click()
    li[0].locator("details.edit summary").click()
    li[0].locator("textarea").fill("Hej, jeg hedder Mette.")
    with page.expect_response(lambda r: r.request.method == "PATCH") as saved:
        page.keyboard.press("Control+Enter")
    assert saved.value.status == 200, saved.value.text()
    expect(li[0].locator(".save-status")).to_have_text("Gemt")
    first = segments(api, rid)[0]
    assert (first["text"], first["checked"]) == ("Hej, jeg hedder Mette.", True)
    expect(page.locator("#checked-count")).to_have_text("2 af 7 linjer tjekket")
