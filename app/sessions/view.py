"""What the session page shows: the media the reader may see (the recording with its
feedback and transcript, or the clip with its own), the round and who takes part."""

from dataclasses import dataclass, field
from typing import Any

from fastapi import Request
from sqlmodel import Session

from app.accounts.models import User
from app.audit.service import Action, audit_viewing
from app.audit.viewing import Kind
from app.clips import actions as clip_actions
from app.clips import content as clip_content
from app.clips import feedback as clip_feedback
from app.clips.models import Clip
from app.feedback import recording_view
from app.recordings.models import Recording
from app.sessions import round as session_round
from app.sessions import service
from app.sessions.models import ParticipantPublic, SessionState, SparringSession
from app.transcripts import service as transcript_service


@dataclass
class Turn:
    """The round as the page shows it: whose turn and which phase, and who comes after."""

    begun: bool
    over: bool
    user_id: int | None
    name: str | None
    phase: str | None
    order: list[tuple[int, str]] = field(default_factory=list)


@dataclass
class SessionPage:
    sparring: SparringSession
    participants: list[ParticipantPublic]
    sees_media: bool
    facilitator: bool
    caseworker: bool
    turn: Turn
    recording: Recording | None = None  # set when the reader may see the whole recording
    clip: Clip | None = None  # set when the reader may see the session's clip
    context: dict[str, Any] = field(default_factory=dict)  # for the included templates


def _turn(session: Session, sparring: SparringSession, names: dict[int, str]) -> Turn:
    order = session_round.order(session=session, sparring=sparring)
    user_id = sparring.round_user_id
    return Turn(
        begun=sparring.state != SessionState.planned,
        over=sparring.state == SessionState.running and user_id is None,
        user_id=user_id,
        name=names.get(user_id) if user_id is not None else None,
        phase=sparring.round_phase.value if sparring.round_phase else None,
        order=[(u, names.get(u, "")) for u in order],
    )


def _recording_context(
    request: Request, session: Session, user: User, recording: Recording, lang: str
) -> dict[str, Any]:
    """What the recording page's player, timeline, feedback form and list need."""
    audit_viewing(request, session, user, Action.view, recording.id, Kind.transcript, "session")
    transcript = transcript_service.get(session=session, recording_id=recording.id)
    filters = recording_view.Filters()
    feedback = recording_view.build(
        session=session, user=user, recording=recording, filters=filters, lang=lang
    )
    return {
        "r": recording,
        "feedback": feedback,
        "timeline": recording_view.timeline_data(feedback),
        "feedback_filters": filters,
        "shown_threads": feedback.threads,
        "kinds": recording_view.kinds_in_order(),
        "segments": transcript_service.segments(session=session, transcript=transcript)
        if transcript
        else [],
    }


def _clip_context(
    request: Request, session: Session, user: User, clip: Clip, lang: str
) -> dict[str, Any]:
    """The clip's own transcript, feedback timeline, form and threads, times from the
    clip's start; the forms post to the clip's own routes."""
    assert clip.id is not None
    clip_actions.viewed(
        session=session, request=request, user=user, clip_id=clip.id, part="session"
    )
    threads, feedback = clip_feedback.page_view(session=session, user=user, clip=clip, lang=lang)
    return {
        "clip_transcript": clip_content.transcript(session=session, clip=clip),
        "feedback": feedback,
        "shown_threads": threads,
        "timeline": recording_view.timeline_data(feedback),
        "kinds": recording_view.kinds_in_order(),
        "feedback_base": clip_feedback.page_base(clip.id),
        "media_duration": round(clip.duration, 3),
    }


def build(
    *,
    request: Request,
    session: Session,
    user: User,
    sparring: SparringSession,
    participants: list[ParticipantPublic],
    lang: str,
) -> SessionPage:
    sees = service.sees_media(session=session, user=user, sparring=sparring)
    names = {p.user_id: p.name for p in participants}
    page = SessionPage(
        sparring=sparring,
        participants=participants,
        sees_media=sees,
        facilitator=service.is_facilitator(user, sparring),
        caseworker=user.id == sparring.caseworker_id,
        turn=_turn(session, sparring, names),
    )
    if not sees:
        return page
    if sparring.on_clip and sparring.clip_id is not None:
        page.clip = session.get(Clip, sparring.clip_id)
        if page.clip is not None:
            page.context = _clip_context(request, session, user, page.clip, lang)
    elif not sparring.on_clip:
        page.recording = session.get(Recording, sparring.recording_id)
        if page.recording is not None:
            page.context = _recording_context(request, session, user, page.recording, lang)
    return page
