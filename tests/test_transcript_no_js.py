"""The transcript correction form works without JavaScript: it carries its CSRF field.

The recordings come from tests/support/factories.py (a real upload made ready with a given Danish
transcript, without Whisper): the form is the subject, not the pipeline."""

import re

import pytest
from fastapi.testclient import TestClient

from tests.support.accounts import live_client
from tests.support.browser import log_in
from tests.support.factories import ready_recording
from tests.support.media import MediaSet


def test_transcript_correction_form_works_without_javascript(
    sqlite_db: str, client: TestClient, media: MediaSet
) -> None:
    """The form as a browser with JavaScript off sends it: its own fields, no header."""
    rid = ready_recording(client, media)
    page = client.get(f"/recordings/{rid}").text
    action = r'<form method="post" action="(/recordings/[^"]+/segments/\d+)"(.*?)</form>'
    form = re.search(action, page, re.S)
    assert form is not None
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', form.group(2)))
    assert "csrf_token" in fields, "the correction form carries no CSRF field"
    del client.headers["X-CSRF-Token"]
    response = client.post(
        form.group(1),
        data={**fields, "text": "Rettet uden JavaScript.", "speaker": "child"},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    shown = client.get(response.headers["location"]).text
    assert "Rettet uden JavaScript." in shown


@pytest.mark.browser
def test_transcript_correction_in_chromium_with_javascript_off(
    shared_db: str,
    browser,
    media: MediaSet,  # type: ignore[no-untyped-def]
) -> None:
    api = live_client(shared_db, "caseworker")
    try:
        rid = ready_recording(api, media, title="Samtale", case_reference="SAG-2")
    finally:
        api.close()

    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        log_in(page, shared_db, "caseworker")
        page.goto(f"{shared_db}/recordings/{rid}")
        first = page.locator("li.segment").first
        first.locator("details.edit summary").click()
        first.locator("textarea[name=text]").fill("Rettet i en browser uden JavaScript.")
        with page.expect_response(lambda r: r.request.method == "POST") as posted:
            first.locator("button[type=submit]").click()
        assert posted.value.status == 303, posted.value.status
        page.wait_for_load_state()
        shown = page.locator("li.segment").first.inner_text()
        assert "Rettet i en browser uden JavaScript." in shown
    finally:
        context.close()
