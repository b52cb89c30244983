"""Store what the worker heard; keep people's corrections apart from it."""

from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Protocol

from sqlalchemy import Delete, delete, func, or_, update
from sqlmodel import Session, col, select

from app.core.errors import BadInput, Conflict, NotFound
from app.core.i18n import N_, translate
from app.core.templates import local_date
from app.core.text import refuse_unstorable
from app.core.timeutil import utcnow
from app.transcripts.models import (
    ProvenancePublic,
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


@dataclass(frozen=True)
class Heard:
    """How a version is heard: the model as the settings name it, and the rest of its
    provenance (`workers.speech` fills it once the model is loaded)."""

    model_name: str
    model_sha256: str | None = None
    device: str | None = None
    compute_type: str | None = None
    pipeline: str | None = None
    beam_size: int | None = None
    engine: str | None = None
    fallback_from: str | None = None


def replace(
    *,
    session: Session,
    recording_id: str,
    language: str,
    model_name: str,
    segments: Iterable[HeardSegment],
) -> Transcript:
    """Write a fresh transcript in one go, in place of every version (a given transcript:
    the demo's, the tests'); a call made twice leaves one copy."""
    for existing in versions(session=session, recording_id=recording_id):
        segment_ids = select(Segment.id).where(Segment.transcript_id == existing.id)
        session.execute(delete(Word).where(col(Word.segment_id).in_(segment_ids)))
        session.execute(delete(Segment).where(col(Segment.transcript_id) == existing.id))
        session.delete(existing)
    session.flush()
    transcript = begin(
        session=session, recording_id=recording_id, language=language, heard=Heard(model_name)
    )
    append(session=session, transcript=transcript, segments=segments)
    transcript.complete = True
    transcript.finished_at = utcnow()
    session.add(transcript)
    return transcript


def begin(
    *,
    session: Session,
    recording_id: str,
    language: str,
    heard: Heard,
    job_id: int | None = None,
) -> Transcript:
    """The version the worker is writing: the one an earlier attempt left, or a new one.

    The upload's own job (`job_id` None) writes the first version; a "transcribe again"
    job writes a version of its own, after the newest. Segments are stored as they are
    heard, so a reader sees the first version grow; a job that another worker takes over
    carries on after the last stored segment."""
    if job_id is None:
        transcript = get(session=session, recording_id=recording_id)
    else:
        transcript = session.exec(
            select(Transcript).where(
                Transcript.recording_id == recording_id, Transcript.job_id == job_id
            )
        ).first()
    if transcript is None:
        newest = session.exec(
            select(func.max(Transcript.version)).where(Transcript.recording_id == recording_id)
        ).one()
        transcript = Transcript(
            recording_id=recording_id,
            version=int(newest or 0) + 1,
            language=language,
            complete=False,
            job_id=job_id,
            **asdict(heard),
        )
        session.add(transcript)
        session.flush()
    return transcript


def finish(*, session: Session, transcript: Transcript) -> Transcript | None:
    """The worker has heard the whole recording: a later run hears nothing again. A new
    version takes over from the current one, whose corrections it is offered line by line;
    returns the version it took over from (None for a first version)."""
    if transcript.complete:
        return None
    earlier = get(session=session, recording_id=transcript.recording_id)
    transcript.complete = True
    transcript.finished_at = utcnow()
    session.add(transcript)
    if earlier is None or earlier.id == transcript.id:
        return None
    session.execute(
        update(Transcript)
        .where(
            col(Transcript.recording_id) == transcript.recording_id,
            col(Transcript.id) != transcript.id,
            col(Transcript.superseded_at).is_(None),
            col(Transcript.complete),
        )
        .values(superseded_at=utcnow())
    )
    _offer_earlier_words(session=session, earlier=earlier, new=transcript)
    return earlier


def _offer_earlier_words(*, session: Session, earlier: Transcript, new: Transcript) -> None:
    """Each line of the earlier version goes to the new line its middle falls in (or the
    nearest); where a person's words stood among them, the new line is offered that
    stretch as it read before. Speakers carry over to new lines without one."""
    lines = segments(session=session, transcript=new)
    if not lines:
        return
    starts = [line.start for line in lines]  # in playing order
    gathered: dict[int, list[Segment]] = {}
    for old in segments(session=session, transcript=earlier):
        middle = (old.start + old.end) / 2
        # The line that starts at or before the middle, or the one after it: the nearer.
        at = bisect_right(starts, middle)
        near = lines[max(at - 1, 0) : at + 1]
        target = min(near, key=lambda s: max(s.start - middle, middle - s.end, 0.0))
        gathered.setdefault(target.position, []).append(old)
    for line in lines:
        olds = gathered.get(line.position, [])
        if any(old.persons_words for old in olds):
            before = " ".join(old.text for old in olds)
            if before != line.machine_text:
                line.offered_text = before
        if line.speaker is None:
            spoken = [old for old in olds if old.speaker is not None]
            if spoken:
                line.speaker = max(spoken, key=lambda o: _overlap(o, line)).speaker
        session.add(line)
    session.flush()


def _overlap(a: Segment, b: Segment) -> float:
    return max(min(a.end, b.end) - max(a.start, b.start), 0.0)


def delete_versions_query(*, recording_id: str, job_id: int) -> Delete:
    """Removes the version a "transcribe again" job was writing, unless it became whole
    (its segments and words go with it)."""
    return delete(Transcript).where(
        col(Transcript.recording_id) == recording_id,
        col(Transcript.job_id) == job_id,
        ~col(Transcript.complete),
    )


def versions(*, session: Session, recording_id: str) -> list[Transcript]:
    """Every version of the recording's transcript, the first first (a version being heard
    by a "transcribe again" included)."""
    return list(
        session.exec(
            select(Transcript)
            .where(Transcript.recording_id == recording_id)
            .order_by(col(Transcript.version))
        ).all()
    )


def version(*, session: Session, recording_id: str, number: int) -> Transcript:
    found = session.exec(
        select(Transcript).where(
            Transcript.recording_id == recording_id, Transcript.version == number
        )
    ).first()
    if found is None:
        raise NotFound(
            N_("The transcript has no version %(version)s."),
            code="transcript.no_version",
            version=number,
        )
    return found


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
    """The recording's transcript as people read it: its current version (a first version
    while it is still being heard; a later one once it is whole), if there is one."""
    return session.exec(
        select(Transcript)
        .where(
            Transcript.recording_id == recording_id,
            col(Transcript.superseded_at).is_(None),
            or_(col(Transcript.job_id).is_(None), col(Transcript.complete)),
        )
        .order_by(col(Transcript.version).desc())
    ).first()


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
    """The transcript as the API returns it; the machine's text, and the words offered from
    an earlier version, only to its `owner`."""
    lines = segments(session=session, transcript=transcript)
    return TranscriptPublic.model_validate(
        transcript,
        update={
            "provenance": provenance_public(transcript),
            "segments": [segment_public(s, owner=owner) for s in lines],
        },
    )


def provenance_public(transcript: Transcript) -> ProvenancePublic:
    return ProvenancePublic.model_validate(
        transcript, update={"model": model_words(transcript.model_name)}
    )


def segment_public(segment: Segment, *, owner: bool) -> SegmentPublic:
    corrected = segment.corrected_text is not None
    return SegmentPublic.model_validate(
        segment,
        update={
            "text": segment.text,
            "corrected": corrected,
            "machine_text": segment.machine_text if owner else None,
            "offered_text": segment.offered_text if owner else None,
            "checked": segment.checked_at is not None,
        },
    )


def decide_offer(*, session: Session, recording_id: str, segment_id: int, keep: bool) -> Segment:
    """The caseworker keeps their earlier words for the line (`keep`) or takes the new
    version's; either way the offer is settled."""
    segment = segment_of(session, recording_id, segment_id)
    if segment.offered_text is None:
        raise Conflict(
            N_("The line has no earlier words to keep: it was already decided."),
            code="segment.no_offer",
        )
    if keep:
        kept = segment.offered_text
        segment.corrected_text = None if kept == segment.machine_text else kept
    segment.offered_text = None
    segment.edited_at = utcnow()
    session.add(segment)
    session.flush()
    return segment


def offers_left(*, session: Session, transcript: Transcript) -> int:
    """Lines whose earlier words still wait for the caseworker's choice."""
    return int(
        session.exec(
            select(func.count())
            .select_from(Segment)
            .where(Segment.transcript_id == transcript.id, col(Segment.offered_text).is_not(None))
        ).one()
    )


def segment_of(
    session: Session, recording_id: str, segment_id: int, *, current: bool = False
) -> Segment:
    """A line of the recording's transcript (of its current version only, with `current`);
    404 otherwise."""
    segment = session.get(Segment, segment_id)
    if current:
        shown = get(session=session, recording_id=recording_id)
        transcript = (
            shown
            if shown is not None and segment is not None and segment.transcript_id == shown.id
            else None
        )
    else:
        transcript = session.get(Transcript, segment.transcript_id) if segment else None
    if segment is None or transcript is None or transcript.recording_id != recording_id:
        raise NotFound(N_("The transcript segment does not exist."), code="segment.not_found")
    return segment


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
    segment = segment_of(session, recording_id, segment_id)
    if update.text is not None:
        text = " ".join(update.text.split())
        if not text:
            raise BadInput(
                N_("The field '%(field)s' is required."), code="field.required", field="text"
            )
        refuse_unstorable(update.text, field="text", code="field.bad_chars")
        segment.corrected_text = None if text == segment.machine_text else text
        segment.offered_text = None  # the line's words are decided now
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
    when = local_date(transcript.finished_at or transcript.created_at, lang, "long")
    if transcript.model_name == GIVEN:
        return translate(
            N_(
                "Transcript given with the demo recording (written by a person, not by the "
                "speech model) on %(date)s."
            ),
            lang,
            date=when,
        )
    return translate(
        N_("Transcribed automatically with the speech model %(model)s (locally) on %(date)s."),
        lang,
        model=model_words(transcript.model_name),
        date=when,
    )


def provenance_details(transcript: Transcript, lang: str) -> list[str]:
    """What else an engineer checks about how it was heard, a line each (what is known:
    transcripts from before this was recorded have none of it)."""
    lines: list[str] = []
    if transcript.version > 1:
        lines.append(translate(N_("Version %(version)s of the transcript."), lang,
                               version=transcript.version))  # fmt: skip
    if transcript.fallback_from:
        lines.append(
            translate(
                N_(
                    "Asked for the speech model %(wanted)s; no worker had it, so the worker "
                    "used its own."
                ),
                lang,
                wanted=model_words(transcript.fallback_from),
            )
        )
    if transcript.model_sha256:
        lines.append(translate(N_("Model weights SHA-256: %(digest)s"), lang,
                               digest=transcript.model_sha256))  # fmt: skip
    if transcript.device:
        how = translate(
            N_("Run on %(device)s with %(compute_type)s"),
            lang,
            device=transcript.device.upper() if transcript.device == "cuda" else "CPU",
            compute_type=transcript.compute_type or "?",
        )
        if transcript.pipeline:
            how += ", " + translate(
                N_("the %(pipeline)s pipeline with beam size %(beam)s"),
                lang,
                pipeline=translate(
                    PIPELINE_WORDS.get(transcript.pipeline, transcript.pipeline), lang
                ),  # fmt: skip
                beam=transcript.beam_size or "?",
            )
        lines.append(how + (f" ({transcript.engine})." if transcript.engine else "."))
    return lines


PIPELINE_WORDS = {"batched": N_("batched"), "sequential": N_("sequential")}
