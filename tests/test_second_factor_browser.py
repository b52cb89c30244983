"""The second factor in Chromium, as a person meets it: the first login sets up the
authenticator from the page (the key read off it, the code typed with the keyboard), the
recovery codes, the person's own page, an administrator's pending removal and the demo
banner; at a laptop's and a phone's width, with axe, and screenshots to look at."""

from collections.abc import Iterator
from pathlib import Path

import pyotp
import pytest
from playwright.sync_api import Browser, Page, expect
from sqlmodel import select

from app.accounts import demo
from app.accounts.models import Role, SecondFactorRemoval, User
from app.core.db import session_scope
from tests.support.accounts import PASSWORD, make_user, user_id
from tests.support.browser import ARTIFACTS, LOCALE, axe_violations, log_in, watch_errors

pytestmark = pytest.mark.browser
SIZES = {"laptop": (1366, 768), "phone": (390, 844)}


@pytest.fixture
def tab(browser: Browser) -> Iterator[Page]:
    made = []

    def make(size: str) -> Page:
        width, height = SIZES[size]
        context = browser.new_context(
            viewport={"width": width, "height": height}, locale=LOCALE, bypass_csp=True
        )
        page = context.new_page()
        made.append((context, watch_errors(page)))
        page.set_default_timeout(15_000)
        return page

    yield make  # type: ignore[misc]
    for context, errors in made:
        context.close()
        assert errors == []


def shot(page: Page, name: str, axe: Path) -> Path:
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{name}: the page scrolls sideways by {overflow}px"
    assert axe_violations(page, axe) == [], name
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


@pytest.mark.parametrize("size", list(SIZES))
def test_setting_up_the_authenticator_in_the_browser(
    shared_db: str, tab: object, axe_js: Path, size: str
) -> None:
    email = f"ny-{size}@kommune.test"
    make_user(email, Role.caseworker)
    with session_scope() as session:  # as a new account has it: nothing set up yet
        person = session.exec(select(User).where(User.email == email)).one()
        person.totp_secret = person.totp_enrolled_at = None
        session.add(person)
    page: Page = tab(size)  # type: ignore[operator]
    page.goto(f"{shared_db}/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: "/login/second-factor" in url)
    expect(page.locator("figure.qr svg")).to_be_visible()
    # The code field has the focus: the person types the code and presses Enter.
    expect(page.locator("#code")).to_be_focused()
    shot(page, f"second-factor-set-up-{size}", axe_js)
    secret = page.locator("#totp-secret").get_attribute("data-secret")
    assert secret and page.locator("#totp-secret").inner_text().replace(" ", "") == secret
    page.keyboard.type("000000")
    page.keyboard.press("Enter")
    expect(page.locator("#code-error")).to_be_visible()
    expect(page.locator("figure.qr svg")).to_be_visible()  # the same key, set up again
    assert page.locator("#totp-secret").get_attribute("data-secret") == secret
    page.fill("#code", pyotp.TOTP(secret).now())
    page.keyboard.press("Enter")
    expect(page.locator("#recovery-codes li")).to_have_count(10)
    shot(page, f"second-factor-recovery-codes-{size}", axe_js)
    page.click("#continue")
    page.wait_for_url(lambda url: url.rstrip("/").endswith("/recordings"))
    page.goto(f"{shared_db}/account/second-factor")
    expect(page.locator("main")).to_contain_text("10 ubrugte gendannelseskoder")
    shot(page, f"second-factor-account-{size}", axe_js)


def test_the_code_page_the_removal_and_the_demo_banner(
    shared_db: str, tab: object, axe_js: Path
) -> None:
    page: Page = tab("laptop")  # type: ignore[operator]
    page.goto(f"{shared_db}/login")
    page.fill("#email", "carl@kommune.test")
    page.fill("#password", PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: "/login/second-factor" in url)
    expect(page.locator("#code")).to_be_focused()
    expect(page.locator("figure.qr")).to_have_count(0)  # set up already: just the code
    shot(page, "second-factor-code-laptop", axe_js)

    # An administrator proposed removing the supervisor's lost authenticator.
    proposer = make_user("admin-to@kommune.test", Role.administrator)
    with session_scope() as session:
        session.add(SecondFactorRemoval(user_id=user_id("supervisor"), proposed_by_id=proposer))
    admin: Page = tab("laptop")  # type: ignore[operator]
    log_in(admin, shared_db, "administrator")
    admin.goto(f"{shared_db}/admin/users")
    removals = admin.locator("#second-factor-removals")
    expect(removals).to_contain_text("Søren Supervisor")
    expect(removals).to_contain_text("videosparring second-factor approve")  # two admins
    shot(admin, "second-factor-removal-admin-laptop", axe_js)

    with session_scope() as session:
        demo.turn_on(session)
    try:
        phone: Page = tab("phone")  # type: ignore[operator]
        phone.goto(f"{shared_db}/login")
        expect(phone.locator("#demo-banner")).to_be_visible()
        shot(phone, "demo-banner-phone", axe_js)
    finally:
        with session_scope() as session:
            demo.turn_off(session)
            for email in ("admin-to@kommune.test",):
                for user in session.exec(select(User).where(User.email == email)):
                    session.delete(user)
