"""A model per language (issue 22, first part): `SPARRING_WHISPER_MODELS` maps languages to
models; a recording is transcribed with its language's model and its transcript says which.
Real pipeline, real faster-whisper with both bundled models at once: `bundled-base` for
Danish, `bundled-tiny.en` for English, and a default that does not exist (so a recording
transcribed by the default would fail)."""

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlmodel import select

from app.core.config import Settings, settings
from app.core.db import session_scope
from app.jobs.models import Job
from app.transcripts.models import Transcript
from tests.support.media import MediaSet
from tests.support.recordings import upload
from workers import speech
from workers.tasks import run_job


def test_the_setting_names_a_model_per_language(tmp_path) -> None:  # type: ignore[no-untyped-def]
    chosen = Settings(
        data_dir=tmp_path,
        whisper_model="bundled-tiny.en",
        whisper_models="da=/srv/models/hviske-v2-ct2, EN = bundled-base",
    )
    assert chosen.whisper_model_for("da") == "/srv/models/hviske-v2-ct2"
    assert chosen.whisper_model_for("en") == "bundled-base"
    assert chosen.whisper_model_for("sv") == "bundled-tiny.en"  # not named: the default
    for wrong in ("da", "da=", "danish=x", "da=a,da=b", "=bundled-base"):
        with pytest.raises(ValidationError, match="SPARRING_WHISPER_MODELS"):
            Settings(data_dir=tmp_path, whisper_models=wrong)


def test_each_recording_is_transcribed_with_its_languages_model_and_says_so(
    sqlite_db: str, client: TestClient, media: MediaSet, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(settings, "whisper_model", "/no/such/default-model")
    monkeypatch.setattr(settings, "whisper_models", "da=bundled-base,en=bundled-tiny.en")
    monkeypatch.setattr(settings, "whisper_cpu_threads", 2)
    made = {}
    for language in ("da", "en"):
        # Danish as a tone: which model heard it is the point here, and base on synthetic
        # Danish speech repeats itself and is heard again the slow way (a minute of CPU).
        audio = media.speech("en") if language == "en" else media.tone(3)
        answer = upload(client, audio, language=language)
        assert answer.status_code == 201, answer.text
        made[language] = answer.json()["id"]
    with session_scope() as session:
        jobs = {job.recording_id: job.id for job in session.exec(select(Job)).all()}
    for language, rid in made.items():
        assert run_job(jobs[rid]) == "succeeded", language
    with session_scope() as session:
        used = {t.recording_id: t.model_name for t in session.exec(select(Transcript)).all()}
    assert used == {made["da"]: "bundled-base", made["en"]: "bundled-tiny.en"}
    english = client.get(f"/api/v1/recordings/{made['en']}/transcript").json()
    assert "horses" in " ".join(s["text"] for s in english["segments"]).lower()
    # The recording's page says which model heard it.
    for language, words in (("da", "Whisper base"), ("en", "Whisper tiny.en")):
        page = client.get(f"/recordings/{made[language]}")
        assert page.status_code == 200 and words in page.text, language
    assert {"bundled-base", "bundled-tiny.en"} <= set(speech._engines)
