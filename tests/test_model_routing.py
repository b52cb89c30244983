"""Workers with different models (issue 22): a recording's job names its language's model,
each worker says which models it has, a job goes only to a worker that has its model (the
claim itself refuses the others, and each model has its own queue), a recording whose model
no live worker has says so and waits, and with the fallback setting another model takes it.

Real worker processes with the real bundled models: one with only `bundled-base` (Danish),
one with only `bundled-tiny.en` (English), on the embedded SQLite queue and on Redis."""

import signal
import subprocess
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlmodel import col, select

from app.core.config import Settings, settings
from app.core.db import session_scope
from app.jobs import presence, queue
from app.jobs import service as job_service
from app.jobs.models import PROCESS_RECORDING, Job, JobStatus, WorkerPresence
from app.transcripts.models import Transcript
from tests.support.jobs import PrivateRedis, Workers, wait_for  # noqa: F401
from tests.support.media import MediaSet
from tests.support.recordings import upload
from tests.support.servers import stop
from workers import tasks

BASE, TINY_EN = "bundled-base", "bundled-tiny.en"
PER_LANGUAGE = f"da={BASE},en={TINY_EN}"
WAITING_DA = "Venter på en arbejder med talemodellen Whisper base"


@pytest.fixture
def per_language(monkeypatch: pytest.MonkeyPatch) -> None:
    """The web app (this process) maps Danish to base and English to tiny.en."""
    monkeypatch.setattr(settings, "whisper_models", PER_LANGUAGE)


def jobs_by_recording() -> dict[str, Job]:
    """Each recording's processing job (its conversation's analysis follows it)."""
    with session_scope() as session:
        jobs = session.exec(
            select(Job).where(Job.kind == PROCESS_RECORDING).order_by(col(Job.id))
        ).all()
        for job in jobs:
            session.expunge(job)
    return {job.recording_id: job for job in jobs}


def uploaded(client: TestClient, media: MediaSet, language: str) -> str:
    """A recording in `language`: English speech, or for Danish a tone (what is asserted is
    which worker's model heard it; base on synthetic Danish speech repeats itself and is
    heard again the slow way, a minute of CPU that says nothing about the routing)."""
    audio = media.speech("en") if language == "en" else media.tone(3)
    answer = upload(client, audio, language=language)
    assert answer.status_code == 201, answer.text
    return str(answer.json()["id"])


# --- Settings, claims, queues, presence: in this process --------------------------------------


def test_a_worker_offers_its_own_models_or_those_it_is_told(tmp_path) -> None:  # type: ignore[no-untyped-def]
    own = Settings(data_dir=tmp_path, whisper_model=TINY_EN, whisper_models=f"da={BASE}")
    assert own.offered_models() == [TINY_EN, BASE]
    told = Settings(data_dir=tmp_path, whisper_models=PER_LANGUAGE, worker_models=f" {BASE} ,")
    assert told.offered_models() == [BASE]


def test_a_recordings_job_names_its_languages_model_and_the_claim_refuses_other_workers(
    db: str, client: TestClient, media: MediaSet, per_language: None
) -> None:
    """On SQLite and PostgreSQL: the condition is in the claim's UPDATE itself."""
    made = {language: uploaded(client, media, language) for language in ("da", "en")}
    jobs = jobs_by_recording()
    assert {lang: jobs[rid].model for lang, rid in made.items()} == {"da": BASE, "en": TINY_EN}
    danish = jobs[made["da"]].id
    assert danish is not None
    with session_scope() as session:
        refused = job_service.claim(
            session=session, job_id=danish, owner="en-worker", models=[TINY_EN]
        )
    assert refused is None
    left = jobs_by_recording()[made["da"]]
    assert (left.status, left.attempts, left.lease_owner, left.claimed_by) == (
        JobStatus.queued,
        0,
        None,
        None,
    )
    with session_scope() as session:
        taken = job_service.claim(
            session=session, job_id=danish, owner="da-worker", models=[TINY_EN, BASE]
        )
    assert taken is not None and (taken.model, taken.fallback_from) == (BASE, None)
    assert jobs_by_recording()[made["da"]].claimed_by == "da-worker"


def test_a_worker_without_the_model_does_not_run_the_job(
    sqlite_db: str, client: TestClient, media: MediaSet, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(settings, "whisper_models", f"da={BASE}")
    rid = uploaded(client, media, "da")
    monkeypatch.setattr(settings, "whisper_models", "")  # this worker: tiny.en only
    job = jobs_by_recording()[rid]
    assert job.id is not None and job.model == BASE
    assert tasks.run_job(job.id) == "not-claimed"
    assert jobs_by_recording()[rid].attempts == 0


def test_each_model_has_its_own_queue_and_a_job_is_sent_to_its_models(
    sqlite_db: str, client: TestClient, media: MediaSet, per_language: None
) -> None:
    names = {queue.queue_name(m) for m in (None, BASE, TINY_EN, "/srv/models/hviske-v2-ct2")}
    assert len(names) == 4 and queue.queue_name(None) == "videosparring"
    assert all("/" not in name and len(name) <= 40 for name in names)
    for model in (None, BASE, TINY_EN):
        queue.huey_for(model).flush()
    made = {language: uploaded(client, media, language) for language in ("da", "en")}
    assert queue.huey.pending_count() == 0
    assert queue.huey_for(BASE).pending_count() == 1
    assert queue.huey_for(TINY_EN).pending_count() == 1
    jobs = jobs_by_recording()
    assert all(jobs[rid].enqueued_at is not None for rid in made.values())
    for model in (None, BASE, TINY_EN):
        queue.huey_for(model).flush()


def test_a_worker_is_live_while_it_says_so(db: str) -> None:
    offer = presence.Offer("host:1", (BASE,), "cpu", "int8")
    with session_scope() as session:
        assert presence.live_models(session=session) is None  # no worker heard from at all
        presence.announce(session=session, offer=offer)
        presence.announce(
            session=session, offer=presence.Offer("host:2", (TINY_EN,), "cuda", "f16")
        )
    with session_scope() as session:
        assert presence.live_models(session=session) == {BASE, TINY_EN}
        presence.leave(session=session, worker="host:2")
        session.execute(
            update(WorkerPresence)
            .where(col(WorkerPresence.id) == "host:1")
            .values(seen_at=datetime(2000, 1, 1, tzinfo=UTC))
        )
    with session_scope() as session:
        assert presence.live(session=session) == []  # one left, one not heard from since


# --- Real workers -------------------------------------------------------------------------------


def start(workers: Workers, *models: str, **env: str) -> subprocess.Popen[bytes]:
    """A worker process that offers `models` only; returned once it says it lives."""
    proc = workers.start(
        SPARRING_WHISPER_MODEL=models[0], SPARRING_WORKER_MODELS=",".join(models), **env
    )

    def announced() -> bool:
        assert proc.poll() is None, f"the worker exited with {proc.returncode}"
        with session_scope() as session:
            offers = presence.live(session=session)
        return any(o.worker.endswith(f":{proc.pid}") and o.models == models for o in offers)

    wait_for(announced, 120, f"a worker with {models} to start")
    return proc


def pid_of(owner: str | None) -> int | None:
    return int(owner.split(":")[1]) if owner else None


def done(*recording_ids: str) -> bool:
    jobs = jobs_by_recording()
    assert all(jobs[rid].status != JobStatus.failed for rid in recording_ids), jobs
    return all(jobs[rid].status == JobStatus.succeeded for rid in recording_ids)


def transcribed_with() -> dict[str, str]:
    with session_scope() as session:
        rows = session.exec(select(Transcript.recording_id, Transcript.model_name)).all()
    return dict(rows)


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["embedded", "redis"])
def test_two_workers_with_different_models_each_take_only_their_languages_recordings(
    backend: str,
    workers: Workers,  # noqa: F811
    client: TestClient,
    media: MediaSet,
    per_language: None,
    request: pytest.FixtureRequest,
) -> None:
    env: dict[str, str] = {}
    if backend == "redis":
        env["SPARRING_QUEUE_URL"] = request.getfixturevalue("private_redis").url
    english_worker = start(workers, TINY_EN, **env)
    made = {language: uploaded(client, media, language) for language in ("da", "en")}
    wait_for(lambda: done(made["en"]), 120, "the English recording to be transcribed")

    # No live worker has base: the Danish recording says so in words, and waits.
    status = client.get(f"/api/v1/recordings/{made['da']}/status").json()
    assert (status["status"], status["label"]) == ("queued", WAITING_DA), status
    assert "IT" in status["reason"] and not status["waiting"]  # not "for a free worker"
    page = client.get(f"/recordings/{made['da']}")
    assert WAITING_DA in page.text and "bundled-base" not in page.text
    assert jobs_by_recording()[made["da"]].attempts == 0

    danish_worker = start(workers, BASE, **env)
    wait_for(lambda: done(made["da"]), 180, "the Danish recording to be transcribed")
    assert transcribed_with() == {made["da"]: BASE, made["en"]: TINY_EN}
    jobs = jobs_by_recording()
    # Each job was claimed once, by the worker with its model; the other never took it.
    assert pid_of(jobs[made["da"]].claimed_by) == danish_worker.pid
    assert pid_of(jobs[made["en"]].claimed_by) == english_worker.pid
    assert [jobs[rid].attempts for rid in made.values()] == [1, 1]
    assert all(job.fallback_from is None for job in jobs.values())
    page = client.get(f"/recordings/{made['da']}")
    assert "Whisper base" in page.text and WAITING_DA not in page.text

    stop(danish_worker)  # a clean stop: it no longer counts as having base
    with session_scope() as session:
        assert presence.live_models(session=session) == {TINY_EN}


@pytest.mark.slow
def test_with_the_fallback_setting_another_model_takes_a_job_no_live_worker_can(
    workers: Workers,  # noqa: F811
    client: TestClient,
    media: MediaSet,
    per_language: None,
) -> None:
    english_worker = start(
        workers,
        TINY_EN,
        SPARRING_WHISPER_MODEL_FALLBACK="true",
        SPARRING_WHISPER_MODEL_FALLBACK_SECONDS="1",
    )
    danish = uploaded(client, media, "da")
    wait_for(lambda: done(danish), 120, "the Danish recording to be transcribed after all")
    job = jobs_by_recording()[danish]
    assert (job.model, job.fallback_from) == (TINY_EN, BASE)
    assert pid_of(job.claimed_by) == english_worker.pid
    assert transcribed_with() == {danish: TINY_EN}
    # The transcript says so: in the API's provenance and on the page, in words.
    provenance = client.get(f"/api/v1/recordings/{danish}/transcript").json()["provenance"]
    assert (provenance["model_name"], provenance["fallback_from"]) == (TINY_EN, BASE)
    page = client.get(f"/recordings/{danish}").text
    assert "Talemodellen Whisper base var ønsket; ingen arbejder havde den" in page
    english_worker.send_signal(signal.SIGTERM)
    english_worker.wait(30)
    with session_scope() as session:
        assert presence.live(session=session) == []  # a clean exit takes its row away
