"""axe-core on every page each role can reach, in Danish and English: no serious or critical
violation. Plus what axe cannot judge: an upload field with an error is marked invalid and
linked to its message, and every edit button of the transcript says which segment it edits.

axe-core is a pinned npm release that scripts/test (scripts/lib.sh, `ensure_axe`) fetches
once into .cache/axe/<version>/, checked against the registry's sha512 integrity; the tests
inject its axe.min.js into each page. Without it they fail and say how to get it.

The set-up is test_pages_browser.py's: the live server and this process share one SQLite
file (`shared_db`), one Chromium, and one logged-in context per role for the whole module.
The one recording comes from tests/factories.py: a real upload made ready with a given
Danish transcript, without Whisper (the pipeline is not the subject here).
"""

import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests import mediafiles
from tests.browser_fixtures import log_in, show_transcript
from tests.conftest import user_id
from tests.factories import ready_recording
from tests.test_pages_browser import fill_consent

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
AXE_VERSION = re.search(r'^AXE_VERSION="([^"]+)"', (ROOT / "scripts/lib.sh").read_text(), re.M)
assert AXE_VERSION, "scripts/lib.sh must pin AXE_VERSION"
AXE_JS = ROOT / ".cache" / "axe" / AXE_VERSION[1] / "axe.min.js"
BLOCKING = ("serious", "critical")
LANGS = ("da", "en")
ROLES = ("anonymous", "caseworker", "caseworker2", "supervisor", "administrator", "leader")
M4A = mediafiles.FORMATS[5]
assert M4A.name == "m4a-aac"
CPR_CASE = "SAG 010190-1234"  # a CPR number in the case reference: refused by the server


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def axe_js() -> Path:
    if not AXE_JS.is_file():
        pytest.fail(
            f"axe-core {AXE_VERSION[1]} is missing at {AXE_JS}: scripts/test fetches it from "
            "https://registry.npmjs.org/axe-core (run `bash -c 'source scripts/lib.sh && "
            "ensure_axe'`); the download or its sha512 check failed"
        )
    return AXE_JS


@pytest.fixture(scope="module")
def recording(api: httpx.Client, media: mediafiles.MediaSet) -> str:
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
        "caseworker": ["/recordings", "/recordings/new", f"/recordings/{rid}", *account],
        "caseworker2": ["/recordings", *account],  # an empty list
        "supervisor": ["/recordings", f"/recordings/{rid}", *account],
        "administrator": [
            "/admin/users",
            "/admin/teams",
            "/admin/settings",
            "/admin/audit",
            "/recordings",
            *account,
        ],  # fmt: skip
        "leader": ["/leader", *account],
    }[role]


# --------------------------------------------------------------------------- axe


def axe_violations(page: Page, axe_js: Path) -> list[str]:
    """Serious and critical violations on the page as it is now: rule, impact, targets."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(path=str(axe_js))
    violations = page.evaluate(
        "() => axe.run(document, {resultTypes: ['violations']}).then(r => r.violations)"
    )
    found = []
    for rule in violations:
        for node in rule["nodes"]:
            impact = node.get("impact") or rule.get("impact")
            if impact in BLOCKING:
                targets = " ".join(" > ".join(t) if isinstance(t, list) else t
                                   for t in node["target"])  # fmt: skip
                found.append(f"{rule['id']} [{impact}] {targets}: {node['failureSummary']!r}")
    return found


def check(page: Page, axe_js: Path, where: str, report: list[str]) -> None:
    report.extend(f"{where}: {line}" for line in axe_violations(page, axe_js))


def upload_error_shown(page: Page, base: str, media: mediafiles.MediaSet, lang: str) -> None:
    """The upload form after the server refused a PDF named .mp4 (sent with JavaScript)."""
    page.goto(f"{base}/recordings/new?lang={lang}")
    page.fill("#title", "Ikke en video")
    page.fill("#case_reference", "SAG-PDF")
    fill_consent(page, date.today())
    page.set_input_files("#file", str(media.fake_pdf()))
    page.click("#upload-form button[type=submit]")
    expect(page.locator("#upload-error")).to_be_visible()


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("role", ROLES)
def test_no_serious_axe_violations(
    contexts: dict[str, BrowserContext],
    shared_db: str,
    recording: str,
    media: mediafiles.MediaSet,
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
            upload_error_shown(page, shared_db, media, lang)
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
    contexts: dict[str, BrowserContext], shared_db: str, media: mediafiles.MediaSet
) -> None:
    """With JavaScript: the API's refusal marks the file field and links it to the message."""
    page = contexts["caseworker"].new_page()
    try:
        upload_error_shown(page, shared_db, media, "da")
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
    browser: Browser, shared_db: str, media: mediafiles.MediaSet
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
