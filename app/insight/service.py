"""Conversation insight, read and written: the analysis job, each line's speaker and question
type, the figures of a recording or clip, and people's corrections (which win over the
machine from then on)."""

import json
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from app.core.errors import BadInput, Conflict, NotFound
from app.core.i18n import N_
from app.core.timeutil import utcnow
from app.insight.figures import Figures, Question, Speech, clipped, compute
from app.insight.models import ConversationAnalysis, ConversationVoice, VoiceRole
from app.jobs import service as job_service
from app.jobs.models import ANALYSE_CONVERSATION, Job
from app.transcripts.models import Segment, Speaker, Transcript

# The adult's questions (what the wait after is measured on); a facilitator ("mm") is not.
QUESTION_TYPES = ("invitation", "cued_invitation", "directive", "option_posing", "suggestive")
LABELS = (*QUESTION_TYPES, "facilitator", "none")
# The roles a line's speaker (as a person sets it) counts as in the figures.
ROLE_OF_SPEAKER = {
    Speaker.caseworker: VoiceRole.adult,
    Speaker.other: VoiceRole.adult,
    Speaker.child: VoiceRole.child,
}
SPEAKER_OF_ROLE = {VoiceRole.adult: Speaker.caseworker, VoiceRole.child: Speaker.child}


# The job -----------------------------------------------------------------------------------


def latest_job(*, session: Session, recording_id: str) -> Job | None:
    return job_service.newest(session=session, recording_id=recording_id, kind=ANALYSE_CONVERSATION)


def request(*, session: Session, recording_id: str) -> Job:
    """Analyse the recording (again) once this transaction commits."""
    return job_service.request_once(
        session=session, recording_id=recording_id, kind=ANALYSE_CONVERSATION
    )


def follow(*, session: Session, state: job_service.JobState) -> None:
    """The recording's own status is its processing's: the analysis shows its own progress
    from its job (`latest_job`)."""


# What the worker writes --------------------------------------------------------------------


@dataclass(frozen=True)
class FoundVoice:
    number: int
    role: VoiceRole
    pitch_hz: float | None
    seconds: float


def analysis(*, session: Session, recording_id: str) -> ConversationAnalysis | None:
    return session.get(ConversationAnalysis, recording_id)


def store_voices(
    *,
    session: Session,
    recording_id: str,
    voices: Sequence[FoundVoice],
    turns: Sequence[tuple[float, float, int]],
) -> None:
    """Who speaks when, from the audio: stored once per recording. A person's correction of
    a voice is kept where the voice is found again under its number."""
    corrected = {
        v.number: v.role_by_person
        for v in voices_of(session=session, recording_id=recording_id)
        if v.role_by_person is not None
    }
    for old in voices_of(session=session, recording_id=recording_id):
        session.delete(old)
    session.flush()
    for found in voices:
        session.add(
            ConversationVoice(
                recording_id=recording_id,
                number=found.number,
                role=found.role,
                role_by_person=corrected.get(found.number),
                pitch_hz=found.pitch_hz,
                seconds=found.seconds,
            )
        )
    row = analysis(session=session, recording_id=recording_id)
    if row is None:
        row = ConversationAnalysis(recording_id=recording_id, turns="[]")
    row.turns = json.dumps([[round(s, 3), round(e, 3), v] for s, e, v in turns])
    row.separated_at = utcnow()
    session.add(row)
    session.flush()


def turns_of(row: ConversationAnalysis | None) -> list[tuple[float, float, int]]:
    return [(float(s), float(e), int(v)) for s, e, v in json.loads(row.turns)] if row else []


def voices_of(*, session: Session, recording_id: str) -> list[ConversationVoice]:
    return list(
        session.exec(
            select(ConversationVoice)
            .where(ConversationVoice.recording_id == recording_id)
            .order_by(col(ConversationVoice.number))
        ).all()
    )


def roles_of(voices: Sequence[ConversationVoice]) -> dict[int, VoiceRole]:
    return {v.number: v.current_role for v in voices}


def _voice_of_line(
    segment: Segment, turns: Sequence[tuple[float, float, int]], starts: Sequence[float]
) -> int | None:
    """The voice speaking most of the line (`starts`: the turns' starts, for bisection)."""
    spoken: dict[int, float] = {}
    for at in range(max(bisect_left(starts, segment.start) - 1, 0), len(turns)):
        begin, end, voice = turns[at]
        if begin >= segment.end:
            break
        overlap = min(end, segment.end) - max(begin, segment.start)
        if overlap > 0:
            spoken[voice] = spoken.get(voice, 0.0) + overlap
    return max(spoken, key=lambda v: spoken[v]) if spoken else None


def _same_words(a: str, b: str) -> bool:
    return " ".join(a.lower().split()) == " ".join(b.lower().split())


def _carry_labels(session: Session, recording_id: str, lines: Sequence[Segment]) -> None:
    """A new version of the transcript keeps a person's label of a line where an earlier
    version's line at that time had the same words."""
    labelled = session.exec(
        select(Segment)
        .join(Transcript, col(Transcript.id) == Segment.transcript_id)
        .where(
            Transcript.recording_id == recording_id,
            col(Segment.question_type_by_person).is_not(None),
        )
    ).all()
    for line in lines:
        if line.question_type_by_person is not None:
            continue
        for old in labelled:
            overlaps = old.start < line.end and line.start < old.end
            if old.id != line.id and overlaps and _same_words(old.text, line.text):
                line.question_type_by_person = old.question_type_by_person
                line.question_type_at = old.question_type_at
                break


def label(*, session: Session, recording_id: str, transcript: Transcript) -> int:
    """Give each line of the transcript its voice, and each adult's line its question type
    (the child's line before it, where there is one, helps tell a cued invitation); returns
    how many lines were labelled."""
    from app.insight import questions
    from app.transcripts import service as transcripts

    row = analysis(session=session, recording_id=recording_id)
    turns = turns_of(row)
    roles = roles_of(voices_of(session=session, recording_id=recording_id))
    child_before: str | None = None
    lines = transcripts.segments(session=session, transcript=transcript)
    _carry_labels(session, recording_id, lines)
    starts = [t[0] for t in turns]
    for segment in lines:
        segment.voice = _voice_of_line(segment, turns, starts)
        role = role_of_line(segment, roles)
        if role == VoiceRole.adult:
            segment.question_type = questions.classify(
                segment.text, lang=transcript.language, child_before=child_before
            ).value
            child_before = None
        else:
            segment.question_type = None
            child_before = segment.text if role == VoiceRole.child else child_before
        session.add(segment)
    if row is not None:
        row.transcript_id, row.labelled_at = transcript.id, utcnow()
        session.add(row)
    session.flush()
    return len(lines)


# Reading -----------------------------------------------------------------------------------


def role_of_line(segment: Segment, roles: dict[int, VoiceRole]) -> VoiceRole | None:
    """A person's speaker for the line wins; else the machine's voice's role (as corrected)."""
    if segment.speaker is not None:
        return ROLE_OF_SPEAKER[Speaker(segment.speaker)]
    return roles.get(segment.voice) if segment.voice is not None else None


def type_of_line(segment: Segment) -> str | None:
    return segment.question_type_by_person or segment.question_type


def speech(
    turns: Sequence[tuple[float, float, int]],
    roles: dict[int, VoiceRole],
    lines: Sequence[Segment],
) -> list[Speech]:
    """Who speaks when: the machine's turns, except over a line a person gave a speaker,
    which is that speaker's throughout."""
    decided = sorted(
        (s.start, s.end, ROLE_OF_SPEAKER[Speaker(s.speaker)])
        for s in lines
        if s.speaker is not None and s.end > s.start
    )
    out = [Speech(a, b, role) for a, b, role in decided]
    starts = [d[0] for d in decided]
    for begin, end, voice in turns:
        role = roles.get(voice)
        if role is None:
            continue
        cursor = begin
        for at in range(max(bisect_left(starts, begin) - 1, 0), len(decided)):
            a, b, _ = decided[at]
            if a >= end:
                break
            if b <= cursor:
                continue
            if a > cursor:
                out.append(Speech(cursor, a, role))
            cursor = max(cursor, b)
        if cursor < end:
            out.append(Speech(cursor, end, role))
    return sorted(out, key=lambda s: (s.start, s.end))


def questions_asked(lines: Sequence[Segment], roles: dict[int, VoiceRole]) -> list[Question]:
    return [
        Question(s.start, s.end, kind)
        for s in lines
        if role_of_line(s, roles) == VoiceRole.adult and (kind := type_of_line(s)) in QUESTION_TYPES
    ]


@dataclass(frozen=True)
class Insight:
    """A recording's (or a clip's) conversation as the panel, the document and the charts
    read it; `figures` None until the analysis has run."""

    voices: list[ConversationVoice]
    lines: list[Segment]
    roles: dict[int, VoiceRole]
    figures: Figures | None
    speech: list[Speech]  # who speaks when, within the stretch
    job: Job | None
    labelled_at: datetime | None

    def role(self, segment: Segment) -> VoiceRole | None:
        return role_of_line(segment, self.roles)


def insight(
    *,
    session: Session,
    recording_id: str,
    transcript: Transcript | None,
    start: float = 0.0,
    end: float,
) -> Insight:
    """The conversation in [start, end] of the recording, with its current transcript."""
    from app.transcripts import service as transcripts

    row = analysis(session=session, recording_id=recording_id)
    voices = voices_of(session=session, recording_id=recording_id)
    roles = roles_of(voices)
    every = transcripts.segments(session=session, transcript=transcript) if transcript else []
    figures, spoken = None, []
    if row is not None:
        spoken = speech(turns_of(row), roles, every)
        figures = compute(spoken, questions_asked(every, roles), start=start, end=end)
    return Insight(
        voices=voices,
        lines=[s for s in every if s.end > start and s.start < end],
        roles=roles,
        figures=figures,
        speech=clipped(spoken, start, end),
        job=latest_job(session=session, recording_id=recording_id),
        labelled_at=row.labelled_at if row else None,
    )


# Corrections -------------------------------------------------------------------------------


def _voice(session: Session, recording_id: str, number: int) -> ConversationVoice:
    found = session.exec(
        select(ConversationVoice).where(
            ConversationVoice.recording_id == recording_id, ConversationVoice.number == number
        )
    ).first()
    if found is None:
        raise NotFound(
            N_("The recording has no voice %(number)s."), code="insight.no_voice", number=number
        )
    return found


def set_voice_role(*, session: Session, recording_id: str, number: int, role: VoiceRole) -> None:
    """A person says who a voice is: every line of it follows, unless a person gave that
    line a speaker of its own."""
    voice = _voice(session, recording_id, number)
    voice.role_by_person = role
    session.add(voice)
    session.flush()


def swap_voices(*, session: Session, recording_id: str, first: int, second: int) -> None:
    """The machine mixed up two voices (the adult heard as the child and the other way
    round): each takes the other's role."""
    if first == second:
        raise BadInput(N_("Choose two different voices to swap."), code="insight.same_voice")
    a, b = _voice(session, recording_id, first), _voice(session, recording_id, second)
    if a.current_role == b.current_role:
        raise Conflict(
            N_(
                "The two voices have the same role, so swapping them changes nothing. Set a "
                "voice's role instead."
            ),
            code="insight.same_role",
        )
    a.role_by_person, b.role_by_person = b.current_role, a.current_role
    session.add_all([a, b])
    session.flush()


def _line(session: Session, recording_id: str, segment_id: int) -> Segment:
    from app.transcripts import service as transcripts

    return transcripts.segment_of(session, recording_id, segment_id, current=True)


def set_line_role(
    *, session: Session, recording_id: str, segment_id: int, role: VoiceRole
) -> Segment:
    """A person says who speaks a line (the caseworker's "speaker" of the line): it wins
    over the machine's voice from then on, in a new version of the transcript too."""
    segment = _line(session, recording_id, segment_id)
    segment.speaker = SPEAKER_OF_ROLE[role]
    session.add(segment)
    session.flush()
    return segment


def set_question_type(
    *, session: Session, recording_id: str, segment_id: int, question_type: str
) -> Segment:
    """A person's label for the adult's line: the machine's stays beside it, so the two can
    be compared (`agreement`)."""
    if question_type not in LABELS:
        raise BadInput(
            N_("The question type must be one of: %(types)s."),
            code="insight.bad_type",
            types=", ".join(LABELS),
        )
    segment = _line(session, recording_id, segment_id)
    segment.question_type_by_person = question_type
    segment.question_type_at = utcnow()
    session.add(segment)
    session.flush()
    return segment
