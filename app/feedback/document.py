"""The sparring document handed to the caseworker: published feedback in time order, each item
with the transcript lines it goes with (app/transcripts/placing.py), then the feedback grouped
by criterion.

`build` is pure (data in, document out); `for_reader` loads what one reader may see.
"""

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from app.accounts.models import User
from app.childvoice import service as child_voice
from app.childvoice.service import RatingView
from app.core.i18n import N_, translate
from app.core.labels import LABELS
from app.core.templates import clock
from app.core.timeutil import utcnow
from app.feedback.models import (
    KIND_ORDER,
    CriterionRef,
    FeedbackGrouped,
    FeedbackKind,
    FeedbackPublic,
    Place,
)
from app.feedback.reading import Reading
from app.feedback.reflection import waits_for_reflection
from app.feedback.targets import Here
from app.insight import service as insight
from app.insight.figures import Figures
from app.insight.models import VoiceRole
from app.recordings.models import Recording
from app.scores import service as scores
from app.scores.service import ScoreRow
from app.transcripts import service as transcripts
from app.transcripts.models import Transcript
from app.transcripts.placing import lines_for

KIND_LABELS = {
    FeedbackKind.strength: N_("Strength"),
    FeedbackKind.development_point: N_("Development point"),
    FeedbackKind.question: N_("Question"),
}
KIND_PLURALS = {
    FeedbackKind.strength: N_("Strengths"),
    FeedbackKind.development_point: N_("Development points"),
    FeedbackKind.question: N_("Questions"),
}
KINDS = sorted(KIND_LABELS, key=lambda k: KIND_ORDER[k])  # strengths first


@dataclass(frozen=True)
class Line:
    """A transcript line an item covers."""

    start: float
    speaker: str | None
    text: str

    @property
    def when(self) -> str:
        return clock(self.start)


@dataclass(frozen=True)
class Reply:
    author: str
    text: str
    edited: bool
    created_at: datetime


@dataclass(frozen=True)
class Entry:
    """One item of feedback at its moment."""

    id: int
    when: str  # 1:05 or 1:05–1:20
    kind: str  # the kind's value: the colour of its stripe
    kind_label: str
    criteria: list[str]
    author: str
    self_reflection: bool
    text: str
    edited: bool
    deleted: bool
    replies: list[Reply]
    lines: list[Line]


@dataclass(frozen=True)
class Count:
    kind: str
    label: str
    count: int


@dataclass(frozen=True)
class Group:
    """One criterion in rubric order: counts per kind and its items, strengths first."""

    name: str
    counts: list[Count]
    entries: list[Entry]


@dataclass(frozen=True)
class SparringDocument:
    title: str
    case_reference: str
    recorded_at: datetime
    caseworker: str
    entries: list[Entry]
    groups: list[Group]
    counts: list[Count]
    has_transcript: bool
    # How the transcript quoted here was heard (model, weights, device, …), in words.
    transcript_provenance: str | None = None
    transcript_details: list[str] = field(default_factory=list)
    made_at: datetime = field(default_factory=utcnow)
    # The conversation's figures (app/insight), where it has been analysed; and how many of
    # the adult's utterances were of each question type.
    conversation: Figures | None = None
    question_types: list[tuple[str, int]] = field(default_factory=list)
    # The scores on the criteria the reader may see (the whole recording's document only):
    # the caseworker's self-score beside the supervisors'.
    scores: list[ScoreRow] = field(default_factory=list)

    @property
    def reflection(self) -> list[Entry]:
        """The caseworker's own items, to read beside the feedback they were given."""
        return [e for e in self.entries if e.self_reflection and not e.deleted]

    @property
    def given(self) -> list[Entry]:
        return [e for e in self.entries if not e.self_reflection and not e.deleted]

    # The child's own rating (app/childvoice): in the recording's document only, never in a
    # clip's or a session's, where the child's word could say who the child is.
    child_ratings: list[RatingView] = field(default_factory=list)


def when(start: float | None, end: float | None) -> str:
    """A moment as m:ss, a range as m:ss–m:ss."""
    return clock(start) if end is None else f"{clock(start)}–{clock(end)}"


def _criterion_name(ref: CriterionRef, lang: str) -> str:
    return ref.name_en if lang == "en" else ref.name_da


def _author(item: FeedbackPublic, lang: str) -> str:
    return item.author_name or translate(N_("A former user"), lang)


def _entry(item: FeedbackPublic, segments: list[Any], lang: str) -> Entry:
    kind = item.kind or FeedbackKind.question
    replies = [r for r in item.replies if not r.draft and not r.deleted]
    return Entry(
        id=item.id,
        when=when(item.start_seconds, item.end_seconds),
        kind=kind.value,
        kind_label=translate(KIND_LABELS[kind], lang),
        criteria=[_criterion_name(c, lang) for c in item.criteria],
        author=_author(item, lang),
        self_reflection=item.self_reflection,
        text=item.text,
        edited=item.edited,
        deleted=item.deleted,
        replies=[
            Reply(author=_author(r, lang), text=r.text, edited=r.edited, created_at=r.created_at)
            for r in replies
        ],
        lines=[
            Line(start=s.start, speaker=s.speaker, text=s.text)
            for s in lines_for(segments, item.start_seconds, item.end_seconds)
        ],
    )


def _counts(items: list[FeedbackPublic], lang: str) -> list[Count]:
    return [
        Count(
            kind=k.value,
            label=translate(KIND_PLURALS[k], lang),
            count=sum(1 for i in items if i.kind == k),
        )
        for k in KINDS
    ]


def build(
    *,
    recording: Recording,
    caseworker: str,
    threads: list[FeedbackPublic],
    grouped: FeedbackGrouped,
    segments: list[Any],
    lang: str,
    transcript: Transcript | None = None,
) -> SparringDocument:
    """The document from what the reader sees: published items only, drafts left out (a
    document handed over is what was said to the caseworker, not what is being prepared)."""
    published = [t for t in threads if not t.draft]
    entries = [_entry(t, segments, lang) for t in published]
    by_id = {e.id: e for e in entries}
    groups = []
    for group in grouped.groups:
        items = [i for i in group.items if not i.draft and not i.deleted and i.id in by_id]
        if not items:
            continue
        name = (
            _criterion_name(group.criterion, lang)
            if group.criterion is not None
            else translate(N_("Without a criterion"), lang)
        )
        groups.append(
            Group(name=name, counts=_counts(items, lang), entries=[by_id[i.id] for i in items])
        )
    counts = _counts([t for t in published if not t.deleted], lang)
    about = (recording.title, recording.case_reference, recording.created_at, caseworker)
    return SparringDocument(
        *about,
        entries,
        groups,
        counts,
        has_transcript=bool(segments),
        transcript_provenance=transcripts.provenance(transcript, lang) if transcript else None,
        transcript_details=transcripts.provenance_details(transcript, lang) if transcript else [],
    )


def for_reader(
    here: Here, *, lang: str, lines: Sequence[Any] | None = None, title: str | None = None
) -> SparringDocument:
    """The document as this reader sees the target's feedback (access is checked by the
    caller's target). A clip's gives its own `lines` (at clip times, names hidden where the
    reader gets the protected variant) and `title`; a reader whose texts are redacted is
    not shown the case reference."""
    session, recording = here.session, here.recording
    reading = Reading(here)
    transcript = transcripts.get(session=session, recording_id=recording.id)
    owner = session.get(User, recording.owner_id)
    if lines is None:
        lines = transcripts.segments(session=session, transcript=transcript) if transcript else []
    document = build(
        recording=recording,
        caseworker=owner.name if owner else translate(N_("A former user"), lang),
        threads=reading.threads(),
        grouped=reading.grouped(),
        segments=list(lines),
        lang=lang,
        transcript=transcript,
    )
    if title is not None:
        document = replace(document, title=title)
    if here.target.redact is not None:
        document = replace(document, case_reference="")
    if here.target.place == Place.recording:
        waiting = waits_for_reflection(session, here.subject, recording)
        rows = scores.document_rows(session, here.subject, recording, lang, waiting=waiting)
        document = replace(document, scores=rows)
    target = here.target
    found = insight.insight(
        session=session,
        recording_id=recording.id,
        transcript=transcript,
        start=target.start,
        end=target.window_end,
    )
    counted = Counter(
        kind
        for line in found.lines
        if found.role(line) == VoiceRole.adult and (kind := insight.type_of_line(line))
    )
    whole = target.place == Place.recording
    return replace(
        document,
        child_ratings=(
            child_voice.shown(session=session, recording_id=recording.id, lang=lang)
            if whole
            else []
        ),
        conversation=found.figures,
        question_types=[
            (translate(LABELS["question_type"][kind], lang), counted[kind])
            for kind in insight.LABELS
            if counted[kind]
        ],
    )
