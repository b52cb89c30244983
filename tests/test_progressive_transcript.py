"""The transcript grows while the worker hears the recording (issue 11): segments are stored
as they come and can be read before the job ends; a job taken over by another worker carries
on after the last stored segment, so no line shows twice and none vanishes.

Real pipeline, real faster-whisper (the tests' tiny model), on speech, a minute of quiet and
the speech again (tests/test_speech.py `speech_around_a_long_silence`): two stretches of
speech, so the worker stores the first before it has heard the second.
"""

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from app.core.config import Settings
from app.core.db import session_scope
from app.recordings.models import Recording
from app.transcripts.models import Segment
from tests.support.jobs import after_first_batch, expire_lease, the_job
from tests.support.media import MediaSet, speech_around_a_long_silence
from tests.support.recordings import upload
from workers import speech
from workers.tasks import run_job


class Killed(BaseException):
    """The worker's process dies here: nothing of it runs after (not even its failure
    handling, which catches Exception)."""


@pytest.fixture
def uploaded(
    sqlite_db: str, client: TestClient, media: MediaSet, tmp_path: Path
) -> tuple[int, float]:
    """The speech around a long silence, uploaded: its job's id, and how long the speech is."""
    audio, said = speech_around_a_long_silence(media, tmp_path)
    response = upload(client, audio, language="en")
    assert response.status_code == 201, response.text
    job_id = the_job().id
    assert job_id is not None
    return job_id, said


def stored() -> list[Segment]:
    with session_scope() as session:
        rows = session.exec(select(Segment).order_by(Segment.position)).all()  # type: ignore[arg-type]
        for row in rows:
            session.expunge(row)
        return list(rows)


def test_the_transcript_can_be_read_while_it_is_being_made(
    uploaded: tuple[int, float], client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    job_id, said = uploaded
    rid = the_job().recording_id
    midway: list[dict] = []

    def read() -> None:
        status = client.get(f"/api/v1/recordings/{rid}").json()["status"]
        body = client.get(f"/api/v1/recordings/{rid}/transcript")
        assert body.status_code == 200, body.text
        midway.append({"status": status, **body.json()})

    after_first_batch(monkeypatch, read)
    assert run_job(job_id) == "succeeded"
    assert len(midway) == 1
    early = midway[0]
    assert early["status"] == "processing" and early["complete"] is False
    assert early["segments"], "nothing was readable before the job ended"
    assert all(s["start"] < said + 1 for s in early["segments"])  # only the first stretch
    final = client.get(f"/api/v1/recordings/{rid}/transcript").json()
    assert final["complete"] is True
    assert len(final["segments"]) > len(early["segments"])
    assert [s["id"] for s in final["segments"][: len(early["segments"])]] == [
        s["id"] for s in early["segments"]
    ]
    with session_scope() as session:
        recording = session.get(Recording, rid)
        assert recording is not None and recording.status == "ready"


def test_a_job_taken_over_carries_on_after_the_last_stored_segment(
    uploaded: tuple[int, float], client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On SQLite here; tests/test_jobs.py kills a real worker process mid-transcription and
    checks the same on the other worker's run."""
    job_id, said = uploaded

    def die() -> None:
        raise Killed()

    after_first_batch(monkeypatch, die)
    with pytest.raises(Killed):
        run_job(job_id)
    first = stored()
    assert first and all(s.start < said + 1 for s in first)
    # The lease runs out; another worker takes the job (a claim of an expired lease).
    monkeypatch.undo()
    expire_lease(job_id)
    assert run_job(job_id) == "succeeded"
    final = stored()
    assert [s.id for s in final[: len(first)]] == [s.id for s in first]  # kept as they were
    assert [s.position for s in final] == list(range(len(final)))
    rest = final[len(first) :]
    assert rest, "the second stretch of speech was not heard"
    assert all(s.start >= first[-1].end - 0.05 for s in rest)  # nothing heard twice
    assert all(a.start <= b.start for a, b in zip(final, final[1:], strict=False))
    assert the_job().attempts == 2


@pytest.mark.parametrize("batched", [True, False])
def test_hearing_starts_where_asked(tmp_path: Path, media: MediaSet, batched: bool) -> None:
    """`start_at` skips what is already stored, in both pipelines; times stay the recording's."""
    audio, said = speech_around_a_long_silence(media, tmp_path)
    settings = Settings(
        data_dir=tmp_path,
        whisper_model="bundled-tiny.en",
        whisper_cpu_threads=2,
        whisper_batch_size=8 if batched else 0,
    )
    engine = speech.FasterWhisperEngine(settings)
    resumed = list(engine.transcribe(audio, "en", start_at=said + 30))
    engine.release()
    assert resumed, "the second stretch of speech was not heard"
    assert all(s.start >= said + 30 for s in resumed)
    assert all(w.start >= said + 30 for s in resumed for w in s.words)
    assert "horses" in " ".join(s.text for s in resumed).lower()
