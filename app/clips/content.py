"""What a clip shows besides its file: the transcript cut at word times and the feedback
that overlaps it, with times from the clip's own start (0)."""

from collections import defaultdict
from datetime import datetime

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


class ClipFeedback(SQLModel):
    """An item or reply as a clip viewer sees it, times from the clip's start: nothing that
    names or points into the recording (no recording id, no time outside the clip)."""

    id: int
    parent_id: int | None = None  # a reply's thread
    kind: FeedbackKind | None
    start_seconds: float | None  # None on replies (they follow their item's moment)
    end_seconds: float | None
    author_id: int | None
    author_name: str | None
    own: bool  # the reader wrote it
    self_reflection: bool
    criteria: list[CriterionRef]
    text: str
    draft: bool  # the reader's own, unpublished: no one else receives it
    created_at: datetime
    edited: bool
    edited_at: datetime | None
    deleted: bool  # kept, without its text, while replies to it remain
    replies: list["ClipFeedback"] = []


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


def overlaps(clip: Clip, start: float | None, end: float | None) -> bool:
    """A point or range that touches the clip."""
    start = start or 0.0
    end = end if end is not None else start
    return start <= clip.end_seconds and end >= clip.start_seconds


def _public(clip: Clip, item: FeedbackPublic) -> ClipFeedback:
    return ClipFeedback(
        id=item.id,
        parent_id=item.parent_id,
        kind=item.kind,
        start_seconds=None if item.start_seconds is None else _shift(clip, item.start_seconds),
        end_seconds=None if item.end_seconds is None else _shift(clip, item.end_seconds),
        author_id=item.author_id,
        author_name=item.author_name,
        own=item.own,
        self_reflection=item.self_reflection,
        criteria=item.criteria,
        text=item.text,
        draft=item.draft,
        created_at=item.created_at,
        edited=item.edited,
        edited_at=item.edited_at,
        deleted=item.deleted,
        replies=[_public(clip, r) for r in item.replies if not r.draft and not r.deleted],
    )


def feedback(*, session: Session, user: User, clip: Clip) -> list[ClipFeedback]:
    """The threads whose moment overlaps the clip, in time order, with their replies:
    published ones, and the reader's own drafts (anyone else's draft is no part of it)."""
    recording = session.get(Recording, clip.recording_id)
    assert recording is not None
    threads = Reading(session=session, user=user, recording=recording).threads()
    return [
        _public(clip, item)
        for item in threads
        if overlaps(clip, item.start_seconds, item.end_seconds) and (not item.draft or item.own)
    ]
