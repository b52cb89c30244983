"""JSON API: a recording's conversation as the machine and people made it out."""

from fastapi import APIRouter
from sqlmodel import Field, SQLModel

from app.access import policy
from app.accounts.deps import CurrentSubject
from app.audit.service import Action, audit_viewing
from app.audit.viewing import Kind
from app.core.db import SessionDep
from app.insight import service
from app.insight.models import VoiceRole
from app.recordings import service as recording_service
from app.transcripts import service as transcripts

router = APIRouter(prefix="/recordings/{recording_id}/insight", tags=["insight"])


class VoicePublic(SQLModel):
    number: int
    role: VoiceRole = Field(description="A person's correction where there is one.")
    role_by_machine: VoiceRole
    pitch_hz: float | None
    seconds: float


class LinePublic(SQLModel):
    segment_id: int
    start: float
    end: float
    voice: int | None = Field(description="The machine's voice speaking most of the line.")
    role: VoiceRole | None = Field(description="A person's speaker for the line wins.")
    question_type: str | None = Field(description="A person's label wins over the machine's.")
    question_type_by_machine: str | None


class FiguresPublic(SQLModel):
    seconds: float
    adult_share: float
    child_share: float
    silence_share: float
    turns: int
    child_longest_seconds: float
    median_wait_seconds: float | None
    waits_under_1s: int
    questions: int
    over_the_child: int


class InsightPublic(SQLModel):
    analysed: bool
    figures: FiguresPublic | None
    voices: list[VoicePublic]
    lines: list[LinePublic]


@router.get("", response_model=InsightPublic)
def read_insight(recording_id: str, session: SessionDep, subject: CurrentSubject) -> InsightPublic:
    """Who speaks, each line's question type and the figures of the whole recording."""
    recording = recording_service.require_ready(policy.recording(session, subject, recording_id))
    audit_viewing(session, subject, Action.view, recording.id, Kind.insight, "api")
    found = service.insight(
        session=session,
        recording_id=recording.id,
        transcript=transcripts.get(session=session, recording_id=recording.id),
        end=recording.duration_seconds,
    )
    f = found.figures
    return InsightPublic(
        analysed=f is not None,
        figures=FiguresPublic(
            seconds=f.duration,
            adult_share=round(f.share("adult"), 4),
            child_share=round(f.share("child"), 4),
            silence_share=round(f.share("silence"), 4),
            turns=f.turns,
            child_longest_seconds=round(f.child_longest_seconds, 2),
            median_wait_seconds=f.median_wait,
            waits_under_1s=f.short_waits,
            questions=len(f.waits),
            over_the_child=f.over_the_child,
        )
        if f is not None
        else None,
        voices=[
            VoicePublic(
                number=v.number,
                role=v.current_role,
                role_by_machine=v.role,
                pitch_hz=v.pitch_hz,
                seconds=round(v.seconds, 2),
            )
            for v in found.voices
        ],
        lines=[
            LinePublic(
                segment_id=s.id,
                start=s.start,
                end=s.end,
                voice=s.voice,
                role=found.role(s),
                question_type=service.type_of_line(s),
                question_type_by_machine=s.question_type,
            )
            for s in found.lines
            if s.id is not None
        ],
    )
