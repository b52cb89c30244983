"""The "Samtalen" panel beside the player, for a recording or a clip's stretch of it: the
shares, a band of who speaks, the adult's questions as marks to seek to (each with the wait
after it, its label to correct, and feedback to start from it), and the voices."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session

from app.core.i18n import N_, translate
from app.core.labels import LABELS
from app.criteria import service as criteria
from app.insight import service
from app.insight.figures import Figures
from app.insight.models import ConversationVoice, VoiceRole
from app.jobs.models import JobStatus
from app.recordings.models import Recording
from app.transcripts import service as transcripts

# A criterion whose name holds one of these fits feedback on a mark of the type: the
# municipality may rename its criteria, so both languages' words are looked for.
FITTING_CRITERION = {
    "question": ("åbne spørgsmål", "open question", "spørgsmål", "question"),
    "facilitator": ("aktiv lytning", "active listening", "lytning", "listening"),
}


@dataclass(frozen=True)
class VoiceView:
    number: int
    name: str  # "Voksen 1", "Barn 2"
    role: VoiceRole
    by_person: bool
    seconds: float
    pitch_hz: float | None


@dataclass(frozen=True)
class Mark:
    segment_id: int
    at: float  # in the player's time
    type: str
    name: str
    by_person: bool
    text: str
    wait: float | None
    criterion_id: int | None
    left: float  # on the band, in per cent


@dataclass(frozen=True)
class Band:
    left: float
    width: float
    role: VoiceRole


@dataclass
class PanelView:
    state: str  # "none" (not analysed), "working", "failed", "ready"
    progress: float = 0.0
    figures: Figures | None = None
    voices: list[VoiceView] = field(default_factory=list)
    marks: list[Mark] = field(default_factory=list)
    band: list[Band] = field(default_factory=list)
    correctable_on: str | None = None  # the recording whose analysis the reader may correct
    labels: list[tuple[str, str]] = field(default_factory=list)

    @property
    def swappable(self) -> list[tuple[VoiceView, VoiceView]]:
        """Pairs of voices of different roles: the one-click swaps offered."""
        return [
            (a, b)
            for i, a in enumerate(self.voices)
            for b in self.voices[i + 1 :]
            if a.role != b.role
        ]


def voice_names(voices: list[ConversationVoice], lang: str) -> dict[int, str]:
    """Adults and children numbered apart, in the order they first speak."""
    counts: dict[VoiceRole, int] = {}
    names = {}
    for voice in voices:
        role = voice.current_role
        counts[role] = counts.get(role, 0) + 1
        words = N_("Adult %(n)s") if role == VoiceRole.adult else N_("Child %(n)s")
        names[voice.number] = translate(words, lang, n=counts[role])
    return names


@dataclass(frozen=True)
class LineSpeaker:
    """Who speaks a transcript line: `machine` names the machine's voice where no person
    gave the line a speaker; `role` is the line's role either way (what a click changes)."""

    machine: str | None
    role: VoiceRole


def line_speakers(
    *, session: Session, recording_id: str, lines: Sequence[Any], lang: str
) -> dict[int, LineSpeaker]:
    voices = service.voices_of(session=session, recording_id=recording_id)
    names, roles = voice_names(voices, lang), service.roles_of(voices)
    shown: dict[int, LineSpeaker] = {}
    for line in lines:
        role = service.role_of_line(line, roles)
        if role is not None and line.id is not None:
            machine = None if line.speaker is not None else names.get(line.voice)
            shown[line.id] = LineSpeaker(machine, role)
    return shown


def _fitting(session: Session) -> dict[str, int]:
    found: dict[str, int] = {}
    current = [c for c in criteria.to_public(criteria.catalogue(session=session)) if not c.retired]
    for kind, words in FITTING_CRITERION.items():
        for word in words:  # the most precise words first
            match = next((c for c in current if word in f"{c.name_da} {c.name_en}".lower()), None)
            if match is not None:
                found[kind] = match.id
                break
    return found


def _state(found: service.Insight) -> tuple[str, float]:
    job = found.job
    if job is not None and job.status in (JobStatus.queued, JobStatus.running):
        return "working", job.progress
    if found.figures is not None:
        return "ready", 1.0
    if job is not None and job.status == JobStatus.failed:
        return "failed", job.progress
    return "none", 0.0


def panel(
    *,
    session: Session,
    recording: Recording,
    start: float,
    end: float,
    lang: str,
    correctable: bool,
) -> PanelView:
    """The panel for [start, end] of the recording (a clip's stretch, or all of it): times
    in it are the player's, from `start`."""
    transcript = transcripts.get(session=session, recording_id=recording.id)
    found = service.insight(
        session=session,
        recording_id=recording.id,
        transcript=transcript,
        start=start,
        end=end,
    )
    state, progress = _state(found)
    view = PanelView(
        state=state,
        progress=progress,
        figures=found.figures,
        correctable_on=recording.id if correctable else None,
        labels=[(t, translate(LABELS["question_type"][t], lang)) for t in service.LABELS],
    )
    if found.figures is None:
        return view
    names = voice_names(found.voices, lang)
    view.voices = [
        VoiceView(
            v.number,
            names[v.number],
            v.current_role,
            v.role_by_person is not None,
            v.seconds,
            v.pitch_hz,
        )
        for v in found.voices
    ]
    length = max(end - start, 0.001)
    figures = found.figures
    waits = {(w.question.start, w.question.end): w.seconds for w in figures.waits}
    fitting = _fitting(session)
    for line in found.lines:
        kind = service.type_of_line(line)
        if found.role(line) != VoiceRole.adult or kind is None or kind == "none":
            continue
        assert line.id is not None
        at = line.start - start  # in the player's time
        view.marks.append(
            Mark(
                segment_id=line.id,
                at=at,
                type=kind,
                name=translate(LABELS["question_type"][kind], lang),
                by_person=line.question_type_by_person is not None,
                text=line.text,
                wait=waits.get((line.start, line.end)),
                criterion_id=fitting.get("facilitator" if kind == "facilitator" else "question"),
                left=round(100 * min(max(at / length, 0.0), 1.0), 2),
            )
        )
    view.band = [
        Band(
            left=round(100 * (s.start - start) / length, 2),
            width=round(100 * (s.end - s.start) / length, 2),
            role=s.role,
        )
        for s in found.speech
    ]
    return view
