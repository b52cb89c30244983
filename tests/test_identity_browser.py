"""Sign-in through the municipality's identity provider in Chromium: the real login page,
the real provider (oidc-provider on loopback) and its forms, back to the recordings, and
logging out here and there. The live server here is the module's own, started with the
provider's settings; it shares this process's SQLite file."""

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, expect

from tests.support.browser import LOCALE, watch_errors
from tests.support.database import restore, using
from tests.support.identity import provider_env, running_provider
from tests.support.servers import app_env, free_port, serving

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def sites(sqlite_url: str) -> Iterator[tuple[str, str]]:
    """(the app's base URL, the provider's issuer)."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with running_provider([base]) as idp, using(sqlite_url):
        restore(sqlite_url)
        env = app_env(SPARRING_DATABASE_URL=sqlite_url, **provider_env(idp.issuer))
        try:
            with serving(env, port=port):
                yield base, idp.issuer
        finally:
            restore(sqlite_url)


def test_sign_in_and_out_through_the_municipality(browser: Browser, sites: tuple[str, str]) -> None:
    base, issuer = sites
    context = browser.new_context(locale=LOCALE)
    page = context.new_page()
    errors = watch_errors(page)
    page.set_default_timeout(15_000)
    try:
        page.goto(f"{base}/login")
        page.click("#identity-login")
        page.wait_for_url(f"{issuer}/interaction/**")
        page.fill("#login", "kari")
        page.click("button[type=submit]")
        page.click("button[type=submit]")  # allow access
        page.wait_for_url(f"{base}/recordings")
        expect(page.locator("header")).to_contain_text("Kari Kommune")
        # Logging out ends the session here and sends the browser to the provider, which
        # asks, signs out and sends it back to our login page.
        page.click("form[action='/logout'] button")
        page.wait_for_url(f"{issuer}/session/end**")
        page.click("button[name=logout]")
        page.wait_for_url(f"{base}/login**")
        expect(page.locator("#identity-login")).to_be_visible()
        page.goto(f"{base}/recordings")
        page.wait_for_url(f"{base}/login**")
    finally:
        context.close()
    assert [e for e in errors if base in e or "pageerror" in e] == [], errors
