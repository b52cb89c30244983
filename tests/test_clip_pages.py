"""The clip forms on the recording page (without JavaScript) and the clip's own page."""

import html
import re

from fastapi.testclient import TestClient

from app.core.csrf import CSRF_FIELD
from app.core.i18n import translate
from tests.support.accounts import ClientFor, make_team, user_id
from tests.support.clips import cut_clip, cut_clips
from tests.support.factories import Line, Word, ready_recording
from tests.support.media import MediaSet
from tests.support.recordings import share

ZERO = "The clip has no length: its start and end are the same moment."
BEFORE = "The clip ends before it starts. Choose an end after the start."
OUTSIDE = "The clip must lie within the recording, which lasts %(duration)s seconds."
BAD_TIME = "Write the time as minutes:seconds, for example 1:05."
RECORDING_SEES = (
    "They see the whole recording, its transcript and the feedback given on it: individual "
    "supervision. To show a team a stretch of it, make a clip."
)
CLIP_SEES = (
    "They see this clip, its transcript, the feedback given through the clip and the items you "
    "bring to it; not the rest of the recording, nor the feedback given on the whole recording."
)


def said(msgid: str, page: str, **params: object) -> bool:
    """The page shows the message in Danish (the pages' language here)."""
    return html.escape(translate(msgid, "da", **params), quote=False) in page


LINES = (
    Line(9.0, 14.0, "Hvordan har du det i skolen?", words=(
        Word(9.0, 10.0, "Hvordan"), Word(10.0, 10.5, "har"), Word(10.5, 11.0, "du"),
        Word(11.0, 11.5, "det"), Word(11.5, 12.0, "i"), Word(12.0, 14.0, "skolen?"),
    )),
)  # fmt: skip


def token(client: TestClient, path: str) -> str:
    found = re.search(rf'name="{CSRF_FIELD}" value="([^"]+)"', client.get(path).text)
    assert found, "no CSRF token on the page"
    return found.group(1)


def test_the_owner_makes_shares_and_deletes_a_clip_without_javascript(
    sqlite_db: str, client: TestClient, client_for: ClientFor, media: MediaSet
) -> None:
    recording_id = ready_recording(client, media, lines=LINES)
    page = f"/recordings/{recording_id}"
    assert 'id="clip-form"' in client.get(page).text
    share(client, recording_id, user_id=user_id("supervisor"))
    assert 'id="clip-form"' not in client_for("supervisor").get(page).text  # owner only

    form = {CSRF_FIELD: token(client, page), "title": "Skolen", "request_text": "Åbent nok?"}
    bad = client.post(f"{page}/clips", data=form | {"start": "0:12", "end": "0:12"})
    assert bad.status_code == 422 and said(ZERO, bad.text)
    sent = client.post(
        f"{page}/clips", data=form | {"start": "0:08.5", "end": "0:12"}, follow_redirects=False
    )
    assert sent.status_code == 303
    clip_id = int(sent.headers["location"].rsplit("#clip-", 1)[1])
    listed = client.get(page).text
    assert f'id="clip-{clip_id}"' in listed and "Åbent nok?" in listed

    own = client.get(f"/clips/{clip_id}").text
    assert 'id="clip-pending"' in own and "Skolen" in own
    assert cut_clips() == ["succeeded"]

    form = {CSRF_FIELD: token(client, page), "target": f"user:{user_id('caseworker2')}"}
    shared = client.post(f"/clips/{clip_id}/shares", data=form, follow_redirects=False)
    assert shared.status_code == 303
    colleague = client_for("caseworker2")
    seen = colleague.get(f"/clips/{clip_id}")
    assert seen.status_code == 200
    assert f'src="/api/v1/clips/{clip_id}/media"' in seen.text
    assert "har du det i" in seen.text and "Åbent nok?" in seen.text
    assert recording_id not in seen.text  # nothing points into the recording
    assert colleague.get(page).status_code == 404

    share_id = client.get(f"/api/v1/clips/{clip_id}/shares").json()[0]["id"]
    withdraw = {CSRF_FIELD: token(client, page)}
    gone = client.post(f"/clips/{clip_id}/shares/{share_id}/withdraw", data=withdraw)
    assert gone.status_code == 200  # followed back to the recording page
    assert colleague.get(f"/clips/{clip_id}").status_code == 404

    deleted = client.post(f"/clips/{clip_id}/delete", data={CSRF_FIELD: token(client, page)})
    assert deleted.status_code == 200 and f'id="clip-{clip_id}"' not in deleted.text
    assert client.get(f"/clips/{clip_id}").status_code == 404


def test_bad_times_on_the_form_are_explained(
    sqlite_db: str, client: TestClient, media: MediaSet
) -> None:
    recording_id = ready_recording(client, media)
    page = f"/recordings/{recording_id}"
    form = {CSRF_FIELD: token(client, page), "title": "Klip"}
    for start, end, msgid in (
        ("abc", "0:10", BAD_TIME),
        ("0:20", "0:10", BEFORE),
        ("0:50", "2:00", OUTSIDE),
    ):
        answer = client.post(f"{page}/clips", data=form | {"start": start, "end": end})
        assert answer.status_code == 422 and said(msgid, answer.text, duration="60,0"), start
    assert client.get(f"/api/v1/recordings/{recording_id}/clips").json() == []


def share_form_on(page: str, action: str) -> str:
    found = re.search(
        rf'<form method="post" action="{action}" class="share-form">.*?</form>', page, re.S
    )
    assert found, f"no share form for {action}"
    return found.group(0)


def test_the_share_forms_say_what_the_person_or_team_will_see(
    db: str, client: TestClient, media: MediaSet
) -> None:
    """The recording's share form says it is individual supervision; a clip's, that only
    the clip and what is given through it or brought to it is seen. In Danish (the pages'
    language); the hint describes the choice and the form sends what it always did (the
    clip's, whether a person too gets its protected variant). A team is offered the clip,
    never the whole recording."""
    recording_id, clip_id = cut_clip(client, media)
    team = make_team("Team Vest", [user_id("supervisor")])
    page = client.get(f"/recordings/{recording_id}").text
    forms = {
        "share-target": share_form_on(page, f"/recordings/{recording_id}/shares"),
        f"clip-share-{clip_id}": share_form_on(page, f"/clips/{clip_id}/shares"),
    }
    whole, clip = forms.values()
    assert said(RECORDING_SEES, whole) and not said(CLIP_SEES, whole)
    assert said(CLIP_SEES, clip) and not said(RECORDING_SEES, clip)
    assert "individuel supervision" in whole and "ikke resten af optagelsen" in clip
    assert f'value="team:{team}"' in clip and f'value="team:{team}"' not in whole
    sent = {"share-target": [CSRF_FIELD, "target"]}
    for field, form in forms.items():
        hint = re.search(rf'<p class="hint" id="{field}-sees">([^<]+)</p>', form)
        # Read with what the consent covers (issue 24: tests/test_consent_purposes.py).
        assert hint and f'aria-describedby="{field}-sees {field}-consent"' in form
        names = sent.get(field, [CSRF_FIELD, "target", "protected"])
        assert re.findall(r'name="([^"]+)"', form) == names
    # Sharing by each form works as before.
    target = {CSRF_FIELD: token(client, f"/recordings/{recording_id}")}
    colleague = user_id("caseworker2")
    for api in (f"/recordings/{recording_id}/shares", f"/clips/{clip_id}/shares"):
        made = client.post(
            api, data=target | {"target": f"user:{colleague}"}, follow_redirects=False
        )
        assert made.status_code == 303, made.text
        shares = client.get(f"/api/v1{api}").json()
        assert [share["user_id"] for share in shares] == [colleague], shares
