"""What a clip shows besides its file: the transcript cut at word times and the feedback
that overlaps it, with times from the clip's own start (0)."""

from collections import defaultdict

from sqlmodel import Session, SQLModel, col, select

from app.accounts.models import User
from app.clips.models import Clip
from app.feedback.listing import Reading
from app.feedback.models import CriterionRef, FeedbackKind, FeedbackPublic
from app.recordings.models import Recording
from app.transcripts import service as transcript_service
from app.transcripts.models import Speaker, Word


class ClipLine(SQLModel):
    start: float
    end: float
    text: str
    speaker: Speaker | None


class ClipTranscript(SQLModel):
    clip_id: int
    language: str
    segments: list[ClipLine]


class ClipReply(SQLModel):
    author_name: str | None
    text: str


class ClipFeedback(SQLModel):
    """An item as a clip viewer sees it: nothing that names or points into the recording."""

    id: int
    kind: FeedbackKind | None
    start_seconds: float
    end_seconds: float | None
    author_name: str | None
    self_reflection: bool
    criteria: list[CriterionRef]
    text: str
    replies: list[ClipReply]


def _shift(clip: Clip, seconds: float) -> float:
    """A recording time as a time in the clip, kept inside it."""
    return round(min(max(seconds - clip.start_seconds, 0.0), clip.duration), 3)


def _inside(clip: Clip, start: float, end: float) -> bool:
    """A word belongs to the clip when its middle lies in it: cut at word boundaries."""
    middle = (start + end) / 2
    return clip.start_seconds <= middle <= clip.end_seconds


def transcript(*, session: Session, clip: Clip) -> ClipTranscript:
    """The recording's segments cut to the clip at word times. A segment wholly inside keeps
    its (corrected) text; one cut in two keeps the words heard inside the clip."""
    found = transcript_service.get(session=session, recording_id=clip.recording_id)
    lines: list[ClipLine] = []
    if found is not None:
        segments = transcript_service.segments(session=session, transcript=found)
        words: dict[int, list[Word]] = defaultdict(list)
        ids = [
            s.id for s in segments if s.end >= clip.start_seconds and s.start <= clip.end_seconds
        ]
        if ids:
            rows = session.exec(
                select(Word).where(col(Word.segment_id).in_(ids)).order_by(col(Word.position))
            ).all()
            for word in rows:
                words[word.segment_id].append(word)
        for segment in segments:
            if segment.id not in ids:
                continue
            whole = segment.start >= clip.start_seconds and segment.end <= clip.end_seconds
            if whole:
                start, end, text = segment.start, segment.end, segment.text
            else:
                kept = [w for w in words[segment.id] if _inside(clip, w.start, w.end)]  # type: ignore[index]
                if not kept:  # no word of it is heard in the clip
                    continue
                start, end = kept[0].start, kept[-1].end
                text = " ".join(w.text.strip() for w in kept)
            lines.append(
                ClipLine(
                    start=_shift(clip, start),
                    end=_shift(clip, end),
                    text=text.strip(),
                    speaker=segment.speaker,
                )
            )
    language = found.language if found else "da"
    return ClipTranscript(clip_id=clip.id, language=language, segments=lines)  # type: ignore[arg-type]


def _overlaps(clip: Clip, item: FeedbackPublic) -> bool:
    start = item.start_seconds or 0.0
    end = item.end_seconds if item.end_seconds is not None else start
    return start <= clip.end_seconds and end >= clip.start_seconds


def feedback(*, session: Session, user: User, clip: Clip) -> list[ClipFeedback]:
    """Published feedback whose moment overlaps the clip, in time order, with its replies;
    drafts (even the reader's own) are not part of a clip."""
    recording = session.get(Recording, clip.recording_id)
    assert recording is not None
    threads = Reading(session=session, user=user, recording=recording).threads()
    out = []
    for item in threads:
        if item.draft or item.deleted or not _overlaps(clip, item):
            continue
        out.append(
            ClipFeedback(
                id=item.id,
                kind=item.kind,
                start_seconds=_shift(clip, item.start_seconds or 0.0),
                end_seconds=None if item.end_seconds is None else _shift(clip, item.end_seconds),
                author_name=item.author_name,
                self_reflection=item.self_reflection,
                criteria=item.criteria,
                text=item.text,
                replies=[
                    ClipReply(author_name=r.author_name, text=r.text)
                    for r in item.replies
                    if not r.draft and not r.deleted
                ],
            )
        )
    return out
