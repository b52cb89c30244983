"""Liveness and readiness (issue 26): /livez answers whatever else is down; /readyz checks
the database, the queue, the media store (a probe object written, read back and deleted, in
the data folder and in the S3 bucket), free disk, a live worker for every model in use and
the oldest queued job, and answers 503 when a critical one fails (`?all=1`: any)."""

from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlmodel import col

from app.core.config import settings
from app.core.db import session_scope
from app.core.timeutil import utcnow
from app.health import checks
from app.jobs import presence
from app.jobs.models import Job, JobStatus
from app.media.store import current
from tests.support.database import using
from tests.support.factories import ready_recording
from tests.support.media import MediaSet


@pytest.fixture(autouse=True)
def fresh() -> Iterator[None]:
    checks._cache.clear()  # each request checks anew
    yield
    checks._cache.clear()


def by_name(answer: dict) -> dict[str, dict]:  # type: ignore[type-arg]
    return {c["name"]: c for c in answer["checks"]}


def test_ready_while_the_critical_checks_pass_and_each_store_is_probed(
    store_db: str, anonymous: TestClient
) -> None:
    answer = anonymous.get("/readyz")
    assert answer.status_code == 200, answer.text
    assert answer.headers["cache-control"] == "no-store"
    found = by_name(answer.json())
    for name in ("database", "queue", "media_store", "free_disk"):
        assert found[name]["ok"] and found[name]["critical"], found[name]
    kind = "s3" if store_db.startswith("s3") else "local"
    assert found["media_store"]["detail"] == f"the {kind} store writes, reads and deletes"
    assert [item.key for item in current().list(checks.PROBE_PREFIX)] == []  # nothing left
    # No worker runs beside these tests: reported, not a reason to take the app out.
    assert not found["workers"]["ok"] and not found["workers"]["critical"]
    assert answer.json()["status"] == "degraded"
    assert anonymous.get("/readyz", params={"all": "1"}).status_code == 503
    assert anonymous.get("/livez").json() == {"status": "ok"}


def test_a_worker_for_every_model_and_no_old_job_make_it_wholly_healthy(
    sqlite_db: str, anonymous: TestClient, media: MediaSet, client: TestClient
) -> None:
    models = checks.models_in_use()
    with session_scope() as session:
        offer = presence.Offer("testhost:1", tuple(models[:-1]), "cpu", "int8")
        presence.announce(session=session, offer=offer)
    missing = by_name(anonymous.get("/readyz").json())["workers"]
    if len(models) > 1:
        assert not missing["ok"] and models[-1] in missing["detail"]
    with session_scope() as session:
        offer = presence.Offer("testhost:1", tuple(models), "cpu", "int8")
        presence.announce(session=session, offer=offer)
    checks._cache.clear()
    answer = anonymous.get("/readyz", params={"all": "1"})
    assert answer.status_code == 200, answer.text
    assert answer.json()["status"] == "ok"

    # A job queued two hours ago: reported with its age.
    rid = ready_recording(client, media)
    with session_scope() as session:
        session.execute(
            update(Job)
            .where(col(Job.recording_id) == rid)
            .values(status=JobStatus.queued, created_at=utcnow() - timedelta(hours=2))
        )
    checks._cache.clear()
    answer = anonymous.get("/readyz", params={"all": "1"})
    assert answer.status_code == 503
    oldest = by_name(answer.json())["oldest_queued_job"]
    assert not oldest["ok"] and "has waited 7" in oldest["detail"]
    checks._cache.clear()
    assert anonymous.get("/readyz").status_code == 200  # not critical


def test_a_full_disk_or_a_database_down_is_not_ready_but_still_live(
    sqlite_db: str, anonymous: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(settings, "health_min_free_mb", 10**12)  # more than any disk has
    answer = anonymous.get("/readyz")
    assert answer.status_code == 503
    assert not by_name(answer.json())["free_disk"]["ok"]
    assert answer.json()["status"] == "unavailable"
    monkeypatch.undo()

    checks._cache.clear()
    with using("postgresql+psycopg://nobody@127.0.0.1:9/nothing?connect_timeout=2"):
        answer = anonymous.get("/readyz")
        assert answer.status_code == 503
        database = by_name(answer.json())["database"]
        assert not database["ok"] and "OperationalError" in database["detail"]
        assert anonymous.get("/livez").status_code == 200
        assert anonymous.get("/healthz").status_code == 200
    checks._cache.clear()
    assert anonymous.get("/readyz").status_code == 200
