"""A clip as a feedback target, for the routes: a window onto its recording, resolved
through the access rule."""

from sqlmodel import Session

from app.access.service import Shared
from app.accounts.deps import CurrentSubject
from app.audit.viewing import Kind
from app.clips import actions
from app.clips.models import Clip
from app.core.db import SessionDep
from app.core.ids import DbId
from app.feedback.models import Place
from app.feedback.targets import Target
from app.recordings.models import Recording


def target_of(session: Session, clip: Clip, page: str = "") -> Target:
    """The feedback given through the clip and brought to it, at clip times."""
    recording = session.get(Recording, clip.recording_id)
    assert recording is not None and clip.id is not None  # a clip goes with its recording
    return Target(
        recording=recording,
        place=Place.clip,
        place_id=clip.id,
        start=clip.start_seconds,
        end=clip.end_seconds,
        page=page or f"/clips/{clip.id}",
        audit_kind=Kind.clip(clip.id),
        audit_prefix=f"clip {clip.id} ",
    )


def clip_target(clip_id: DbId, session: SessionDep, subject: CurrentSubject) -> Target:
    """The clip's feedback (404 if the reader may not see the clip)."""
    return target_of(session, actions.seen(session, subject, clip_id))


def clip_shares(clip_id: DbId, session: SessionDep, subject: CurrentSubject) -> Shared:
    """The clip's shares, for the recording's caseworker (403 to a viewer, else 404)."""
    return actions.shared(session, subject, clip_id)
