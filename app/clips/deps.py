"""A clip as a feedback target, for the routes: a window onto its recording, resolved
through the access rule."""

from app.access.service import Shared
from app.accounts.deps import CurrentSubject
from app.clips import actions
from app.clips.actions import target_of
from app.core.db import SessionDep
from app.core.ids import DbId
from app.feedback.targets import Target

__all__ = ["clip_shares", "clip_target", "target_of"]


def clip_target(clip_id: DbId, session: SessionDep, subject: CurrentSubject) -> Target:
    """The clip's feedback (404 if the reader may not see the clip)."""
    return target_of(session, actions.seen(session, subject, clip_id), subject=subject)


def clip_shares(clip_id: DbId, session: SessionDep, subject: CurrentSubject) -> Shared:
    """The clip's shares, for the recording's caseworker (403 to a viewer, else 404)."""
    return actions.shared(session, subject, clip_id)
