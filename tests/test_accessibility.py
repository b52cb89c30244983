"""axe-core on every page each role can reach, in Danish and English: no serious or critical
violation. Plus what axe cannot judge: an upload field with an error is marked invalid and
linked to its message, and every edit button of the transcript says which segment it edits.

axe-core is a pinned npm release that scripts/test (scripts/lib.sh, `ensure_axe`) fetches
once into .cache/axe/<version>/, checked against the registry's sha512 integrity; the tests
inject its axe.min.js into each page. Without it they fail and say how to get it.

The set-up is test_pages_browser.py's: the live server and this process share one SQLite
file (`shared_db`), one Chromium, and one logged-in context per role for the whole module.
The one recording comes from tests/support/factories.py: a real upload made ready with a given
Danish transcript, without Whisper (the pipeline is not the subject here).
"""

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.support.accounts import user_id
from tests.support.browser import (
    axe_violations,
    fill_consent,
    log_in,
    show_transcript,
    show_upload_error,
)
from tests.support.factories import ready_recording
from tests.support.media import FORMATS, MediaSet

pytestmark = pytest.mark.browser

LANGS = ("da", "en")
ROLES = ("anonymous", "caseworker", "caseworker2", "supervisor", "administrator", "leader")
M4A = FORMATS[5]
assert M4A.name == "m4a-aac"
CPR_CASE = "SAG 010190-1234"  # a CPR number in the case reference: refused by the server


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def recording(api: httpx.Client, media: MediaSet) -> str:
    """A ready recording with a transcript, shared with the supervisor; its id."""
    rid = ready_recording(api, media, title="Samtale om skolen", case_reference="SAG-AXE-1")
    shared = api.post(f"/api/v1/recordings/{rid}/shares", json={"user_id": user_id("supervisor")})
    assert shared.status_code == 201, shared.text
    return rid


@pytest.fixture(scope="module")
def contexts(browser: Browser, shared_db: str) -> Iterator[dict[str, BrowserContext]]:
    """One laptop-sized context per role, logged in once (the anonymous one is not).

    The pages' CSP refuses inline scripts, which is how Playwright injects axe: these
    contexts bypass it (test_access_browser.py checks the CSP itself).
    """
    made: dict[str, BrowserContext] = {}
    try:
        for role in ROLES:
            context = browser.new_context(viewport={"width": 1366, "height": 768}, bypass_csp=True)
            context.set_default_timeout(15_000)
            made[role] = context
            if role != "anonymous":
                tab = context.new_page()
                log_in(tab, shared_db, role)
                tab.close()
        yield made
    finally:
        for context in made.values():
            context.close()


def pages_of(role: str, rid: str) -> list[str]:
    """Every page the role can reach (the recording's own page for its owner and viewer)."""
    account = ["/account/password", "/no-such-page"]
    return {
        "anonymous": ["/login", "/no-such-page"],
        "caseworker": [
            "/recordings",
            "/recordings/new",
            "/recordings/record",
            f"/recordings/{rid}",
            "/self-assessment",
            *account,
        ],
        "caseworker2": ["/recordings", *account],  # an empty list
        "supervisor": ["/recordings", f"/recordings/{rid}", *account],
        "administrator": [
            "/admin/users",
            "/admin/teams",
            "/admin/settings",
            "/admin/audit",
            "/admin/self-assessment",
            "/recordings",
            *account,
        ],  # fmt: skip
        "leader": ["/leader", *account],
    }[role]


# --------------------------------------------------------------------------- axe


def check(page: Page, axe_js: Path, where: str, report: list[str]) -> None:
    report.extend(f"{where}: {line}" for line in axe_violations(page, axe_js))


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("role", ROLES)
def test_no_serious_axe_violations(
    contexts: dict[str, BrowserContext],
    shared_db: str,
    recording: str,
    media: MediaSet,
    axe_js: Path,
    role: str,
    lang: str,
) -> None:
    page = contexts[role].new_page()
    report: list[str] = []
    try:
        for path in pages_of(role, recording):
            answer = page.goto(f"{shared_db}{path}?lang={lang}")
            page.wait_for_load_state("load")
            status = answer.status if answer else None
            if status != (404 if path == "/no-such-page" else 200):
                report.append(f"{path}: HTTP {status}")
            if (shown := page.evaluate("() => document.documentElement.lang")) != lang:
                report.append(f"{path}: <html lang={shown!r}>, asked for {lang!r}")
            check(page, axe_js, path, report)
        if role == "caseworker":
            show_upload_error(page, f"{shared_db}/recordings/new?lang={lang}", media)
            check(page, axe_js, "/recordings/new (error shown)", report)
    finally:
        page.close()
    assert report == [], f"{len(report)} serious/critical axe violations:\n" + "\n".join(report)


# --------------------------------------------------------------------------- beyond axe


def described_by(page: Page, selector: str) -> str:
    """The text of every element the field's aria-describedby names."""
    return page.evaluate(
        """sel => (document.querySelector(sel).getAttribute('aria-describedby') || '')
             .split(/\\s+/).filter(Boolean)
             .map(id => (document.getElementById(id) || {textContent: ''}).textContent)
             .join(' ')""",
        selector,
    )


def test_refused_upload_marks_the_field_it_is_about(
    contexts: dict[str, BrowserContext], shared_db: str, media: MediaSet
) -> None:
    """With JavaScript: the API's refusal marks the file field and links it to the message."""
    page = contexts["caseworker"].new_page()
    try:
        show_upload_error(page, f"{shared_db}/recordings/new?lang=da", media)
        message = page.inner_text("#upload-error").strip()
        assert message
        expect(page.locator("#file")).to_have_attribute("aria-invalid", "true")
        assert message in described_by(page, "#file")
        for other in ("#title", "#case_reference", "#consent_date", "#delete_after"):
            assert page.get_attribute(other, "aria-invalid") in (None, "false"), other
        # Sent again with a CPR number as the case reference: now that field is the one.
        page.fill("#case_reference", CPR_CASE)
        page.click("#upload-form button[type=submit]")
        expect(page.locator("#case_reference")).to_have_attribute("aria-invalid", "true")
        assert page.get_attribute("#file", "aria-invalid") is None
        assert described_by(page, "#file") == page.text_content("#file-hint")
        assert page.inner_text("#upload-error").strip() in described_by(page, "#case_reference")
    finally:
        page.close()


def test_refused_field_is_marked_without_javascript(
    browser: Browser, shared_db: str, media: MediaSet
) -> None:
    """The form's own post: the field the server refused is aria-invalid and described."""
    context = browser.new_context(java_script_enabled=False)
    context.set_default_timeout(15_000)
    try:
        page = context.new_page()
        log_in(page, shared_db, "caseworker")
        page.goto(f"{shared_db}/recordings/new?lang=en")
        page.fill("#title", "Samtale")
        page.fill("#case_reference", CPR_CASE)
        fill_consent(page, date.today())
        page.set_input_files("#file", str(media.encoded(M4A)))
        page.click("#upload-form button[type=submit]")
        expect(page.locator("#upload-error")).to_be_visible()
        message = page.inner_text("#upload-error").strip()
        expect(page.locator("#case_reference")).to_have_attribute("aria-invalid", "true")
        assert message and message in described_by(page, "#case_reference")
        expect(page.locator("#case_reference")).to_have_value(CPR_CASE)
        assert page.get_attribute("#title", "aria-invalid") in (None, "false")
    finally:
        context.close()


def test_every_transcript_edit_button_names_its_segment(
    contexts: dict[str, BrowserContext], shared_db: str, recording: str, axe_js: Path
) -> None:
    """'Edit' alone, read out ten times in a row, does not say which segment it opens."""
    page = contexts["caseworker"].new_page()
    try:
        page.goto(f"{shared_db}/recordings/{recording}?lang=en")
        show_transcript(page)
        page.add_script_tag(path=str(axe_js))
        controls = page.evaluate(
            """() => { axe.setup(document); try {
               return [...document.querySelectorAll('li.segment')].flatMap(li => {
                 const time = li.querySelector('button.seek').textContent.trim();
                 const text = li.querySelector('.text').textContent.trim();
                 return [...li.querySelectorAll('details.edit summary')]
                   .map(el => ({time, text, tag: el.tagName,
                                name: axe.commons.text.accessibleText(el)}));
               }); } finally { axe.teardown(); } }"""
        )
        assert controls, "the transcript shows no edit controls to its caseworker"
        vague = [
            c
            for c in controls
            if c["time"] not in c["name"] and c["text"][:20].lower() not in c["name"].lower()
        ]
        assert vague == [], f"edit controls that do not name their segment: {vague}"
    finally:
        page.close()
