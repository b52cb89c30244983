"""A session as a feedback target, for the routes: resolved through the access rule.

What a session shows of the feedback follows what it is and what it is on: on a clip, the
clip's (given through it, or brought to it); a team session on the whole recording, its own
(given in it, or brought to it); an individual session, the recording's own (individual
sparring)."""

from typing import Annotated

from fastapi import Depends
from sqlmodel import Session

from app.access import policy
from app.accounts.deps import CurrentSubject
from app.accounts.subject import Subject
from app.clips.deps import target_of
from app.clips.models import Clip
from app.core.db import SessionDep
from app.core.ids import DbId
from app.feedback.models import Place
from app.feedback.targets import Target
from app.recordings.models import Recording
from app.sessions import service
from app.sessions.actions import Asked
from app.sessions.models import SessionKind, SparringSession


def target_of_session(
    session: Session, sparring: SparringSession, subject: Subject | None = None
) -> Target | None:
    """The session's feedback target, or None when it shows no media (the clip is gone);
    on a clip, as `subject` reads it (names hidden where they get the protected variant)."""
    page = f"/sessions/{sparring.id}"
    media = service.media_of(session, sparring)
    if isinstance(media, Clip):
        return target_of(session, media, page, subject)
    if not isinstance(media, Recording):
        return None
    prefix = f"session {sparring.id} "
    if sparring.kind == SessionKind.individual:
        return Target(recording=media, page=page, audit_prefix=prefix)
    return Target(
        recording=media,
        place=Place.session,
        place_id=sparring.id,
        page=page,
        audit_prefix=prefix,
    )


def session_target(session_id: DbId, session: SessionDep, subject: CurrentSubject) -> Target:
    """The session's feedback, for a participant who sees its media (404 otherwise)."""
    found = service.reach(session=session, subject=subject, session_id=session_id, need_media=True)
    target = target_of_session(session, found.sparring, subject)
    if target is None:
        raise policy.session_not_found()
    return target


def asked(session_id: DbId, session: SessionDep, subject: CurrentSubject) -> Asked:
    return Asked(session, subject, session_id)


About = Annotated[Asked, Depends(asked)]
