"""The player with its side pane (timeline, feedback, transcript, drafts bar) for any
feedback target, built once here and drawn by `templates/player/_viewer.html`: the
recording page, the clip page and the session page all show it this way.

A page says what plays (`Media`) and which lines are heard (`Transcript`); the feedback
comes from the target. One more panel beside the feedback and the transcript is a `Panel`:
a template partial and what it needs, in `panels`.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session

from app.accounts.subject import Subject
from app.core.i18n import N_, translate
from app.feedback import view as feedback_view
from app.feedback.models import FeedbackKind, FeedbackPublic
from app.feedback.targets import Here, Target
from app.insight import view as insight_view
from app.recordings.models import Recording
from app.transcripts import service as transcripts
from app.transcripts import unsure

# The transcript lines rendered with the page (more than a screen); player.js fetches the
# rest, so that a long recording's page still answers quickly.
FIRST_LINES = 60


@dataclass(frozen=True)
class Media:
    """What plays: a file and its poster, or why nothing plays yet."""

    title: str
    src: str | None  # None: nothing to play (yet)
    mime: str | None = None
    poster: str | None = None
    captions: str | None = None  # a WebVTT track
    language: str = "da"
    video: bool = True
    note: str | None = None  # shown instead of the player when there is nothing to play
    note_id: str = "media-note"
    watch: str | None = None  # the JSON whose status the page follows until it plays
    # A team's clip: streamed, never offered as a file (no download in the player's menu).
    streamed_only: bool = False


@dataclass(frozen=True)
class Transcript:
    """The lines heard in what plays: the first of them, and where the rest come from."""

    lines: Sequence[Any]  # segments (app.transcripts) or a clip's cut lines
    total: int
    language: str
    more: str | None = None  # the fragment the rest come from; None: all are here
    editable_on: str | None = None  # the recording whose caseworker corrects lines here
    note: str | None = None  # said above the lines
    checked: int | None = None  # how many lines a person has checked; None: not shown
    # The shown lines' unsure words by segment id, and how many the transcript has still
    # (app/transcripts/unsure.py); None: not a recording's machine transcript.
    marks: Mapping[int, unsure.Marks] = field(default_factory=dict)
    # Who speaks each shown line (app/insight): the machine's voice, or the role a person
    # gave it; and the recording on which a reader may change it in one click.
    speakers: Mapping[int, Any] = field(default_factory=dict)
    speaker_on: str | None = None
    unsure_share: unsure.Share | None = None


@dataclass(frozen=True)
class Panel:
    """One more part of the player: a partial and its data, shown as a tab beside the
    feedback and the transcript (`slot="tab"`), under the video (`"under"`), or below the
    whole player (`"extra"`). The partial reads `panel.data`."""

    id: str
    title: str
    template: str
    slot: str = "tab"
    data: Mapping[str, Any] = field(default_factory=dict)

    @property
    def tab(self) -> tuple[str, str]:
        return (self.id, self.title)


@dataclass(frozen=True)
class Prefill:
    start: float
    criterion_id: int | None


def prefill_of(query: Mapping[str, str], length: float) -> Prefill | None:
    """The moment and criterion a link asks the feedback form to start from (ignored
    where not a time inside the target, or not a number)."""
    try:
        start = float(query.get("at", ""))
    except ValueError:
        return None
    if not 0 <= start <= length:
        return None
    criterion = query.get("criterion", "")
    return Prefill(start, int(criterion) if criterion.isascii() and criterion.isdigit() else None)


@dataclass
class Player:
    target: Target
    media: Media
    transcript: Transcript
    feedback: feedback_view.FeedbackView
    filters: feedback_view.Filters
    shown_threads: list[FeedbackPublic]
    panels: Sequence[Panel] = ()
    # "Give feedback here" without JavaScript (?at=…&criterion=…): the form opens filled in.
    prefill: "Prefill | None" = None

    @property
    def timeline(self) -> dict[str, Any]:
        return feedback_view.timeline_data(self.feedback)

    @property
    def kinds(self) -> list[FeedbackKind]:
        return feedback_view.kinds_in_order()

    @property
    def duration(self) -> float:
        return self.target.length

    @property
    def more_threads(self) -> bool:
        return len(self.shown_threads) < len(self.feedback.threads)


def build(
    *,
    session: Session,
    subject: Subject,
    target: Target,
    media: Media,
    transcript: Transcript,
    query: Mapping[str, str],
    lang: str,
    panels: Sequence[Panel] = (),
) -> Player:
    """The player for a target. `query` is the page's: its filters, and `all=1` to render
    every thread and line without JavaScript."""
    filters = feedback_view.Filters.from_query(query)
    shown = feedback_view.build(Here(session, subject, target), filters=filters, lang=lang)
    everything = query.get("all") == "1"
    first = shown.threads if everything else shown.threads[: feedback_view.FIRST_THREADS]
    return Player(
        target=target,
        media=media,
        transcript=transcript,
        feedback=shown,
        filters=filters,
        shown_threads=list(first),
        panels=panels,
        prefill=prefill_of(query, target.length),
    )


def recording_media(recording: Recording, *, note: str | None = None) -> Media:
    """A ready recording's playable file, poster and captions."""
    base = f"/api/v1/recordings/{recording.id}"
    return Media(
        title=recording.title,
        src=f"{base}/media",
        mime=recording.playable_mime,
        poster=f"{base}/poster" if recording.poster_name else None,
        captions=f"{base}/transcript/export.vtt",
        language=recording.language,
        video=recording.has_video,
        note=note,
    )


def recording_transcript(
    session: Session,
    recording: Recording,
    *,
    editable: bool,
    everything: bool = False,
    note: str | None = None,
    lang: str = "da",
    speaker_on: str | None = None,
) -> Transcript:
    """The recording's segments: the first screen of them, the rest from its fragment;
    `speaker_on`: the reader may change who speaks a line in one click."""

    found = transcripts.get(session=session, recording_id=recording.id)
    segments = transcripts.segments(session=session, transcript=found) if found else []
    shown = segments if everything else segments[:FIRST_LINES]
    return Transcript(
        lines=shown,
        total=len(segments),
        language=recording.language,
        more=f"/recordings/{recording.id}/transcript/lines" if len(shown) < len(segments) else None,
        editable_on=recording.id if editable else None,
        note=note,
        checked=transcripts.checked_count(segments) if segments else None,
        marks=unsure.marks(session=session, lines=shown),
        speakers=insight_view.line_speakers(
            session=session, recording_id=recording.id, lines=shown, lang=lang
        ),
        speaker_on=speaker_on,
        unsure_share=unsure.share(session=session, transcript=found) if found else None,
    )


def insight_tab(
    *, session: Session, target: Target, lang: str, correctable: bool, refresh: str | None
) -> Panel:
    """The "Samtalen" tab beside the feedback and the transcript (app/insight); `refresh`:
    where insight.js fetches its body again after a correction (None: read only)."""
    return Panel(
        "insight",
        translate(N_("The conversation"), lang),
        "insight/_panel.html",
        data={
            "insight": insight_view.panel(
                session=session,
                recording=target.recording,
                start=target.start,
                end=target.window_end,
                lang=lang,
                correctable=correctable,
            ),
            "refresh": refresh,
            "offset": target.start,
        },
    )
