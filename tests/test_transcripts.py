"""Corrections are kept beside the machine text, and the exports carry them.

The recordings are made ready by the factory (what Whisper hears is tested in
tests/test_upload_formats.py and tests/test_speech.py)."""

import io

import pytest
import srt
import webvtt
from fastapi.testclient import TestClient

from tests.factories import SPOKEN_EN, make_ready
from tests.helpers import upload
from tests.mediafiles import FORMATS, MediaSet


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
