"""The analysis job itself (issue 23): the worker tells the voices apart in a recording's
real audio (a test dialogue of three speakers, tests/data/dialogues), gives each line of the
transcript its voice and the adult's lines their question types, and a correction of the
words has the lines labelled again without hearing the voices again."""

import json
from pathlib import Path

from fastapi.testclient import TestClient
from sqlmodel import select

from app.core.db import session_scope
from app.insight import service as insight
from app.insight.models import ConversationAnalysis, ConversationVoice, VoiceRole
from app.jobs.models import ANALYSE_CONVERSATION, Job, JobStatus
from app.transcripts import service as transcripts
from tests.support.factories import Line, heard, make_ready
from tests.support.jobs import process_queued_jobs
from tests.support.recordings import upload

DIALOGUE = Path(__file__).parent / "data" / "dialogues" / "three_speakers.opus"
TRUTH = json.loads(DIALOGUE.with_suffix(".json").read_text())


def test_the_worker_tells_the_voices_apart_and_labels_the_lines(
    sqlite_db: str, client: TestClient
) -> None:
    response = upload(client, DIALOGUE, title="Søskende", case_reference="SAG-3", language="da")
    assert response.status_code == 201, response.text
    rid = str(response.json()["id"])
    said = TRUTH["utterances"]
    make_ready(rid, [heard(Line(u["start"], u["end"], u["text"])) for u in said], media_files=True)
    with session_scope() as session:
        insight.request(session=session, recording_id=rid)
    assert process_queued_jobs(ANALYSE_CONVERSATION) == ["succeeded"]

    with session_scope() as session:
        voices = session.exec(select(ConversationVoice).order_by(ConversationVoice.number)).all()
        roles = [v.role for v in voices]
        transcript = transcripts.get(session=session, recording_id=rid)
        assert transcript is not None
        lines = transcripts.segments(session=session, transcript=transcript)
        separated_at = session.get(ConversationAnalysis, rid).separated_at  # type: ignore[union-attr]
        # A caseworker and two children, each line spoken by the voice the truth says.
        assert sorted(roles) == [VoiceRole.adult, VoiceRole.child, VoiceRole.child]
        speaker_of_voice: dict[int, set[str]] = {}
        for line, truth in zip(lines, said, strict=True):
            assert line.voice is not None
            speaker_of_voice.setdefault(line.voice, set()).add(truth["speaker"])
        right = sum(
            1 for line, truth in zip(lines, said, strict=True)
            if speaker_of_voice[line.voice] == {truth["speaker"]}  # type: ignore[index]
        )  # fmt: skip
        assert right >= 0.9 * len(lines)
        adults = [(s, t) for s, t in zip(lines, said, strict=True) if t["role"] == "adult"]
        assert all(s.question_type is not None for s, _ in adults)
        assert all(s.question_type is None for s, t in zip(lines, said, strict=True)
                   if t["role"] == "child")  # fmt: skip
        first_adult = adults[0][0]

    # The words corrected: the lines are labelled again; the voices are not heard again.
    fixed = client.patch(f"/api/v1/recordings/{rid}/transcript/segments/{first_adult.id}",
                         json={"text": "Fortæl mig om jeres weekend."})  # fmt: skip
    assert fixed.status_code == 200, fixed.text
    assert process_queued_jobs(ANALYSE_CONVERSATION) == ["succeeded"]
    with session_scope() as session:
        again = session.get(type(first_adult), first_adult.id)
        assert again is not None and again.question_type == "invitation"
        row = session.get(ConversationAnalysis, rid)
        assert row is not None and row.separated_at == separated_at
        jobs = session.exec(select(Job).where(Job.kind == ANALYSE_CONVERSATION)).all()
        assert [j.status for j in jobs] == [JobStatus.succeeded, JobStatus.succeeded]
