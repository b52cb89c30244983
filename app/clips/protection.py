"""A clip's protected variant: what a team sees, hears and reads of a child.

- Its file and poster with faces blurred (a `protect_clip` job, workers/protect.py), and
  the whole frame blurred over the spans where the caseworker saw a face the detector missed.
- Names, CPR numbers, phone numbers, e-mail and street addresses hidden in its transcript,
  in the feedback read through it and in its sparring document (`Redactions`), and the
  sound muted over each hidden word (the words' times, padded).

What app.privacy finds is the start; the caseworker's review shows a find after all
(`redactions_undone`) or hides more (`redactions_added`, found like the recording's listed
names). A change to either, or to the missed spans, makes the variant again; the variant a
team may have is always the one made from the review as it stands.
"""

import hashlib
import json
import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session, col, select

from app.clips import cutting
from app.clips.models import Clip, ClipStatus
from app.core.errors import BadInput, Conflict
from app.core.i18n import N_, Tenths
from app.jobs import service as job_service
from app.jobs.models import PROTECT_CLIP, Job
from app.jobs.service import JobState
from app.media import objects as media_objects
from app.media.models import Variant
from app.media.store import Stored
from app.privacy import listing, redaction
from app.privacy.redaction import Found, Kind
from app.recordings import service as recording_service
from app.recordings.models import Recording
from app.transcripts import service as transcript_service
from app.transcripts.models import Segment, Word

LIST_MAX = 60  # names on a recording, words a review hides or shows
SPANS_MAX = 40
# Padding of each muted word: speech spills over the times the model gives a word.
MUTE_PAD_S = 0.2


def _strings(stored: str) -> list[str]:
    try:
        value = json.loads(stored or "[]")
    except ValueError:
        return []
    return [str(v) for v in value] if isinstance(value, list) else []


def listed_names(recording: Recording) -> list[str]:
    return _strings(recording.person_names)


def missed_spans(clip: Clip) -> list[tuple[float, float]]:
    try:
        value = json.loads(clip.missed_spans or "[]")
    except ValueError:
        return []
    return [(float(a), float(b)) for a, b in value]


@dataclass(frozen=True)
class Redactions:
    """What is hidden in one clip: found by app.privacy with the recording's listed names
    and the review's added words, less the finds the review shows after all."""

    names: tuple[str, ...] = ()
    undone: frozenset[str] = frozenset()
    lang: str = "da"

    def find(self, text: str) -> list[Found]:
        found = redaction.find(text, names=self.names, lang=self.lang)
        return [f for f in found if f.text.strip().lower() not in self.undone]

    def text(self, text: str) -> str:
        return redaction.redact(text, self.find(text), lang=self.lang) if text else text


def redactions_of(session: Session, clip: Clip) -> Redactions:
    recording = session.get(Recording, clip.recording_id)
    assert recording is not None  # a clip goes with its recording
    names = listed_names(recording) + _strings(clip.redactions_added)
    undone = frozenset(t.lower() for t in _strings(clip.redactions_undone))
    return Redactions(tuple(names), undone, recording.language or "da")


# The sound --------------------------------------------------------------------------------


def _clip_segments(session: Session, clip: Clip) -> tuple[list[Segment], dict[int, list[Word]]]:
    found = transcript_service.get(session=session, recording_id=clip.recording_id)
    if found is None:
        return [], {}
    segments = [
        s
        for s in transcript_service.segments(session=session, transcript=found)
        if s.end >= clip.start_seconds and s.start <= clip.end_seconds
    ]
    words: dict[int, list[Word]] = defaultdict(list)
    if segments:
        rows = session.exec(
            select(Word)
            .where(col(Word.segment_id).in_([s.id for s in segments]))
            .order_by(col(Word.position))
        ).all()
        for word in rows:
            words[word.segment_id].append(word)
    return segments, words


def mute_spans(session: Session, clip: Clip, redactions: Redactions) -> list[tuple[float, float]]:
    """The clip seconds to silence: each hidden word's times, padded. A line a person
    corrected is checked in their words too; where those hide something the machine's words
    do not show, the whole line is silenced (its word times are the machine's), as is a line
    without word times."""
    segments, words = _clip_segments(session, clip)
    spans: list[tuple[float, float]] = []
    for segment in segments:
        heard = words.get(segment.id or 0, [])
        found = redaction.mute_spans(heard, pad=MUTE_PAD_S, finder=redactions.find)
        # A person's words, or a line without word times: silenced whole where it hides something.
        if (segment.persons_words or not heard) and not found and redactions.find(segment.text):
            found = [(segment.start - MUTE_PAD_S, segment.end + MUTE_PAD_S)]
        spans += found
    length = clip.duration
    shifted = sorted(
        (max(0.0, a - clip.start_seconds), min(length, b - clip.start_seconds))
        for a, b in spans
        if b > clip.start_seconds and a < clip.end_seconds
    )
    merged: list[tuple[float, float]] = []
    for start, end in shifted:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((round(start, 3), round(end, 3)))
    return [(a, round(b, 3)) for a, b in merged]


# The variant and its job -----------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    """What the worker protects: the clip's cut file, the spans to blur whole and to mute."""

    clip_id: int
    recording_id: str
    media_name: str
    mime: str
    whole_frame: tuple[tuple[float, float], ...]
    mute: tuple[tuple[float, float], ...]
    fingerprint: str


def _fingerprint(
    clip: Clip, whole: list[tuple[float, float]], mute: list[tuple[float, float]]
) -> str:
    made_from = json.dumps([clip.media_name, whole, mute])
    return hashlib.sha256(made_from.encode()).hexdigest()[:32]


def source_of(*, session: Session, clip_id: int) -> Source | None:
    """None if the clip, or its cut file, is gone."""
    clip = session.get(Clip, clip_id)
    if clip is None or not clip.media_name:  # a cut file kept (its job may still be ending)
        return None
    whole = missed_spans(clip)
    mute = mute_spans(session, clip, redactions_of(session, clip))
    return Source(
        clip_id=clip_id,
        recording_id=clip.recording_id,
        media_name=clip.media_name,
        mime=clip.media_mime or "video/mp4",
        whole_frame=tuple(whole),
        mute=tuple(mute),
        fingerprint=_fingerprint(clip, whole, mute),
    )


def current_fingerprint(session: Session, clip: Clip) -> str | None:
    source = source_of(session=session, clip_id=clip.id) if clip.id is not None else None
    return source.fingerprint if source else None


def is_current_variant(session: Session, clip: Clip) -> bool:
    """The protected variant is made and made from the review as it stands."""
    return (
        clip.protected_status == ClipStatus.ready
        and clip.protected_media_name is not None
        and clip.protected_fingerprint == current_fingerprint(session, clip)
    )


def queue(session: Session, clip: Clip) -> None:
    """Make the protected variant (again), once the clip is cut: the one a team may have
    goes now (a team waits for the new one rather than see what the review changed)."""
    if not clip.media_name or clip.id is None:  # not cut (again) yet: its cut queues it
        return
    _drop_files(session, clip)
    job = job_service.create(
        session=session, recording_id=clip.recording_id, kind=PROTECT_CLIP, clip_id=clip.id
    )
    clip.protected_status = ClipStatus.queued
    session.add(clip)
    assert job.id is not None
    job_service.send_after_commit(session, job.id)


def _drop_files(session: Session, clip: Clip) -> None:
    cutting.remove_files_after_commit(
        session, clip.recording_id, clip.protected_media_name, clip.protected_poster_name
    )
    clip.protected_media_name = clip.protected_mime = clip.protected_poster_name = None
    clip.protected_fingerprint = None


def forget(session: Session, clip: Clip) -> None:
    """The clip is cut again: its variant and the caseworker's approval of it go."""
    _drop_files(session, clip)
    clip.protected_status = None
    clip.protected_approved_at = None


def _newest(session: Session, clip_id: int) -> int | None:
    return session.exec(
        select(Job.id)
        .where(Job.clip_id == clip_id, Job.kind == PROTECT_CLIP)
        .order_by(col(Job.id).desc())
    ).first()


def follow(*, session: Session, state: JobState) -> None:
    """The variant's state mirrors its newest job's (an older one finishing says nothing)."""
    assert state.clip_id is not None
    clip = session.get(Clip, state.clip_id)
    if clip is None or _newest(session, state.clip_id) != state.job_id:
        return
    clip.protected_status = cutting.STATUS_OF_JOB[state.status]
    session.add(clip)


def set_media(
    *, session: Session, clip_id: int, job_id: int, media: Stored, mime: str,
    poster: Stored | None, fingerprint: str,
) -> bool:  # fmt: skip
    """Keep what this job made if it is the clip's newest protect job and the review has
    not changed since; False: nothing kept (the caller removes its files)."""
    clip = session.get(Clip, clip_id)
    if clip is None or _newest(session, clip_id) != job_id:
        return False
    if current_fingerprint(session, clip) != fingerprint:
        return False
    _drop_files(session, clip)
    for stored, variant, kind in ((media, Variant.team_clip, mime),
                                  (poster, Variant.team_poster, "image/png")):  # fmt: skip
        if stored is not None:
            media_objects.record(session=session, recording_id=clip.recording_id,
                                 variant=variant, stored=stored, content_type=kind,
                                 clip_id=clip_id)  # fmt: skip
    clip.protected_media_name = media.key.partition("/")[2]
    clip.protected_poster_name = poster.key.partition("/")[2] if poster else None
    clip.protected_mime = mime
    clip.protected_fingerprint = fingerprint
    session.add(clip)
    return True


# The caseworker's review -----------------------------------------------------------------


@dataclass
class Mark:
    """One stretch of a text as the review shows it: plain, or hidden (with its kind)."""

    text: str
    kind: Kind | None = None


@dataclass
class Shown:
    """A line or an item with its finds marked."""

    label: str  # a time in the clip, or the item's author
    marks: list[Mark]


@dataclass
class Review:
    lines: list[Shown] = field(default_factory=list)
    found: list[tuple[str, Kind, int]] = field(default_factory=list)  # text, kind, how often
    undone: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    names: list[str] = field(default_factory=list)  # listed on the recording
    missed: list[tuple[float, float]] = field(default_factory=list)
    mute: list[tuple[float, float]] = field(default_factory=list)
    current: bool = False  # the variant is made from the review as it stands
    approved_at: datetime | None = None


def marks(text: str, found: list[Found]) -> list[Mark]:
    out, at = [], 0
    for item in found:
        if item.start > at:
            out.append(Mark(text[at : item.start]))
        out.append(Mark(item.text, item.kind))
        at = item.end
    if at < len(text):
        out.append(Mark(text[at:]))
    return out


def review(session: Session, clip: Clip, lines: list[tuple[str, str]]) -> Review:
    """The review of `lines` ((label, text): the clip's transcript and what is said about
    it) with the finds marked, and what the caseworker changed."""
    redactions = redactions_of(session, clip)
    counted: dict[tuple[str, Kind], int] = defaultdict(int)
    shown = []
    for label, text in lines:
        found = redactions.find(text)
        for item in found:
            counted[(item.text.strip(), item.kind)] += 1
        shown.append(Shown(label, marks(text, found)))
    recording = session.get(Recording, clip.recording_id)
    assert recording is not None
    return Review(
        lines=shown,
        found=sorted(((t, k, n) for (t, k), n in counted.items()), key=lambda f: f[0].lower()),
        undone=_strings(clip.redactions_undone),
        added=_strings(clip.redactions_added),
        names=listed_names(recording),
        missed=missed_spans(clip),
        mute=mute_spans(session, clip, redactions),
        current=is_current_variant(session, clip),
        approved_at=clip.protected_approved_at,
    )


def phrase(value: str, *, field: str = "text") -> str:
    """A name or word to hide or show: one line, not empty, not too long."""
    cleaned = listing.one_name(value, field=field)
    if not cleaned:
        raise BadInput(N_("Write the word or name."), code="protection.empty", field=field)
    return cleaned


def _with(stored: str, value: str, *, present: bool) -> str:
    items = [i for i in _strings(stored) if i.lower() != value.lower()]
    if present:
        if len(items) >= LIST_MAX:
            raise BadInput(N_("The list is full: remove one first."), code="protection.list_full")
        items.append(value)
    return json.dumps(items, ensure_ascii=False)


def set_shown(session: Session, clip: Clip, text: str, *, shown: bool) -> None:
    """A find shown after all (or hidden again); the variant is made again."""
    clip.redactions_undone = _with(clip.redactions_undone, phrase(text), present=shown)
    if shown:
        clip.redactions_added = _with(clip.redactions_added, text, present=False)
    _changed(session, clip)


def set_hidden(session: Session, clip: Clip, text: str, *, hidden: bool) -> None:
    """A word or name hidden too (or no longer); the variant is made again."""
    clip.redactions_added = _with(clip.redactions_added, phrase(text), present=hidden)
    if hidden:
        clip.redactions_undone = _with(clip.redactions_undone, text, present=False)
    _changed(session, clip)


def set_names(session: Session, recording: Recording, text: str) -> None:
    """The people the caseworker names on the recording (one per line); every clip whose
    protected variant is made, or being made, is made again with them."""
    recording_service.set_person_names(
        session=session, recording=recording, names=listing.listed_names(text)
    )
    for clip in session.exec(select(Clip).where(Clip.recording_id == recording.id)).all():
        if clip.protected_status is not None:
            _changed(session, clip)


def add_missed(session: Session, clip: Clip, start: float, end: float) -> None:
    """A span where a face was missed: the whole frame is blurred there."""
    length = round(clip.duration, 3)
    if not (math.isfinite(start) and math.isfinite(end)) or not 0 <= start < end <= length:
        raise BadInput(
            N_("The span must lie within the clip, which lasts %(duration)s seconds."),
            code="protection.span_outside",
            field="start",
            duration=Tenths(length),
        )
    spans = missed_spans(clip)
    if len(spans) >= SPANS_MAX:
        raise BadInput(N_("The list is full: remove one first."), code="protection.list_full")
    spans.append((round(start, 3), round(end, 3)))
    clip.missed_spans = json.dumps(sorted(spans))
    _changed(session, clip)


def remove_missed(session: Session, clip: Clip, index: int) -> None:
    spans = missed_spans(clip)
    if not 0 <= index < len(spans):
        raise BadInput(N_("That span is no longer marked."), code="protection.no_span")
    del spans[index]
    clip.missed_spans = json.dumps(spans)
    _changed(session, clip)


def _changed(session: Session, clip: Clip) -> None:
    session.add(clip)
    session.flush()
    if clip.protected_fingerprint != current_fingerprint(session, clip):
        queue(session, clip)


def approve(session: Session, clip: Clip, now: datetime) -> None:
    """The caseworker watched the variant as it stands and lets it go to a team."""
    if not is_current_variant(session, clip):
        raise Conflict(
            N_("The blurred clip is still being made. Watch it when it is ready, then approve it."),
            code="protection.not_ready",
        )
    clip.protected_approved_at = now
    session.add(clip)


def team_refusal(session: Session, clip: Clip) -> Conflict | None:
    """Why the clip may not go to a team (or a protected share) yet; None once it may."""
    if clip.protected_approved_at is None:
        return Conflict(
            N_(
                "Watch the clip as the team will see it (faces blurred, names hidden) and "
                "approve it before you share it with a team."
            ),
            code="share.protected_not_approved",
        )
    return None
