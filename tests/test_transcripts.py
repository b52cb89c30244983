"""Corrections are kept beside the machine text, and the exports carry them.

The recordings are made ready by the factory (what Whisper hears is tested in
tests/test_upload_formats.py and tests/test_speech.py)."""

import io

import pytest
import srt
import webvtt
from fastapi.testclient import TestClient

from tests.support.accounts import ClientFor, user_id
from tests.support.audit import entries, last_seq
from tests.support.factories import SPOKEN_EN, make_ready
from tests.support.media import FORMATS, MediaSet
from tests.support.recordings import share, upload
from tests.support.sessions import plan


def seconds(stamp: str) -> float:
    hours, minutes, rest = stamp.split(":")
    return int(hours) * 3600 + int(minutes) * 60 + float(rest)


@pytest.fixture
def ready(db: str, client: TestClient, media: MediaSet) -> dict:
    created = upload(client, media.encoded(FORMATS[0])).json()
    make_ready(created["id"], SPOKEN_EN, media_files=True)
    transcript = client.get(f"/api/v1/recordings/{created['id']}/transcript").json()
    assert len(transcript["segments"]) >= 3
    return {"id": created["id"], "segments": transcript["segments"]}


def test_correction_keeps_machine_text_and_appears_in_exports(
    ready: dict, client: TestClient
) -> None:
    rid, first, second = ready["id"], ready["segments"][0], ready["segments"][1]
    response = client.patch(
        f"/api/v1/recordings/{rid}/transcript/segments/{first['id']}",
        json={"text": "Barnet fortalte om sin skole og sine venner.", "speaker": "child"},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["corrected"] is True and body["speaker"] == "child"
    assert body["machine_text"] == first["machine_text"]
    client.patch(
        f"/api/v1/recordings/{rid}/transcript/segments/{second['id']}",
        json={"speaker": "caseworker"},
    )

    stored = client.get(f"/api/v1/recordings/{rid}/transcript").json()["segments"]
    assert stored[0]["text"] == "Barnet fortalte om sin skole og sine venner."
    assert stored[0]["machine_text"] == first["machine_text"]
    assert stored[1]["text"] == second["text"] and stored[1]["speaker"] == "caseworker"

    vtt = client.get(f"/api/v1/recordings/{rid}/transcript/export.vtt")
    assert vtt.headers["content-type"].startswith("text/vtt")
    captions = webvtt.from_buffer(io.StringIO(vtt.text))
    assert len(captions) == len(stored)
    assert captions[0].text == "Barnet fortalte om sin skole og sine venner."
    assert captions[0].voice == "Barn"
    assert captions[1].voice == "Sagsbehandler"
    assert seconds(captions[0].start) == pytest.approx(stored[0]["start"], abs=0.002)
    assert seconds(captions[-1].end) == pytest.approx(stored[-1]["end"], abs=0.002)

    subtitles = list(srt.parse(client.get(f"/api/v1/recordings/{rid}/transcript/export.srt").text))
    assert len(subtitles) == len(stored)
    assert subtitles[0].content == "Barn: Barnet fortalte om sin skole og sine venner."
    assert subtitles[1].content.startswith("Sagsbehandler: ")
    assert subtitles[2].start.total_seconds() == pytest.approx(stored[2]["start"], abs=0.002)

    text = client.get(f"/api/v1/recordings/{rid}/transcript/export.txt").text
    assert "Barn: Barnet fortalte om sin skole og sine venner." in text.splitlines()[0]
    english = client.get(
        f"/api/v1/recordings/{rid}/transcript/export.srt", headers={"Accept-Language": "en"}
    ).text
    assert "Child: Barnet fortalte" in english


def test_reverting_to_machine_text_clears_the_correction(ready: dict, client: TestClient) -> None:
    rid, seg = ready["id"], ready["segments"][0]
    url = f"/api/v1/recordings/{rid}/transcript/segments/{seg['id']}"
    assert client.patch(url, json={"text": "Noget andet"}).json()["corrected"] is True
    assert client.patch(url, json={"text": seg["machine_text"]}).json()["corrected"] is False
    assert client.patch(url, json={"speaker": "other"}).json()["speaker"] == "other"
    assert client.patch(url, json={"clear_speaker": True}).json()["speaker"] is None


def test_hostile_cue_text_cannot_break_the_caption_file(ready: dict, client: TestClient) -> None:
    rid, seg = ready["id"], ready["segments"][0]
    client.patch(
        f"/api/v1/recordings/{rid}/transcript/segments/{seg['id']}",
        json={"text": "a --> b\n\n<script>alert(1)</script> & c"},
    )
    captions = webvtt.from_buffer(
        io.StringIO(client.get(f"/api/v1/recordings/{rid}/transcript/export.vtt").text)
    )
    assert len(captions) == len(ready["segments"])
    assert "<script>" not in captions[0].raw_text
    page = client.get(f"/recordings/{rid}").text
    assert "<script>alert(1)</script>" not in page


@pytest.mark.parametrize(
    ("payload", "status"),
    [
        ({"text": "   "}, 422),
        ({"speaker": "teacher"}, 422),
        ({"text": "x" * 5001}, 422),
        ({"text": "bell\x07"}, 422),
    ],
    ids=["blank", "unknown-speaker", "too-long", "control-char"],
)
def test_bad_corrections_are_refused_and_change_nothing(
    payload: dict, status: int, ready: dict, client: TestClient
) -> None:
    rid, seg = ready["id"], ready["segments"][0]
    response = client.patch(
        f"/api/v1/recordings/{rid}/transcript/segments/{seg['id']}", json=payload
    )
    assert response.status_code == status
    after = client.get(f"/api/v1/recordings/{rid}/transcript").json()["segments"][0]
    assert after == seg


def test_segment_of_another_recording_is_not_found(
    ready: dict, client: TestClient, media: MediaSet
) -> None:
    other = upload(client, media.encoded(FORMATS[6])).json()
    make_ready(other["id"], SPOKEN_EN, media_files=True)
    seg = ready["segments"][0]
    response = client.patch(
        f"/api/v1/recordings/{other['id']}/transcript/segments/{seg['id']}", json={"text": "x"}
    )
    assert response.status_code == 404


def test_correction_form_without_javascript(ready: dict, client: TestClient) -> None:
    rid, seg = ready["id"], ready["segments"][1]
    response = client.post(
        f"/recordings/{rid}/segments/{seg['id']}",
        data={"text": "Rettet uden JavaScript", "speaker": "caseworker"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/recordings/{rid}#seg-{seg['id']}"
    page = client.get(f"/recordings/{rid}").text
    assert "Rettet uden JavaScript" in page
    stored = client.get(f"/api/v1/recordings/{rid}/transcript").json()["segments"][1]
    assert stored["speaker"] == "caseworker" and stored["machine_text"] == seg["machine_text"]


def test_transcript_of_unfinished_recording_is_not_found(
    db: str, client: TestClient, media: MediaSet
) -> None:
    created = upload(client, media.encoded(FORMATS[6])).json()
    for path in ("/transcript", "/transcript/export.vtt", "/media", "/poster"):
        response = client.get(f"/api/v1/recordings/{created['id']}{path}")
        assert response.status_code == 404
        assert "ikke færdigbehandlet" in response.json()["detail"]
    assert client.get("/api/v1/recordings/doesnotexist").status_code == 404
    assert client.get("/api/v1/recordings/..%2F..%2Fetc").status_code == 404


def test_only_the_caseworker_sees_what_a_correction_replaced(
    ready: dict, client: TestClient, client_for: ClientFor
) -> None:
    """Issue 18: a correction wins wherever the line is shown. The machine's words stay
    with the caseworker who corrects: a name replaced with [NAME] reaches no viewer."""
    rid, first = ready["id"], ready["segments"][0]
    machine, api = first["machine_text"], f"/api/v1/recordings/{rid}/transcript"
    fixed = client.patch(f"{api}/segments/{first['id']}", json={"text": "[NAME] told me."})
    assert fixed.status_code == 200 and fixed.json()["machine_text"] == machine
    share(client, rid, user_id=user_id("supervisor"))
    viewer = client_for("supervisor")
    shown = viewer.get(api).json()["segments"]
    assert (shown[0]["text"], shown[0]["machine_text"]) == ("[NAME] told me.", None)
    assert machine not in viewer.get(api).text
    sid = plan(client, rid, [user_id("supervisor")])["id"]
    for page in (f"/recordings/{rid}", f"/recordings/{rid}/transcript/lines", f"/sessions/{sid}"):
        html = viewer.get(page).text
        assert "[NAME] told me." in html and machine not in html, page
    # The caseworker still sees it beside the correction, where they correct.
    assert client.get(api).json()["segments"][0]["machine_text"] == machine
    assert machine in client.get(f"/recordings/{rid}").text


def test_a_checked_line_stays_checked_when_corrected_and_each_change_is_audited(
    ready: dict, client: TestClient, client_for: ClientFor
) -> None:
    """Issue 19: correction mode marks a line checked through the same correction route;
    a later correction keeps the mark, only unchecking takes it back. The log gets an entry
    for each check, uncheck and edit, by whom, on which recording."""
    rid, seg = ready["id"], ready["segments"][0]
    url = f"/api/v1/recordings/{rid}/transcript/segments/{seg['id']}"
    assert seg["checked"] is False
    start = last_seq()
    checked = client.patch(url, json={"checked": True})
    assert checked.status_code == 200, checked.text
    assert (checked.json()["checked"], checked.json()["corrected"]) == (True, False)
    corrected = client.patch(url, json={"text": "Barnet fortalte om skolen."}).json()
    assert (corrected["checked"], corrected["corrected"]) == (True, True)
    assert client.patch(url, json={"speaker": "child"}).json()["checked"] is True
    assert client.patch(url, json={"checked": False}).json()["checked"] is False
    both = client.patch(url, json={"text": "Barnet fortalte.", "checked": True}).json()
    assert (both["text"], both["checked"]) == ("Barnet fortalte.", True)
    logged = [(e.action, e.actor_email, e.recording_id, e.detail) for e in entries(start)]
    cw, line = "sara@kommune.test", f"segment {seg['id']}"
    assert logged == [
        ("transcript_checked", cw, rid, line),
        ("transcript_edit", cw, rid, line),
        ("transcript_edit", cw, rid, line),
        ("transcript_unchecked", cw, rid, line),
        ("transcript_edit", cw, rid, line),
        ("transcript_checked", cw, rid, line),
    ]
    # The transcript says which lines are checked; only the caseworker checks them.
    shown = client.get(f"/api/v1/recordings/{rid}/transcript").json()["segments"]
    assert [s["checked"] for s in shown] == [True] + [False] * (len(shown) - 1)
    share(client, rid, user_id=user_id("supervisor"))
    viewer = client_for("supervisor")
    refused = viewer.patch(url, json={"checked": False})
    assert refused.status_code in (403, 404), refused.text
    assert client.get(f"/api/v1/recordings/{rid}/transcript").json()["segments"][0]["checked"]


def test_the_page_counts_checked_lines_and_checks_them_without_javascript(
    ready: dict, client: TestClient
) -> None:
    rid, segs = ready["id"], ready["segments"]
    total = len(segs)
    assert f"0 af {total} linjer tjekket" in client.get(f"/recordings/{rid}").text
    page_form = f"/recordings/{rid}/segments/{segs[1]['id']}"
    # The line's form with its box ticked: corrected and checked in one post.
    ticked = {"text": "Rettet og tjekket", "speaker": "", "checked_shown": "1", "checked": "1"}
    assert client.post(page_form, data=ticked, follow_redirects=False).status_code == 303
    html = client.get(f"/recordings/{rid}").text
    assert f"1 af {total} linjer tjekket" in html
    assert f'<progress id="checked-bar" max="{total}" value="1"' in html
    stored = client.get(f"/api/v1/recordings/{rid}/transcript").json()["segments"][1]
    assert (stored["text"], stored["checked"]) == ("Rettet og tjekket", True)
    # A form without the box (an older page) leaves the mark as it is.
    plain = {"text": "Rettet igen", "speaker": "child"}
    assert client.post(page_form, data=plain, follow_redirects=False).status_code == 303
    assert client.get(f"/api/v1/recordings/{rid}/transcript").json()["segments"][1]["checked"]
    # The form with the box not ticked takes the mark back.
    unticked = {"text": "Rettet igen", "speaker": "child", "checked_shown": "1"}
    assert client.post(page_form, data=unticked, follow_redirects=False).status_code == 303
    assert f"0 af {total} linjer tjekket" in client.get(f"/recordings/{rid}").text
    in_english = client.get(f"/recordings/{rid}?lang=en").text
    assert f"0 of {total} lines checked" in in_english
