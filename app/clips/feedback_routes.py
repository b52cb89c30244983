"""JSON API for feedback through a clip, times from the clip's start: whoever sees the clip
adds, replies, and changes their own, as on the recording (app/feedback/routes.py)."""

from fastapi import APIRouter, Request, Response
from sqlmodel import Session

from app.accounts.deps import CsrfProtected, CurrentUser
from app.accounts.models import User
from app.audit.service import Action, audit_on_commit
from app.clips import feedback, service
from app.clips.content import ClipFeedback
from app.clips.models import Clip
from app.core.db import SessionDep
from app.core.ids import DbId
from app.feedback.models import FeedbackCreate, FeedbackUpdate, PublishResult, ReplyCreate

router = APIRouter(prefix="/{clip_id}/feedback", tags=["clips"])
Changes = [CsrfProtected]


def changed(
    session: Session, request: Request, user: User, action: str, clip: Clip, detail: str
) -> None:
    """Audited as feedback on the recording, naming the clip it was given through."""
    audit_on_commit(session, request, user, action, clip.recording_id, f"clip {clip.id} {detail}")


@router.post("", status_code=201, response_model=ClipFeedback, dependencies=Changes)
def add_clip_feedback(
    clip_id: DbId, body: FeedbackCreate, request: Request, session: SessionDep, user: CurrentUser
) -> ClipFeedback:
    """An item at a point or range of the clip (clip times): a draft unless `publish`."""
    clip = service.visible_clip(session=session, user=user, clip_id=clip_id)
    item = feedback.add(session=session, user=user, clip=clip, body=body)
    changed(session, request, user, Action.feedback_added, clip, f"feedback {item.id}")
    return feedback.as_read(session=session, user=user, clip=clip, item=item)


@router.post("/publish", response_model=PublishResult, dependencies=Changes)
def publish_clip_drafts(
    clip_id: DbId, request: Request, session: SessionDep, user: CurrentUser
) -> PublishResult:
    """Publish all the reader's drafts on the clip in one step (one notification)."""
    clip = service.visible_clip(session=session, user=user, clip_id=clip_id)
    count = feedback.publish(session=session, user=user, clip=clip)
    changed(session, request, user, Action.feedback_published, clip, f"{count} items")
    return PublishResult(published=count)


@router.post("/{feedback_id}/publish", response_model=ClipFeedback, dependencies=Changes)
def publish_clip_draft(
    clip_id: DbId, feedback_id: DbId, request: Request, session: SessionDep, user: CurrentUser
) -> ClipFeedback:
    clip = service.visible_clip(session=session, user=user, clip_id=clip_id)
    feedback.publish(session=session, user=user, clip=clip, feedback_id=feedback_id)
    changed(session, request, user, Action.feedback_published, clip, f"feedback {feedback_id}")
    return feedback.thread(session=session, user=user, clip=clip, feedback_id=feedback_id)


@router.post(
    "/{feedback_id}/replies", status_code=201, response_model=ClipFeedback, dependencies=Changes
)
def reply_through_clip(
    clip_id: DbId,
    feedback_id: DbId,
    body: ReplyCreate,
    request: Request,
    session: SessionDep,
    user: CurrentUser,
) -> ClipFeedback:
    """Anyone who sees the clip replies in a thread on it."""
    clip = service.visible_clip(session=session, user=user, clip_id=clip_id)
    item = feedback.reply(session=session, user=user, clip=clip, feedback_id=feedback_id, body=body)
    changed(session, request, user, Action.feedback_added, clip, f"reply {item.id}")
    return feedback.as_read(session=session, user=user, clip=clip, item=item)


@router.patch("/{feedback_id}", response_model=ClipFeedback, dependencies=Changes)
def edit_clip_feedback(
    clip_id: DbId,
    feedback_id: DbId,
    body: FeedbackUpdate,
    request: Request,
    session: SessionDep,
    user: CurrentUser,
) -> ClipFeedback:
    """The author changes their item or reply; a new moment lies inside the clip."""
    clip = service.visible_clip(session=session, user=user, clip_id=clip_id)
    item = feedback.edit(session=session, user=user, clip=clip, feedback_id=feedback_id, body=body)
    changed(session, request, user, Action.feedback_edited, clip, f"feedback {item.id}")
    return feedback.as_read(session=session, user=user, clip=clip, item=item)


@router.delete("/{feedback_id}", status_code=204, dependencies=Changes)
def delete_clip_feedback(
    clip_id: DbId, feedback_id: DbId, request: Request, session: SessionDep, user: CurrentUser
) -> Response:
    """The author deletes their item; the replies in its thread stay readable."""
    clip = service.visible_clip(session=session, user=user, clip_id=clip_id)
    feedback.remove(session=session, user=user, clip=clip, feedback_id=feedback_id)
    changed(session, request, user, Action.feedback_deleted, clip, f"feedback {feedback_id}")
    return Response(status_code=204)
