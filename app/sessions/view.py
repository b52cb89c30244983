"""What the session page shows: the round and who takes part, and, for a participant who
sees what the session is on, the player with the session's feedback (app.player)."""

from dataclasses import dataclass, field

from fastapi import Request
from sqlmodel import Session

from app.accounts.subject import Subject
from app.audit.service import Action, audit_viewing
from app.audit.viewing import Kind
from app.clips import pages as clip_pages
from app.clips.models import Clip
from app.core.i18n import request_language
from app.player import view as player_view
from app.recordings.models import Recording
from app.sessions import round as session_round
from app.sessions import service
from app.sessions.actions import Asked
from app.sessions.deps import target_of_session
from app.sessions.models import ParticipantPublic, SessionState, SparringSession


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
    sees_texts: bool
    facilitator: bool
    caseworker: bool
    turn: Turn
    player: player_view.Player | None = None  # what the session is on, if the reader sees it


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


def _player(
    request: Request, session: Session, subject: Subject, sparring: SparringSession
) -> player_view.Player | None:
    """The clip, or the recording, in the player with the session's feedback."""
    media = service.media_of(session, sparring)
    target = target_of_session(session, sparring, subject)
    if target is None or media is None:
        return None
    if isinstance(media, Clip):
        assert media.id is not None
        kind, detail = Kind.clip(media.id), f"clip {media.id} session"
        audit_viewing(session, subject, Action.view, media.recording_id, kind, detail)
        return clip_pages.player(request, session, subject, media, f"/sessions/{sparring.id}")
    assert isinstance(media, Recording)
    audit_viewing(session, subject, Action.view, media.id, Kind.transcript, "session")
    return player_view.build(
        session=session,
        subject=subject,
        target=target,
        media=player_view.recording_media(media),
        transcript=player_view.recording_transcript(session, media, editable=False),
        query=request.query_params,
        lang=request_language(request),
    )


def build(
    request: Request, about: Asked, sparring: SparringSession, participants: list[ParticipantPublic]
) -> SessionPage:
    session, subject = about.session, about.subject
    sees = service.sees_media(session=session, subject=subject, sparring=sparring)
    names = {p.user_id: p.name for p in participants}
    return SessionPage(
        sparring=sparring,
        participants=participants,
        sees_media=sees,
        sees_texts=service.sees_texts(session=session, subject=subject, sparring=sparring),
        facilitator=service.is_facilitator(subject, sparring),
        caseworker=subject.id == sparring.caseworker_id,
        turn=_turn(session, sparring, names),
        player=_player(request, session, subject, sparring) if sees else None,
    )
