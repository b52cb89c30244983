"""Store what the worker heard; keep people's corrections apart from it."""

from collections.abc import Iterable, Sequence
from typing import Protocol

from sqlalchemy import delete, func
from sqlmodel import Session, col, select

from app.core.errors import BadInput, NotFound
from app.core.i18n import N_, translate
from app.core.templates import local_date
from app.core.text import refuse_unstorable
from app.core.timeutil import utcnow
from app.transcripts.models import (
    Segment,
    SegmentPublic,
    SegmentUpdate,
    Speaker,
    Transcript,
    TranscriptPublic,
    Word,
)


class HeardWord(Protocol):
    """A word as the speech engine heard it (workers.speech makes them)."""

    start: float
    end: float
    text: str
    probability: float


class HeardSegment(Protocol):
    start: float
    end: float
    text: str

    @property
    def words(self) -> Sequence[HeardWord]: ...


def replace(
    *,
    session: Session,
    recording_id: str,
    language: str,
    model_name: str,
    segments: Iterable[HeardSegment],
) -> Transcript:
    """Write a fresh machine transcript in one go; a job run twice leaves one copy."""
    existing = get(session=session, recording_id=recording_id)
    if existing is not None:
        segment_ids = select(Segment.id).where(Segment.transcript_id == existing.id)
        session.execute(delete(Word).where(col(Word.segment_id).in_(segment_ids)))
        session.execute(delete(Segment).where(col(Segment.transcript_id) == existing.id))
        session.delete(existing)
        session.flush()
    transcript = begin(
        session=session, recording_id=recording_id, language=language, model_name=model_name
    )
    append(session=session, transcript=transcript, segments=segments)
    transcript.complete = True
    session.add(transcript)
    return transcript


def begin(*, session: Session, recording_id: str, language: str, model_name: str) -> Transcript:
    """The transcript the worker is writing: the one an earlier attempt left, or a new one.

    Segments are stored as they are heard, so a reader sees the transcript grow; a job
    that another worker takes over carries on after the last stored segment."""
    transcript = get(session=session, recording_id=recording_id)
    if transcript is None:
        transcript = Transcript(
            recording_id=recording_id, language=language, model_name=model_name, complete=False
        )
        session.add(transcript)
        session.flush()
    return transcript


def finish(*, session: Session, recording_id: str) -> None:
    """The worker has heard the whole recording: a later run hears nothing again."""
    transcript = get(session=session, recording_id=recording_id)
    if transcript is not None:
        transcript.complete = True
        session.add(transcript)


def heard_until(*, session: Session, transcript: Transcript) -> float:
    """Where the stored segments end (0 when none): where hearing carries on."""
    end = session.exec(
        select(func.max(Segment.end)).where(Segment.transcript_id == transcript.id)
    ).one()
    return float(end or 0.0)


def append(*, session: Session, transcript: Transcript, segments: Iterable[HeardSegment]) -> int:
    """Store segments after the ones already there; returns how many were stored."""
    last = session.exec(
        select(func.max(Segment.position)).where(Segment.transcript_id == transcript.id)
    ).one()
    position = -1 if last is None else int(last)
    stored = 0
    for seg in segments:
        position += 1
        row = Segment(
            transcript_id=transcript.id,  # type: ignore[arg-type]
            position=position,
            start=round(seg.start, 3),
            end=round(seg.end, 3),
            machine_text=seg.text,
        )
        session.add(row)
        session.flush()
        session.add_all(
            Word(
                segment_id=row.id,  # type: ignore[arg-type]
                position=i,
                start=round(w.start, 3),
                end=round(w.end, 3),
                text=w.text[:200],
                probability=w.probability,
            )
            for i, w in enumerate(seg.words)
        )
        stored += 1
    session.flush()
    return stored


def get(*, session: Session, recording_id: str) -> Transcript | None:
    """The recording's transcript, if the worker has made one."""
    return session.exec(select(Transcript).where(Transcript.recording_id == recording_id)).first()


def segments(*, session: Session, transcript: Transcript) -> list[Segment]:
    """Segments in playing order."""
    return list(
        session.exec(
            select(Segment)
            .where(Segment.transcript_id == transcript.id)
            .order_by(col(Segment.position))
        ).all()
    )


def to_public(*, session: Session, transcript: Transcript, owner: bool) -> TranscriptPublic:
    """The transcript as the API returns it; the machine's text only to its `owner`."""
    lines = segments(session=session, transcript=transcript)
    return TranscriptPublic(
        recording_id=transcript.recording_id,
        language=transcript.language,
        model_name=transcript.model_name,
        segments=[segment_public(s, owner=owner) for s in lines],
    )


def segment_public(segment: Segment, *, owner: bool) -> SegmentPublic:
    corrected = segment.corrected_text is not None
    machine = segment.machine_text if owner else None
    return SegmentPublic.model_validate(
        segment,
        update={
            "corrected": corrected,
            "machine_text": machine,
            "checked": segment.checked_at is not None,
        },
    )


def checked_count(lines: Iterable[Segment]) -> int:
    """How many of `lines` a person has checked."""
    return sum(1 for s in lines if s.checked_at is not None)


def changes_words(update: SegmentUpdate) -> bool:
    """The update touches the line's text or speaker (not only whether it is checked)."""
    return update.text is not None or update.speaker is not None or update.clear_speaker


def update_segment(
    *, session: Session, recording_id: str, segment_id: int, update: SegmentUpdate, by: int
) -> Segment:
    """Correct a segment's text and/or speaker, and mark it checked or not (`by`, the
    person); the machine text is kept, and a checked line stays checked when corrected."""
    segment = session.get(Segment, segment_id)
    transcript = session.get(Transcript, segment.transcript_id) if segment else None
    if segment is None or transcript is None or transcript.recording_id != recording_id:
        raise NotFound(N_("The transcript segment does not exist."), code="segment.not_found")
    if update.text is not None:
        text = " ".join(update.text.split())
        if not text:
            raise BadInput(
                N_("The field '%(field)s' is required."), code="field.required", field="text"
            )
        refuse_unstorable(update.text, field="text", code="field.bad_chars")
        segment.corrected_text = None if text == segment.machine_text else text
    if update.clear_speaker:
        segment.speaker = None
    elif update.speaker is not None:
        segment.speaker = update.speaker
    if changes_words(update) or update.checked is None:
        segment.edited_at = utcnow()
    if update.checked and segment.checked_at is None:
        segment.checked_at, segment.checked_by_id = utcnow(), by
    elif update.checked is False:
        segment.checked_at, segment.checked_by_id = None, None
    session.add(segment)
    session.flush()
    return segment


def update_from_form(*, text: str, speaker: str, checked: bool | None = None) -> SegmentUpdate:
    """The page form's fields as an update: an empty speaker clears it; `checked` None
    where the form had no "checked" box (the line stays as it is)."""
    if speaker and speaker not in Speaker.__members__:
        raise BadInput(
            N_("The speaker must be caseworker, child, other or empty."), code="field.bad_speaker"
        )
    return SegmentUpdate(
        text=text,
        speaker=Speaker(speaker) if speaker else None,
        clear_speaker=not speaker,
        checked=checked,
    )


# Where a transcript came from, for the people who read it --------------------------------

# The `whisper_model` setting's names (app/core/config.py), as a reader knows the model.
MODEL_WORDS = {"bundled-base": "Whisper base", "bundled-tiny.en": "Whisper tiny.en"}


def model_words(model_name: str) -> str:
    """ "Whisper base" for the bundled model, "Whisper large-v3" for a size, a model folder
    by its own name: never a setting's name or a server's path."""
    if model_name in MODEL_WORDS:
        return MODEL_WORDS[model_name]
    name = model_name.rstrip("/").rsplit("/", 1)[-1] or model_name
    return name if name.lower().startswith("whisper") else f"Whisper {name}"


# The model name of a transcript a person gave (the demo's): no speech model heard it.
GIVEN = "given"


def provenance(transcript: Transcript, lang: str) -> str:
    """How and when the transcript was made, in the reader's words."""
    if transcript.model_name == GIVEN:
        return translate(
            N_(
                "Transcript given with the demo recording (written by a person, not by the "
                "speech model) on %(date)s."
            ),
            lang,
            date=local_date(transcript.created_at, lang, "long"),
        )
    return translate(
        N_("Transcribed automatically with the speech model %(model)s (locally) on %(date)s."),
        lang,
        model=model_words(transcript.model_name),
        date=local_date(transcript.created_at, lang, "long"),
    )
