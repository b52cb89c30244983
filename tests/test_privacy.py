"""Shares, consent and retention take effect at once, leave nothing behind, and are logged."""

from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlmodel import func, select

from app.access.models import Share
from app.core.config import settings
from app.core.db import get_engine, session_scope
from app.jobs.models import Job
from app.recordings import housekeeping
from app.recordings.models import Consent, Recording
from app.retention import service as retention
from app.transcripts.models import Segment, Transcript, Word
from tests.support import stored
from tests.support.accounts import ClientFor, user_id
from tests.support.audit import entries, last_seq
from tests.support.factories import SPOKEN_EN, make_ready
from tests.support.media import FORMATS, MediaSet
from tests.support.recordings import upload
from tests.support.servers import app_env, start_worker, stop, wait_until


def assert_gone_without_trace(recording_id: str) -> None:
    """No row and no file of the recording is left; nothing made from it either."""
    with session_scope() as session:
        for model in (Recording, Job, Transcript, Share, Consent):
            column = model.id if model is Recording else model.recording_id  # type: ignore[attr-defined]
            assert session.exec(select(func.count()).where(column == recording_id)).one() == 0
        assert session.exec(select(func.count()).select_from(Segment)).one() == 0
        assert session.exec(select(func.count()).select_from(Word)).one() == 0
    assert stored.keys(recording_id) == []


@pytest.fixture
def rid(store_db: str, client: TestClient, media: MediaSet) -> str:
    """A ready recording of the caseworker's, shared with the supervisor: its media in the
    data folder with SQLite, and in the S3 bucket with PostgreSQL."""
    created = upload(client, media.encoded(FORMATS[6]))
    assert created.status_code == 201, created.text
    rid = created.json()["id"]
    make_ready(rid, SPOKEN_EN, media_files=True)
    response = client.post(
        f"/api/v1/recordings/{rid}/shares", json={"user_id": user_id("supervisor")}
    )
    assert response.status_code == 201, response.text
    return rid


def set_deletion_date(recording_id: str, day: date) -> None:
    with session_scope() as session:
        recording = session.get(Recording, recording_id)
        assert recording is not None
        recording.delete_after = day


def test_withdrawn_share_takes_effect_at_once(
    rid: str, client: TestClient, client_for: ClientFor
) -> None:
    supervisor = client_for("supervisor")
    assert supervisor.get(f"/api/v1/recordings/{rid}/media").status_code == 200
    assert supervisor.get(f"/recordings/{rid}").status_code == 200
    share_id = client.get(f"/api/v1/recordings/{rid}/shares").json()[0]["id"]
    start = last_seq()

    assert client.delete(f"/api/v1/recordings/{rid}/shares/{share_id}").status_code == 204

    # The very next request, in the same browser session, is refused.
    for path in (
        "/api/v1/recordings/{rid}/media",
        "/api/v1/recordings/{rid}/transcript",
        "/api/v1/recordings/{rid}",
        "/api/v1/recordings/{rid}/transcript/export.srt",
    ):
        assert supervisor.get(path.format(rid=rid)).status_code == 404
    assert supervisor.get(f"/recordings/{rid}").status_code == 404
    assert rid not in supervisor.get("/recordings").text
    with session_scope() as session:
        assert session.exec(select(func.count()).select_from(Share)).one() == 0
    (entry,) = [e for e in entries(start) if e.action == "unshare"]
    assert entry.recording_id == rid and entry.actor_email == "sara@kommune.test"
    assert entry.detail == f"user {user_id('supervisor')}" and entry.ip == "testclient"


def test_withdrawn_consent_deletes_everything_at_once(
    rid: str, client: TestClient, client_for: ClientFor
) -> None:
    client.patch(
        f"/api/v1/recordings/{rid}/transcript/segments/"
        f"{client.get(f'/api/v1/recordings/{rid}/transcript').json()['segments'][0]['id']}",
        json={"text": "Rettet tekst", "speaker": "child"},
    )
    assert stored.exists(rid, "original")
    supervisor = client_for("supervisor")
    start = last_seq()

    assert client.post(f"/api/v1/recordings/{rid}/consent/withdraw").status_code == 204

    assert_gone_without_trace(rid)
    assert client.get(f"/api/v1/recordings/{rid}").status_code == 404
    assert supervisor.get(f"/api/v1/recordings/{rid}/media").status_code == 404
    (entry,) = [e for e in entries(start) if e.action == "consent_withdrawn"]
    assert entry.recording_id == rid
    # The log keeps that it happened, not what the recording was.
    for e in entries(0):
        assert "Samtale om skolen" not in e.detail and "SAG-2026-001" not in e.detail


def test_withdraw_consent_from_the_page(rid: str, client: TestClient) -> None:
    page = client.get(f"/recordings/{rid}").text
    assert f'action="/recordings/{rid}/consent/withdraw"' in page
    response = client.post(
        f"/recordings/{rid}/consent/withdraw",
        data={"csrf_token": client.cookies.get("vs_csrf")},
        headers={"X-CSRF-Token": ""},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert_gone_without_trace(rid)


def test_caseworker_deletes_own_recording_but_supervisor_cannot(
    rid: str, client: TestClient, client_for: ClientFor
) -> None:
    supervisor = client_for("supervisor")
    assert supervisor.delete(f"/api/v1/recordings/{rid}").status_code == 403
    assert stored.exists(rid, "original")
    start = last_seq()
    assert client.delete(f"/api/v1/recordings/{rid}").status_code == 204
    assert_gone_without_trace(rid)
    assert [e.action for e in entries(start)] == ["delete"]


def test_expired_retention_date_deletes_files_and_rows(
    rid: str, client: TestClient, media: MediaSet
) -> None:
    keep = upload(client, media.encoded(FORMATS[7])).json()["id"]
    set_deletion_date(rid, retention.today())  # today is the last day: due now
    start = last_seq()

    assert housekeeping.purge_expired() == [rid]

    assert_gone_without_trace_except(rid, keep)
    (entry,) = [e for e in entries(start) if e.action == "retention_delete"]
    assert entry.recording_id == rid and entry.actor_id is None


def assert_gone_without_trace_except(rid: str, keep: str) -> None:
    with session_scope() as session:
        assert session.get(Recording, rid) is None
        assert session.get(Recording, keep) is not None
        assert session.exec(select(func.count()).where(Consent.recording_id == rid)).one() == 0
    assert stored.keys(rid) == []
    assert stored.exists(keep, "original")


@pytest.mark.slow
def test_worker_sweep_deletes_expired_recordings(
    sqlite_db: str, client: TestClient, media: MediaSet
) -> None:
    """The periodic job in a real worker process, not a direct call."""
    rid = upload(client, media.encoded(FORMATS[7])).json()["id"]
    set_deletion_date(rid, retention.today() - timedelta(days=1))
    worker = start_worker(app_env(SPARRING_DATABASE_URL=settings.sqlalchemy_url))
    try:
        wait_until(lambda: not stored.keys(rid), 30, "the sweep")
    finally:
        stop(worker)
    assert stored.keys(rid) == []
    with session_scope() as session:
        assert session.get(Recording, rid) is None


def test_page_warns_before_the_deletion_date(rid: str, client: TestClient) -> None:
    assert 'id="retention-warning"' not in client.get(f"/recordings/{rid}").text
    set_deletion_date(rid, retention.today() + timedelta(days=5))
    page = client.get(f"/recordings/{rid}").text
    assert 'id="retention-warning"' in page and "slettes om 5 dage" in page


@pytest.mark.parametrize(
    ("delete_after", "words"),
    [("2001-01-01", "efter i dag"), ("not-a-date", "ÅÅÅÅ-MM-DD"), ("9999-01-01", "senest")],
)
def test_deletion_date_outside_the_policy_is_refused(
    delete_after: str, words: str, sqlite_db: str, client: TestClient, media: MediaSet
) -> None:
    response = upload(client, media.encoded(FORMATS[6]), extra={"delete_after": delete_after})
    assert response.status_code == 422
    assert words in response.json()["detail"]
    assert stored.keys() == []


@pytest.mark.parametrize(
    ("override", "words"),
    [
        ({"consent_child": None}, "samtykke"),
        ({"consent_custody": "off"}, "samtykke"),
        ({"consent_date": "2999-01-01"}, "dato"),
        ({"consent_date": ""}, "dato"),
        (
            {"consent_individual": None, "consent_team": None, "consent_teaching": None},
            "formål",
        ),
        ({"consent_given_by": "naboen"}, "samtykke"),
    ],
)
def test_upload_without_full_consent_is_refused(
    override: dict, words: str, db: str, client: TestClient, media: MediaSet
) -> None:
    response = upload(client, media.encoded(FORMATS[6]), extra=override)
    assert response.status_code == 422, response.text
    assert words in response.json()["detail"].lower()
    with session_scope() as session:
        assert session.exec(select(func.count()).select_from(Recording)).one() == 0


def test_consent_record_is_kept_with_the_recording(rid: str, client: TestClient) -> None:
    with session_scope() as session:
        consent = session.get(Consent, rid)
        assert consent is not None
        assert consent.child_consented and consent.custody_holders_consented
        assert consent.given_by == "child_and_custody"
        assert consent.purposes == ["individual", "team", "teaching"]
        assert consent.recorded_by_id == user_id("caseworker")
        assert consent.consented_on == retention.today() - timedelta(days=1)


def test_objects_without_a_row_are_swept(
    store_db: str, client: TestClient, media: MediaSet
) -> None:
    """An object kept by a process that died before its commit: removed once it is older
    than any work in progress; the objects of recordings stay."""
    rid = upload(client, media.encoded(FORMATS[7])).json()["id"]
    stored.replace("deadbeef", "original", b"left by a crash")
    assert housekeeping.remove_orphans() == []  # an hour is the least age: it may be in use
    assert housekeeping.remove_orphans(min_age_seconds=0) == ["deadbeef/original"]
    assert stored.keys() == [f"{rid}/original"]


def test_every_kind_of_access_is_logged(
    rid: str, client: TestClient, client_for: ClientFor
) -> None:
    start = last_seq()
    supervisor = client_for("supervisor")
    supervisor.get(f"/recordings/{rid}")
    supervisor.get(f"/api/v1/recordings/{rid}/media", headers={"Range": "bytes=0-"})
    supervisor.get(f"/api/v1/recordings/{rid}/media", headers={"Range": "bytes=500-900"})
    supervisor.get(f"/api/v1/recordings/{rid}/transcript/export.srt")
    segment = client.get(f"/api/v1/recordings/{rid}/transcript").json()["segments"][0]
    client.patch(
        f"/api/v1/recordings/{rid}/transcript/segments/{segment['id']}", json={"speaker": "child"}
    )
    client_for("caseworker2").get(f"/api/v1/recordings/{rid}")  # refused: not logged as view
    logged = entries(start)
    actions = [(e.action, e.actor_email, e.recording_id) for e in logged]
    sup, cw = "soren@kommune.test", "sara@kommune.test"
    assert ("login", sup, None) in actions
    assert ("view", sup, rid) in actions
    assert actions.count(("playback", sup, rid)) == 1  # a seek is not a new playback
    assert ("download", sup, rid) in actions
    assert ("transcript_edit", cw, rid) in actions
    assert all(e.at is not None and e.ip for e in logged)
    assert not [a for a in actions if a[1] == "carl@kommune.test" and a[2] == rid]


def test_audit_log_rows_cannot_be_changed_through_the_database(db: str) -> None:
    from app.audit import service as audit

    audit.record(action="view", detail="row to protect")
    with pytest.raises(Exception, match="append-only"), get_engine().begin() as conn:
        conn.execute(text("UPDATE auditentry SET detail = 'changed' WHERE seq = 1"))
    with pytest.raises(Exception, match="append-only"), get_engine().begin() as conn:
        conn.execute(text("DELETE FROM auditentry WHERE seq = 1"))
