"""A committed upload is never answered with an error: with the queue down the upload is
stored, answered and audited, and its job runs once the queue is back (within seconds)."""

import logging
import time

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.core.db import after_commit, session_scope
from app.jobs.models import JobStatus
from tests.support.audit import entries
from tests.support.jobs import PrivateRedis, Workers, the_job, wait_for  # noqa: F401
from tests.support.media import FORMATS, MediaSet
from tests.support.recordings import CONSENT, upload


@pytest.mark.slow
def test_upload_with_the_queue_down_is_answered_and_runs_when_it_is_back(
    workers: Workers,  # noqa: F811
    private_redis: PrivateRedis,
    client: TestClient,
    media: MediaSet,
    caplog: pytest.LogCaptureFixture,
) -> None:
    workers.start(SPARRING_QUEUE_URL=private_redis.url)
    private_redis.stop()  # the queue goes down for the web app and the worker alike

    with caplog.at_level(logging.ERROR, logger="app.core.db"):
        response = upload(client, media.encoded(FORMATS[6]))
    assert response.status_code == 201, response.text
    recording_id = response.json()["id"]
    assert (
        len(entries(action="upload", recording_id=recording_id)) == 1
    )  # the upload's audit entry is written
    assert any("after a commit failed" in r.getMessage() for r in caplog.records)
    job = the_job()
    assert job.status == JobStatus.queued and job.enqueued_at is None  # not sent, not lost

    # The page form too: 303 to the list, not an error page.
    with media.encoded(FORMATS[5]).open("rb") as fh:
        page = client.post(
            "/recordings/new",
            data={
                "title": "Samtale to",
                "case_reference": "SAG-2",
                "language": "en",
                "csrf_token": client.headers["X-CSRF-Token"],
                **CONSENT,
            },
            files={"file": ("b.m4a", fh, "application/octet-stream")},
            follow_redirects=False,
        )
    assert page.status_code == 303, page.text

    private_redis.start()
    back = time.monotonic()
    wait_for(lambda: _all_done(), 120, "both jobs to run once the queue is back")
    print(f"\nqueue back -> both jobs done in {time.monotonic() - back:.1f} s")


def _all_done() -> bool:
    from app.jobs.models import PROCESS_RECORDING, Job

    with session_scope() as session:  # the uploads' jobs (each queues its analysis after)
        statuses = session.exec(select(Job.status).where(Job.kind == PROCESS_RECORDING)).all()
    assert JobStatus.failed not in statuses
    return len(statuses) == 2 and all(s == JobStatus.succeeded for s in statuses)


def test_after_commit_actions_run_independently(
    sqlite_db: str, caplog: pytest.LogCaptureFixture
) -> None:
    ran: list[str] = []

    def broken() -> None:
        raise ConnectionError("queue down")

    with caplog.at_level(logging.ERROR, logger="app.core.db"), session_scope() as session:
        assert isinstance(session, Session)
        after_commit(session, broken)
        after_commit(session, lambda: ran.append("audit"))
    assert ran == ["audit"]  # the one after the failure still ran, and nothing was raised
    assert "queue down" in caplog.text
