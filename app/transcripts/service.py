"""Store what the worker heard; keep people's corrections apart from it."""

from collections.abc import Iterable, Sequence
from typing import Protocol

from fastapi import Request
from sqlalchemy import delete, func
from sqlmodel import Session, col, select

from app.accounts.models import User
from app.audit.service import Action, audit_on_commit
from app.core.errors import BadInput, NotFound
from app.core.i18n import N_
from app.core.timeutil import utcnow
from app.recordings import service as recording_service
from app.sharing import service as access
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


def to_public(*, session: Session, transcript: Transcript) -> TranscriptPublic:
    """The transcript as the API returns it."""
    return TranscriptPublic(
        recording_id=transcript.recording_id,
        language=transcript.language,
        model_name=transcript.model_name,
        segments=[segment_public(s) for s in segments(session=session, transcript=transcript)],
    )


def segment_public(segment: Segment) -> SegmentPublic:
    return SegmentPublic(
        id=segment.id,  # type: ignore[arg-type]
        position=segment.position,
        start=segment.start,
        end=segment.end,
        text=segment.text,
        machine_text=segment.machine_text,
        corrected=segment.corrected_text is not None,
        speaker=segment.speaker,
    )


def update_segment(
    *, session: Session, recording_id: str, segment_id: int, update: SegmentUpdate
) -> Segment:
    """Correct a segment's text and/or speaker; the machine text is kept."""
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
        if any(ord(ch) < 32 for ch in update.text if ch not in "\n\t\r"):
            raise BadInput(
                N_("The field '%(field)s' contains characters that are not allowed."),
                code="field.bad_chars",
                field="text",
            )
        segment.corrected_text = None if text == segment.machine_text else text
    if update.clear_speaker:
        segment.speaker = None
    elif update.speaker is not None:
        segment.speaker = update.speaker
    segment.edited_at = utcnow()
    session.add(segment)
    session.flush()
    return segment


def update_from_form(*, text: str, speaker: str) -> SegmentUpdate:
    """The page form's fields as an update: an empty speaker clears it."""
    if speaker and speaker not in Speaker.__members__:
        raise BadInput(
            N_("The speaker must be caseworker, child, other or empty."), code="field.bad_speaker"
        )
    return SegmentUpdate(
        text=text, speaker=Speaker(speaker) if speaker else None, clear_speaker=not speaker
    )


def correct_own(
    *,
    session: Session,
    request: Request,
    user: User,
    recording_id: str,
    segment_id: int,
    update: SegmentUpdate,
) -> Segment:
    """The caseworker corrects a segment of their ready recording; audited."""
    recording = recording_service.require_ready(
        access.owned(session=session, user=user, recording_id=recording_id)
    )
    segment = update_segment(
        session=session, recording_id=recording.id, segment_id=segment_id, update=update
    )
    audit_on_commit(
        session, request, user, Action.transcript_edit, recording.id, f"segment {segment_id}"
    )
    return segment
