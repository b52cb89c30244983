"""Status a person understands: stage words, time left, waiting, failure keys, retry."""

import re
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlmodel import col, select

from app.audit.models import AuditEntry
from app.core.config import settings
from app.core.db import session_scope
from app.core.timeutil import utcnow
from app.jobs import reasons
from app.jobs import service as job_service
from app.jobs.models import Job, JobStatus
from app.library.service import eta_words, time_left
from app.recordings import service as recording_service
from app.recordings.models import Recording
from tests.support.accounts import ClientFor
from tests.support.jobs import process_queued_jobs
from tests.support.media import FORMATS, MediaSet
from tests.support.recordings import upload
from workers import tasks

# What ffmpeg or the server would say: none of it may reach a page.
TECHNICAL = re.compile(r"moov|Invalid data|ffmpeg|ffprobe|Traceback|/tmp/|\.py\b", re.IGNORECASE)


def broken_recording(client: TestClient, media: MediaSet) -> str:
    """A recording whose stored file broke after the upload check: its job fails at once."""
    recording_id = str(upload(client, media.encoded(FORMATS[0])).json()["id"])
    original = settings.media_dir / recording_id / "original"
    original.write_bytes(original.read_bytes()[:2000])
    assert process_queued_jobs() == ["failed"]
    return recording_id


def jobs_of(recording_id: str) -> list[Job]:
    with session_scope() as session:
        rows = session.exec(
            select(Job).where(Job.recording_id == recording_id).order_by(col(Job.id))
        ).all()
        for job in rows:
            session.expunge(job)
        return list(rows)


def test_broken_file_ends_with_a_key_shown_in_each_language(
    sqlite_db: str, client: TestClient, media: MediaSet
) -> None:
    recording_id = broken_recording(client, media)
    [job] = jobs_of(recording_id)
    assert reasons.decode(job.last_error) == ("failure.corrupt", {})
    api = client.get(f"/api/v1/recordings/{recording_id}").json()
    assert reasons.key_of(api["failure_reason"]) == "failure.corrupt"

    danish = client.get(f"/recordings/{recording_id}").text
    assert "beskadiget eller ufuldstændig" in danish and 'id="retry"' in danish
    english = client.get(f"/recordings/{recording_id}?lang=en").text
    assert "damaged or incomplete" in english and "Try again" in english
    for page in (danish, english):
        assert str(settings.media_dir) not in page and not TECHNICAL.search(page)
    # Not ready: nothing to share yet, and the page does not offer it.
    assert 'class="share-form"' not in danish and 'id="share-not-ready"' in danish

    status = client.get(f"/api/v1/recordings/{recording_id}/status?lang=en").json()
    assert status["status"] == "failed" and not status["busy"]
    assert status["reason_key"] == "failure.corrupt" and "damaged" in status["reason"]


def test_an_older_plain_text_reason_still_shows_without_its_path(
    sqlite_db: str, client: TestClient, media: MediaSet
) -> None:
    recording_id = broken_recording(client, media)
    old = "Optagelsen kunne ikke læses (/srv/data/media/abc/original: moov atom not found)."
    with session_scope() as session:
        session.execute(
            update(Recording).where(col(Recording.id) == recording_id).values(failure_reason=old)
        )
    page = client.get(f"/recordings/{recording_id}").text
    assert "Optagelsen kunne ikke læses" in page and "/srv/data" not in page


def test_owner_retries_a_failed_recording_with_a_new_job(
    sqlite_db: str, client: TestClient, client_for: ClientFor, media: MediaSet
) -> None:
    recording_id = broken_recording(client, media)
    url = f"/api/v1/recordings/{recording_id}/retry"
    # Someone else's recording does not exist for them; a leader may never act on one.
    assert client_for("caseworker2").post(url).status_code == 404
    assert client_for("leader").post(url).status_code in (403, 404)
    assert client_for("supervisor").post(url).status_code == 404
    assert [j.status for j in jobs_of(recording_id)] == [JobStatus.failed]

    answer = client.post(url)
    assert answer.status_code == 202, answer.text
    old, new = jobs_of(recording_id)
    assert (old.status, new.status, new.attempts) == (JobStatus.failed, JobStatus.queued, 0)
    recording = client.get(f"/api/v1/recordings/{recording_id}").json()
    assert (recording["status"], recording["failure_reason"], recording["progress"]) == (
        "queued",
        None,
        0.0,
    )
    with session_scope() as session:
        entry = session.exec(
            select(AuditEntry).where(
                AuditEntry.action == "retry", AuditEntry.recording_id == recording_id
            )
        ).one()
    assert entry.actor_email == "sara@kommune.test"

    # Only a failed recording is tried again.
    refused = client.post(url)
    assert refused.status_code == 409
    assert "kan prøves igen" in refused.text

    # The new job runs: the file is still broken, so it fails again, with the same key.
    assert process_queued_jobs() == ["failed"]
    again = client.get(f"/api/v1/recordings/{recording_id}").json()
    assert again["status"] == "failed"
    assert reasons.key_of(again["failure_reason"]) == "failure.corrupt"


def test_retry_from_the_page_needs_the_owner_and_the_token(
    sqlite_db: str, client: TestClient, client_for: ClientFor, media: MediaSet
) -> None:
    recording_id = broken_recording(client, media)
    token = client.cookies.get("vs_csrf")
    other = client_for("caseworker2")
    refused = other.post(
        f"/recordings/{recording_id}/retry",
        data={"csrf_token": other.cookies.get("vs_csrf")},
        follow_redirects=False,
    )
    assert refused.status_code == 404
    no_token = client.post(
        f"/recordings/{recording_id}/retry",
        headers={"X-CSRF-Token": ""},
        follow_redirects=False,
    )
    assert no_token.status_code == 403
    done = client.post(
        f"/recordings/{recording_id}/retry", data={"csrf_token": token}, follow_redirects=False
    )
    assert done.status_code == 303
    page = client.get(done.headers["location"]).text
    assert (
        "Optagelsen er sat i kø igen." in page and "venter på en ledig plads i behandlingen" in page
    )


def test_queued_waits_for_a_worker_and_running_shows_stage_and_time_left(
    sqlite_db: str, client: TestClient, media: MediaSet
) -> None:
    recording_id = upload(client, media.encoded(FORMATS[5])).json()["id"]
    waiting = client.get(f"/api/v1/recordings/{recording_id}/status").json()
    assert waiting["waiting"] and waiting["busy"]
    assert waiting["label"] == "I kø – venter på en ledig plads i behandlingen"

    [job] = jobs_of(recording_id)
    assert job.id is not None
    claim = tasks.claim_job(job.id, owner="test")
    assert claim is not None
    started = client.get(f"/api/v1/recordings/{recording_id}/status?lang=en").json()
    assert started["status"] == "processing" and not started["waiting"]
    assert started["eta"] is None  # nothing to tell it from yet

    # Transcription is a third done after four minutes: about eight minutes are left.
    with session_scope() as session:
        state = job_service.report_progress(
            session=session, claim=claim, stage="transcribe", progress=1 / 3
        )
        assert state is not None
        recording_service.follow_job(session=session, state=state)
        session.execute(
            update(Job)
            .where(col(Job.id) == job.id)
            .values(started_at=utcnow() - timedelta(minutes=4))
        )
    status = client.get(f"/api/v1/recordings/{recording_id}/status?lang=en").json()
    assert (status["label"], status["percent"], status["eta"]) == (
        "Transcribing",
        33,
        "about 8 minutes left",
    )
    page = client.get(f"/recordings/{recording_id}").text
    assert "Laver udskrift" in page and "omkring 8 minutter tilbage" in page
    assert 'aria-live="polite"' in page and page.count("aria-live") == 1


def test_time_left_waits_for_a_rate_and_words_pick_plurals() -> None:
    now = utcnow()
    assert time_left(progress=0.02, started_at=now - timedelta(minutes=1), now=now) is None
    assert time_left(progress=0.5, started_at=now - timedelta(seconds=1), now=now) is None
    assert time_left(progress=0.5, started_at=None, now=now) is None
    assert time_left(progress=0.5, started_at=now - timedelta(seconds=90), now=now) == 90
    assert eta_words(None, "da") is None
    assert eta_words(30, "da") == "under et minut tilbage"
    assert eta_words(80, "en") == "about 1 minute left"
    assert eta_words(150, "da") == "omkring 2 minutter tilbage"


def test_list_has_one_small_live_region(
    sqlite_db: str, client: TestClient, media: MediaSet
) -> None:
    upload(client, media.encoded(FORMATS[5]))
    page = client.get("/recordings").text
    assert page.count("aria-live") == 1
    live = re.search(r'<p[^>]*id="status-live"[^>]*>(.*?)</p>', page, re.DOTALL)
    assert live and "1 optagelse behandles eller venter" in live.group(1)
    assert "<tbody>" in page
    statuses = client.get("/api/v1/recordings/status").json()
    assert [s["waiting"] for s in statuses] == [True]


def test_a_failed_recording_cannot_be_shared_until_a_retry_succeeds(
    sqlite_db: str, client: TestClient, media: MediaSet
) -> None:
    """Nothing to watch: the API refuses the share and no share row is made; the page
    offers no share form."""
    from app.access.models import Share
    from tests.support.accounts import user_id

    recording_id = broken_recording(client, media)
    target = {"user_id": user_id("supervisor")}
    refused = client.post(f"/api/v1/recordings/{recording_id}/shares", json=target)
    assert refused.status_code == 409, refused.text
    assert refused.json()["code"] == "status.share_not_ready"
    with session_scope() as session:
        assert session.exec(select(Share)).all() == []
    page = client.get(f"/recordings/{recording_id}").text
    assert 'id="share-not-ready"' in page and 'name="target"' not in page
