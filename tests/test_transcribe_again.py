"""Transcribe again (issue 22): a ready recording is heard again into a new version of its
transcript, with the model its language has now. The old version is kept; the caseworker's
corrections are offered line by line on the new one (and stay in force until decided);
every version says how it was heard. Real pipeline, real faster-whisper (bundled tiny.en on
English speech), real ffmpeg."""

import subprocess
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from app.audit.models import AuditEntry
from app.core.config import settings
from app.core.db import session_scope
from app.core.timeutil import local_zone
from app.jobs import service as job_service
from app.jobs.models import ANALYSE_CONVERSATION, TRANSCRIBE_AGAIN, Job, JobStatus
from app.transcripts.models import Transcript
from tests.support.accounts import ClientFor, user_id
from tests.support.clips import cut_clips, make_clip
from tests.support.factories import SPOKEN_EN, Line, make_ready, ready_recording
from tests.support.media import MediaSet
from tests.support.recordings import share, upload
from workers import speech
from workers.tasks import run_job

TINY_SHA256 = "1a5afae06a4db91c975c9a9d78be5cc110ee4ea022ad57d55492e4550e936b2a"


@pytest.fixture
def english(client: TestClient, media: MediaSet) -> str:
    """A ready English recording with its audio, its first version given (as a person
    wrote it), as if made before a better model was installed."""
    answer = upload(client, media.speech("en"), language="en")
    assert answer.status_code == 201, answer.text
    rid = str(answer.json()["id"])
    given = (
        Line(0.0, 3.3, "The child told me about her scool and her friends."),
        Line(3.8, 6.7, "She said that she likes to draw pictures of horses."),
        Line(7.2, 10.3, "Then we talked about the weekend at her father's house."),
    )
    make_ready(rid, given, media_files=True)
    return rid


@pytest.fixture
def tiny_for_english(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(settings, "whisper_models", "en=bundled-tiny.en")
    monkeypatch.setattr(settings, "whisper_cpu_threads", 2)


def lines_of(client: TestClient, rid: str, **params: object) -> list[dict]:
    answer = client.get(f"/api/v1/recordings/{rid}/transcript", params=params)
    assert answer.status_code == 200, answer.text
    return list(answer.json()["segments"])


def again(client: TestClient, rid: str) -> int:
    answer = client.post(f"/api/v1/recordings/{rid}/transcript/again")
    assert answer.status_code == 202, answer.text
    assert answer.json()["model"] == "Whisper tiny.en"
    return int(answer.json()["job_id"])


def test_a_new_version_keeps_the_old_one_and_offers_each_correction(
    sqlite_db: str,
    client: TestClient,
    client_for: ClientFor,
    english: str,
    tiny_for_english: None,
    tmp_path: Path,
) -> None:
    supervisor = client_for("supervisor")
    share(client, english, user_id=user_id("supervisor"))
    first = lines_of(client, english)
    api = f"/api/v1/recordings/{english}/transcript/segments"
    # The caseworker hides a name in the second line and says who speaks the third.
    corrected = "She said that [NAME] likes to draw pictures of horses."
    fixed = client.patch(f"{api}/{first[1]['id']}", json={"text": corrected})
    assert fixed.status_code == 200
    assert client.patch(f"{api}/{first[2]['id']}", json={"speaker": "child"}).status_code == 200

    job_id = again(client, english)
    # Asked twice while the first is waiting: refused, nothing queued.
    twice = client.post(f"/api/v1/recordings/{english}/transcript/again")
    assert twice.status_code == 409 and twice.json()["code"] == "transcript.again_pending"
    # Until the new version is whole, everyone reads the first one.
    assert [s["id"] for s in lines_of(client, english)] == [s["id"] for s in first]
    assert run_job(job_id) == "succeeded"

    now = client.get(f"/api/v1/recordings/{english}/transcript").json()
    assert now["version"] == 2
    provenance = now["provenance"]
    assert provenance["model"] == "Whisper tiny.en"
    assert provenance["model_sha256"] == TINY_SHA256
    # What CTranslate2 really runs with (int8 weights, float32 where int8 has no kernel).
    assert provenance["device"] == "cpu" and provenance["compute_type"].startswith("int8")
    assert provenance["pipeline"] == "batched"
    assert provenance["beam_size"] == settings.whisper_batched_beam_size
    assert provenance["engine"].startswith("faster-whisper ")
    assert provenance["finished_at"] is not None
    new = now["segments"]
    assert {s["id"] for s in new}.isdisjoint(s["id"] for s in first)
    offered = [s for s in new if s["offered_text"] is not None]
    assert [s["offered_text"] for s in offered] == [corrected]
    line = offered[0]
    assert line["text"] == corrected  # in force until decided
    assert "[NAME]" not in line["machine_text"]
    # The speaker carried over to the line that covers the third.
    assert any(s["speaker"] == "child" and "father" in s["text"].lower() for s in new)
    # Anyone else reads the caseworker's words, never the machine's name underneath.
    seen = lines_of(supervisor, english)
    assert corrected in [s["text"] for s in seen]
    assert all(s["machine_text"] is None and s["offered_text"] is None for s in seen)

    # The first version is kept and readable, with what it said then.
    versions = client.get(f"/api/v1/recordings/{english}/transcript/versions").json()
    assert [v["version"] for v in versions] == [1, 2]
    assert versions[0]["superseded_at"] is not None and versions[1]["superseded_at"] is None
    old = lines_of(client, english, version=1)
    assert old[1]["text"] == corrected and "scool" in old[0]["text"]
    assert client.get(f"/api/v1/recordings/{english}/transcript?version=3").status_code == 404

    # Line by line: take the new words on the one line, and the choice is settled.
    offer = f"{api}/{line['id']}/offer"
    taken = client.post(offer, json={"keep": False})
    assert taken.status_code == 200, taken.text
    assert taken.json()["text"] == line["machine_text"] and taken.json()["offered_text"] is None
    assert client.post(offer, json={"keep": True}).status_code == 409
    assert supervisor.post(offer, json={"keep": True}).status_code in (403, 404)

    # The sparring document says how the transcript was heard, on its page and in the PDF.
    sheet = client.get(f"/recordings/{english}/sparring")
    assert "Whisper tiny.en" in sheet.text and TINY_SHA256 in sheet.text
    pdf = tmp_path / "sparring.pdf"
    pdf.write_bytes(client.get(f"/recordings/{english}/sparring.pdf").content)
    text = subprocess.run(
        ["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
    assert "Whisper tiny.en" in text and TINY_SHA256[:16] in text.replace("\n", "")

    with session_scope() as session:
        entries = session.exec(select(AuditEntry).where(AuditEntry.recording_id == english)).all()
    by_action = {e.action: e.detail for e in entries}
    assert by_action["transcribe_again"] == "model bundled-tiny.en"
    assert f"sha256={TINY_SHA256}" in by_action["transcript_version"]
    assert "version 2 replaces 1" in by_action["transcript_version"]
    assert "new line taken" in by_action["transcript_edit"]


def test_keeping_my_words_makes_them_the_correction(
    sqlite_db: str, client: TestClient, english: str, tiny_for_english: None
) -> None:
    first = lines_of(client, english)
    api = f"/api/v1/recordings/{english}/transcript/segments"
    clip_id = make_clip(client, english, start=7.0, end=10.5, title="Weekenden")
    assert cut_clips() == ["succeeded"]
    clip_words = f"/api/v1/clips/{clip_id}/transcript"
    assert client.get(clip_words).json()["segments"][0]["text"] == first[2]["text"]
    mine = "The child told me about her school and her two friends."
    assert client.patch(f"{api}/{first[0]['id']}", json={"text": mine}).status_code == 200
    assert run_job(again(client, english)) == "succeeded"
    line = next(s for s in lines_of(client, english) if s["offered_text"])
    kept = client.post(f"{api}/{line['id']}/offer", json={"keep": True})
    assert kept.status_code == 200
    assert kept.json()["text"] == mine and kept.json()["corrected"] is True
    # The clip keeps its times and reads the new words.
    clip = client.get(f"/api/v1/clips/{clip_id}").json()
    assert (clip["start_seconds"], clip["end_seconds"]) == (7.0, 10.5)
    newest = next(s for s in lines_of(client, english) if s["start"] >= 7.0)
    heard = " ".join(s["text"] for s in client.get(clip_words).json()["segments"])
    assert heard == newest["text"] != first[2]["text"]
    # Editing a line with an offer settles it too.
    assert run_job(again(client, english)) == "succeeded"
    line = next(s for s in lines_of(client, english) if s["offered_text"])
    assert line["offered_text"] == mine
    edited = client.patch(f"{api}/{line['id']}", json={"text": "Something else."})
    assert edited.json()["offered_text"] is None and edited.json()["text"] == "Something else."
    versions = client.get(f"/api/v1/recordings/{english}/transcript/versions").json()
    assert [v["version"] for v in versions] == [1, 2, 3]


def test_a_failed_version_goes_and_the_current_one_stays(
    sqlite_db: str,
    client: TestClient,
    english: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(settings, "whisper_models", "en=/no/such/model")
    monkeypatch.setattr(settings, "job_max_attempts", 1)
    before = lines_of(client, english)
    answer = client.post(f"/api/v1/recordings/{english}/transcript/again")
    assert answer.status_code == 202
    assert run_job(answer.json()["job_id"]) == "failed"
    assert lines_of(client, english) == before
    with session_scope() as session:
        versions = session.exec(select(Transcript).where(Transcript.recording_id == english))
        assert [t.version for t in versions] == [1]
    status = client.get(f"/api/v1/recordings/{english}").json()
    assert status["status"] == "ready"  # the recording itself never stopped being usable


def test_only_the_owner_of_a_ready_recording_asks(
    sqlite_db: str, client: TestClient, client_for: ClientFor, media: MediaSet
) -> None:
    rid = ready_recording(client, media, seconds=20)
    share(client, rid, user_id=user_id("supervisor"))
    refused = client_for("supervisor").post(f"/api/v1/recordings/{rid}/transcript/again")
    assert refused.status_code in (403, 404)
    waiting = upload(client, media.speech("en"), language="en").json()["id"]
    early = client.post(f"/api/v1/recordings/{waiting}/transcript/again")
    assert early.status_code == 409 and early.json()["code"] == "transcript.not_ready"
    with session_scope() as session:
        kinds = {j.kind for j in session.exec(select(Job)).all()}
    assert TRANSCRIBE_AGAIN not in kinds


def test_a_batch_waits_for_other_work_and_counts_its_progress(
    sqlite_db: str,
    client: TestClient,
    client_for: ClientFor,
    media: MediaSet,
    english: str,
    tiny_for_english: None,
) -> None:
    admin = client_for("administrator")
    other = ready_recording(client, media, seconds=20)  # Danish: not in the batch
    today = datetime.now(local_zone()).date()  # the municipality's day
    form = {"language": "en", "uploaded_from": str(today - timedelta(days=1)),
            "uploaded_to": str(today)}  # fmt: skip
    assert client.post("/api/v1/admin/transcripts/again", json=form).status_code == 403
    made = admin.post("/api/v1/admin/transcripts/again", json=form)
    assert made.status_code == 201, made.text
    batch = made.json()
    assert batch["total"] == 1 and batch["done"] == 0 and batch["model"] == "Whisper tiny.en"
    # Someone's upload waits: the batch holds back.
    waiting = upload(client, media.speech("en"), language="en").json()["id"]
    with session_scope() as session:
        assert job_service.feed_held(session=session, room=1) == []
        job = session.exec(select(Job).where(Job.recording_id == waiting)).one()
    make_ready(waiting, SPOKEN_EN)  # that work is done
    with session_scope() as session:
        fed = job_service.feed_held(session=session, room=1)
        assert len(fed) == 1 and job.id not in fed
        assert job_service.feed_held(session=session, room=1) == []  # one in flight at most
    assert run_job(fed[0]) == "succeeded"
    listed = admin.get("/api/v1/admin/transcripts/again").json()
    assert listed[0]["done"] == 1 and listed[0]["total"] == 1
    assert client.get(f"/api/v1/recordings/{english}/transcript").json()["version"] == 2
    assert client.get(f"/api/v1/recordings/{other}/transcript").json()["version"] == 1
    empty = admin.post(
        "/api/v1/admin/transcripts/again",
        json={**form, "uploaded_from": "2020-01-01", "uploaded_to": "2020-01-02"},
    )
    assert empty.status_code == 409 and empty.json()["code"] == "transcript.batch_empty"
    with session_scope() as session:
        # The new version's conversation analysis waits (issue 23); nothing else does.
        queued = session.exec(select(Job).where(Job.status == JobStatus.queued)).all()
        assert [(j.kind, j.recording_id) for j in queued] == [(ANALYSE_CONVERSATION, english)]
    assert "bundled-tiny.en" in speech._engines
