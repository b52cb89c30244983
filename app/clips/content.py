"""What a clip shows besides its file and its feedback: the transcript cut at word times
(a corrected line kept whole), with times from the clip's own start (0); and how a
notification's reader reaches an item through a clip, or the clip shared with them."""

from collections import defaultdict

from sqlmodel import Session, SQLModel, col, select

from app.access import policy
from app.accounts.subject import Subject
from app.clips.models import Clip
from app.feedback.models import Feedback, Notification, Place
from app.feedback.notifications import Reach, moment_url
from app.feedback.reading import seen_in
from app.recordings.models import Recording
from app.transcripts import service as transcript_service
from app.transcripts.models import Segment, Speaker, Word


class ClipLine(SQLModel):
    start: float
    end: float
    text: str
    speaker: Speaker | None


class ClipTranscript(SQLModel):
    clip_id: int
    language: str
    segments: list[ClipLine]


def _shift(clip: Clip, seconds: float) -> float:
    """A recording time as a time in the clip, kept inside it."""
    return round(min(max(seconds - clip.start_seconds, 0.0), clip.duration), 3)


def _inside(clip: Clip, start: float, end: float) -> bool:
    """A word belongs to the clip when its middle lies in it: cut at word boundaries."""
    middle = (start + end) / 2
    return clip.start_seconds <= middle <= clip.end_seconds


def _cut(clip: Clip, segment: Segment, words: list[Word]) -> ClipLine | None:
    """One segment as the clip shows it, or None when none of it is heard in the clip.

    A segment cut by the clip's edge keeps the machine's words heard inside the clip, but
    only while nobody corrected it: a corrected segment is shown whole, with its corrected
    text, since its words are the machine's and would bring back what the caseworker
    replaced (a name made "[NAME]")."""
    whole = segment.start >= clip.start_seconds and segment.end <= clip.end_seconds
    kept = [w for w in words if _inside(clip, w.start, w.end)]
    if whole:
        start, end, text = segment.start, segment.end, segment.text
    elif segment.persons_words:
        heard = kept or (segment.end > clip.start_seconds and segment.start < clip.end_seconds)
        if not heard:
            return None
        start, end, text = segment.start, segment.end, segment.text
    elif kept:
        start, end = kept[0].start, kept[-1].end
        text = " ".join(w.text.strip() for w in kept)
    else:  # no word of it is heard in the clip
        return None
    return ClipLine(
        start=_shift(clip, start), end=_shift(clip, end), text=text.strip(), speaker=segment.speaker
    )


def transcript(*, session: Session, clip: Clip) -> ClipTranscript:
    """The recording's segments cut to the clip at word times, corrections kept whole."""
    found = transcript_service.get(session=session, recording_id=clip.recording_id)
    lines: list[ClipLine] = []
    if found is not None:
        segments = [
            s
            for s in transcript_service.segments(session=session, transcript=found)
            if s.end >= clip.start_seconds and s.start <= clip.end_seconds
        ]
        words: dict[int, list[Word]] = defaultdict(list)
        if segments:
            ids = [s.id for s in segments]
            rows = session.exec(
                select(Word).where(col(Word.segment_id).in_(ids)).order_by(col(Word.position))
            ).all()
            for word in rows:
                words[word.segment_id].append(word)
        for segment in segments:
            line = _cut(clip, segment, words[segment.id])  # type: ignore[index]
            if line is not None:
                lines.append(line)
    language = found.language if found else "da"
    return ClipTranscript(clip_id=clip.id, language=language, segments=lines)  # type: ignore[arg-type]


def way_to_see(
    session: Session, subject: Subject, recording: Recording, root: Feedback
) -> Reach | None:
    """A notification's item where its reader sees it through a clip: the clip it was given
    through, or one its caseworker brought it to (registered in app.main)."""
    for clip_id in seen_in(session, root, Place.clip):
        clip = session.get(Clip, clip_id)
        if clip is None or not policy.reads_clip(session, subject, clip):
            continue
        at = _shift(clip, root.start_seconds or 0.0)
        return Reach(moment_url(f"/clips/{clip.id}", at), clip.title, None, at)
    return None


def open_shared(session: Session, subject: Subject, note: Notification) -> Reach | None:
    """A clip shared with the reader, while it still is (registered in app.main)."""
    clip = session.get(Clip, note.clip_id) if note.clip_id is not None else None
    if clip is None or not policy.reads_clip(session, subject, clip):
        return None
    return Reach(f"/clips/{clip.id}", clip.title, None, None)
