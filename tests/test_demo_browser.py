"""The demo in Chromium: on an empty database the start command's set-up (`demo-users`)
makes Kasper Kollega, who logs in with the printed password (no second factor in demo
mode), finds Team Nord's planned session on the sessions page and the clip the team was
given through his notification of it, and opens both: the player and the given transcript
with its search are there. Its own module: it empties the shared database (shared_db
restores it when the module ends)."""

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlmodel import select

from app.accounts.models import User
from app.cli import main as cli
from app.core.config import settings
from app.core.db import session_scope
from app.demo import content
from tests.support import ROOT
from tests.support.browser import LOCALE, axe_violations, watch_errors

pytestmark = pytest.mark.browser

SHOTS = ROOT / "test-artifacts" / "demo"
CLIP_TITLE = content.CLIP[0]


@pytest.fixture(scope="module")
def logins(shared_db: str) -> dict[str, str]:
    """The demo, made on the emptied shared database; the printed passwords by e-mail."""
    with session_scope() as session:
        for user in session.exec(select(User)):
            session.delete(user)
    cli(["demo-users"])
    lines = (settings.resolved_data_dir / "demo-logins.txt").read_text().splitlines()
    return {line.split()[1]: line.split()[2] for line in lines}


@pytest.fixture(scope="module")
def kasper(logins: dict[str, str]) -> str:
    return logins["kasper@demo.local"]


@contextmanager
def as_kasper(
    browser: Browser,
    base: str,
    password: str,
    size: tuple[int, int] = (1366, 768),
    email: str = "kasper@demo.local",
) -> Iterator[Page]:
    """A demo account (Kasper unless told) logged in through the real form; the test fails
    on a script error. (The context lets axe in, as tests/support/browser.py `axe_page`.)"""
    context = browser.new_context(
        viewport={"width": size[0], "height": size[1]}, locale=LOCALE, bypass_csp=True
    )
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    errors = watch_errors(tab)
    try:
        tab.goto(f"{base}/login")
        expect(tab.locator("#demo-banner")).to_be_visible()
        tab.fill("#email", email)
        tab.fill("#password", password)
        tab.click("form[action='/login'] button[type=submit]")
        tab.wait_for_url(lambda url: "/login" not in url)  # no second factor in demo mode
        yield tab
    finally:
        context.close()
    assert errors == [], f"script or console errors on the page: {errors}"


def open_session(tab: Page, base: str, lang: str = "da") -> None:
    tab.goto(f"{base}/sessions")
    # The planned team session on the clip: its time is the link.
    link = tab.locator("li", has_text=CLIP_TITLE).get_by_role("link").first
    expect(link).to_be_visible()
    link.click()
    tab.wait_for_url(lambda url: "/sessions/" in url)
    tab.goto(f"{tab.url.split('?')[0]}?lang={lang}")


def open_clip(tab: Page, base: str, lang: str = "da") -> None:
    """A clip shared with a team is found through its notification (the recordings list
    holds recordings; the clip alone is what the team sees)."""
    tab.goto(f"{base}/notifications")
    link = tab.locator("li", has_text=CLIP_TITLE).get_by_role("link").first
    expect(link).to_be_visible()
    link.click()
    tab.wait_for_url(lambda url: "/clips/" in url)
    tab.goto(f"{tab.url.split('?')[0]}?lang={lang}")


def test_kasper_finds_the_team_session_and_its_clip(
    browser: Browser, shared_db: str, kasper: str
) -> None:
    with as_kasper(browser, shared_db, kasper) as tab:
        open_session(tab, shared_db)
        main = tab.locator("main")
        expect(main).to_contain_text(content.SESSION_QUESTION)
        expect(main).to_contain_text("Søren Supervisor")  # who takes part
        expect(tab.locator("#player")).to_be_attached()

        open_clip(tab, shared_db)
        tab.wait_for_function(
            "() => { const p = document.getElementById('player'); p.preload = 'auto';"
            " return p.readyState >= 1 && p.duration > 20; }"
        )
        if tab.locator("#tab-transcript").is_visible():  # the side pane's tabs
            tab.click("#tab-transcript")
        tab.locator("#transcript-search-input").fill("LILLEBROR")
        expect(tab.locator("#transcript-search-count")).to_have_text("1 af 1 fund")
        expect(tab.locator("#transcript .segment.search-hit")).to_contain_text(
            "Jeg laver mad til min lillebror."
        )


@pytest.mark.parametrize("lang", ["da", "en"])
def test_demo_pages_screenshots_and_axe(
    browser: Browser, shared_db: str, kasper: str, axe_js: object, lang: str
) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    for size in ((1366, 768), (390, 844)):
        with as_kasper(browser, shared_db, kasper, size) as tab:
            name = f"{lang}-{size[0]}x{size[1]}"
            tab.goto(f"{shared_db}/sessions?lang={lang}")
            expect(tab.locator("li", has_text=CLIP_TITLE)).to_be_visible()
            tab.screenshot(path=str(SHOTS / f"demo-sessions-{name}.png"))
            open_session(tab, shared_db, lang)
            assert axe_violations(tab, axe_js) == []  # type: ignore[arg-type]
            tab.screenshot(path=str(SHOTS / f"demo-session-{name}.png"), full_page=True)
            open_clip(tab, shared_db, lang)
            tab.click("#tab-transcript")
            tab.fill("#transcript-search-input", "mad")
            tab.press("#transcript-search-input", "Enter")
            expect(tab.locator("#transcript .search-current")).to_have_count(1)
            assert axe_violations(tab, axe_js) == []  # type: ignore[arg-type]
            tab.screenshot(path=str(SHOTS / f"demo-clip-{name}.png"), full_page=True)


@pytest.mark.parametrize("lang", ["da", "en"])
def test_saras_demo_recording_screenshots(
    browser: Browser, shared_db: str, logins: dict[str, str], lang: str
) -> None:
    """Sara's recording: Søren's feedback on the criteria, the given transcript and where it
    came from."""
    email = "sagsbehandler@demo.local"
    for size in ((1366, 768), (390, 844)):
        with as_kasper(browser, shared_db, logins[email], size, email=email) as tab:
            name = f"{lang}-{size[0]}x{size[1]}"
            tab.goto(f"{shared_db}/recordings?lang={lang}")
            tab.get_by_role("link", name=content.TITLE).first.click()
            tab.wait_for_url(lambda url: "/recordings/" in url)
            tab.goto(f"{tab.url.split('?')[0]}?lang={lang}")
            expect(tab.locator("#feedback-list > .fb")).to_have_count(len(content.FEEDBACK))
            given = "demo-optagelsen" if lang == "da" else "demo recording"
            expect(tab.locator("main")).to_contain_text(given)
            tab.screenshot(path=str(SHOTS / f"demo-recording-{name}.png"), full_page=True)
            tab.click("#tab-transcript")
            # Not "made by a machine": the demo's lines were written by a person.
            expect(tab.locator("#transcript-panel .hint").first).to_contain_text(given)
            expect(tab.locator("#transcript .segment")).to_have_count(len(content.LINES))
            tab.locator("#transcript-panel").screenshot(
                path=str(SHOTS / f"demo-transcript-{name}.png")
            )
