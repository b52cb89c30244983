"""Ready recordings without the pipeline: for tests whose subject is what comes after it
(pages, feedback, sessions). The upload is real (the API, ffprobe, the stored file); the
worker's part is done by the same services the worker calls, with a transcript given here
instead of one heard by Whisper. Tests of the pipeline itself keep running the real one."""

from collections.abc import Sequence
from dataclasses import dataclass, field

import httpx
from fastapi.testclient import TestClient
from sqlmodel import select

from app.core.db import session_scope
from app.jobs import service as job_service
from app.jobs.models import Job
from app.recordings import storage
from app.transcripts import service as transcript_service
from app.transcripts.models import Segment
from tests.support.media import MediaSet
from tests.support.recordings import upload
from workers.pipeline import MediaMade, finish_now, make_media_now


@dataclass(frozen=True)
class Word:
    start: float
    end: float
    text: str
    probability: float = 0.99


@dataclass(frozen=True)
class Line:
    """A transcript segment as the speech engine would have given it."""

    start: float
    end: float
    text: str
    words: Sequence[Word] = field(default_factory=tuple)


def heard(line: Line, unsure: Sequence[int] = (), probability: float = 0.2) -> Line:
    """`line` with its words as Whisper gives them (" word", evenly timed): those at the
    `unsure` indexes heard with `probability`, the others with 0.99."""
    texts = line.text.split()
    step = (line.end - line.start) / len(texts)
    words = tuple(
        Word(
            round(line.start + i * step, 3),
            round(line.start + (i + 1) * step, 3),
            f" {t}",
            probability if i in unsure else 0.99,
        )
        for i, t in enumerate(texts)
    )
    return Line(line.start, line.end, line.text, words)


CONVERSATION = (
    Line(0.5, 6.0, "Hej, jeg hedder Mette, og jeg er din rådgiver."),
    Line(6.5, 14.0, "I dag skal vi tale om, hvordan du har det i skolen."),
    Line(14.5, 22.0, "Kan du fortælle mig om en god dag i skolen?"),
    Line(22.5, 31.0, "Jeg kan godt lide at tegne heste sammen med min veninde."),
    Line(31.5, 40.0, "Hvad sker der, når du kommer hjem fra skole?"),
    Line(40.5, 49.0, "Så spiser vi, og nogle gange er far sur."),
    Line(49.5, 58.0, "Det lyder svært. Hvordan har du det med det?"),
)


# What Whisper hears in `MediaSet.speech("en")` (and so in every English `encoded` file).
SPOKEN_EN = (
    Line(0.0, 3.3, "The child told me about her school and her friends."),
    Line(3.8, 6.7, "She said that she likes to draw pictures of horses."),
    Line(7.2, 10.3, "Then we talked about the weekend at her father's house."),
)


def make_ready(
    recording_id: str,
    lines: Sequence[Line] = CONVERSATION,
    *,
    playable_mime: str = "video/webm",
    media_files: bool = False,
) -> None:
    """Finish the recording's job as the worker would: transcript, media, job, status. The
    original is what plays: give its type where it is not a WebM (the worker copies an
    original that browsers play as it is, e.g. a faststart H.264/AAC MP4). With
    `media_files` the worker's files are made too (`make_media_now`): any format, and
    the poster, rendition and audio routes have what they serve."""
    with session_scope() as session:
        made = (
            make_media_now(session=session, recording_id=recording_id, tag="factory")
            if media_files
            else MediaMade(storage.ORIGINAL, playable_mime, None)
        )
        job = session.exec(select(Job).where(Job.recording_id == recording_id)).one()
        claim = job_service.claim(session=session, job_id=job.id, owner="factory")  # type: ignore[arg-type]
        assert claim is not None, "the recording's job is already taken"
        transcript_service.replace(
            session=session,
            recording_id=recording_id,
            language="da",
            model_name="factory",
            segments=lines,  # type: ignore[arg-type]
        )
        finish_now(session=session, recording_id=recording_id, made=made, claim=claim)


def ready_recording(
    client: TestClient | httpx.Client,
    media: MediaSet,
    *,
    title: str = "Samtale om skolen",
    case_reference: str = "SAG-2026-001",
    seconds: int = 60,
    lines: Sequence[Line] = CONVERSATION,
) -> str:
    """A recording of the client's user, uploaded for real and ready to watch; its id."""
    response = upload(
        client,
        media.conversation(seconds),
        title=title,
        case_reference=case_reference,
        language="da",
    )
    assert response.status_code == 201, response.text
    recording_id = str(response.json()["id"])
    make_ready(recording_id, [line for line in lines if line.end <= seconds])
    return recording_id


def lines_of(recording_id: str) -> list[Segment]:
    """The lines of the recording's current transcript, as they are stored now."""
    with session_scope() as session:
        transcript = transcript_service.get(session=session, recording_id=recording_id)
        assert transcript is not None
        return transcript_service.segments(session=session, transcript=transcript)


# Who speaks in CONVERSATION: the caseworker (voice 1), the child (voice 2) at lines 4 and 6.
CONVERSATION_VOICES = (1, 1, 1, 2, 1, 2, 1)


def analysed(
    recording_id: str,
    voices_by_line: Sequence[int] = CONVERSATION_VOICES,
    roles: dict[int, str] | None = None,
) -> None:
    """The recording's conversation analysed as the worker's job would (app/insight), with
    each transcript line spoken whole by the voice given here instead of one told apart from
    the sound: voice 1 an adult, voice 2 a child (or `roles`)."""
    from app.insight import service as insight
    from app.insight.models import VoiceRole

    roles = roles or {1: "adult", 2: "child"}
    with session_scope() as session:
        transcript = transcript_service.get(session=session, recording_id=recording_id)
        assert transcript is not None
        lines = transcript_service.segments(session=session, transcript=transcript)
        turns = [(s.start, s.end, v) for s, v in zip(lines, voices_by_line, strict=False)]
        insight.store_voices(
            session=session,
            recording_id=recording_id,
            voices=[
                insight.FoundVoice(
                    number,
                    VoiceRole(role),
                    140.0 if role == "adult" else 290.0,
                    sum(e - s for s, e, v in turns if v == number),
                )
                for number, role in roles.items()
            ],
            turns=turns,
        )
        insight.label(session=session, recording_id=recording_id, transcript=transcript)
