"""JSON API for feedback on a recording's moments, and the reader's notifications."""

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import StreamingResponse
from sqlmodel import Session

from app.accounts.deps import CsrfProtected, CurrentUser
from app.accounts.models import User
from app.audit.service import Action, audit_on_commit, audit_viewing
from app.audit.viewing import Kind
from app.core.db import SessionDep
from app.core.i18n import request_language
from app.core.ids import DbId
from app.feedback import listing, notifications, service
from app.feedback.models import (
    Feedback,
    FeedbackCreate,
    FeedbackGrouped,
    FeedbackList,
    FeedbackPublic,
    FeedbackUpdate,
    NotificationList,
    PublishResult,
    ReplyCreate,
)
from app.recordings.models import Recording
from app.sharing import service as access

router = APIRouter(prefix="/recordings/{recording_id}/feedback", tags=["feedback"])
notes = APIRouter(prefix="/notifications", tags=["feedback"])
Changes = [CsrfProtected]


def _one(session: Session, user: User, recording: Recording, item: Feedback) -> FeedbackPublic:
    """The item as the reader now sees it (with its thread's replies if it starts one)."""
    reading = listing.Reading(session=session, user=user, recording=recording)
    found = reading.one(item.id) if item.id is not None else None
    if found is None:  # the caller has just written it: the reader sees it
        raise LookupError(f"feedback {item.id} not visible to its writer")
    return found


def _changed(
    session: Session, request: Request, user: User, action: str, recording: Recording, detail: str
) -> None:
    audit_on_commit(session, request, user, action, recording.id, detail)


@router.get("", response_model=FeedbackList)
def list_feedback(
    recording_id: str,
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=listing.PAGE_MAX)] = listing.PAGE,
) -> FeedbackList:
    """Published items and the reader's own drafts, in time order, each with its replies:
    `limit` threads from `offset` (`next_offset` names the next page)."""
    recording = access.visible(session=session, user=user, recording_id=recording_id)
    audit_viewing(request, session, user, Action.view, recording.id, Kind.feedback, "feedback")
    reading = listing.Reading(session=session, user=user, recording=recording)
    # JSON straight from the rows: building and validating thousands of models costs more
    # than reading them (the schema stays FeedbackList).
    body = reading.listing_json(offset=offset, limit=limit)
    return Response(body, media_type="application/json")  # type: ignore[return-value]


@router.get("/grouped", response_model=FeedbackGrouped)
def grouped_feedback(
    recording_id: str, request: Request, session: SessionDep, user: CurrentUser
) -> FeedbackGrouped:
    """Per criterion, in rubric order: counts per kind and the items, strengths first."""
    recording = access.visible(session=session, user=user, recording_id=recording_id)
    audit_viewing(request, session, user, Action.view, recording.id, Kind.feedback, "feedback")
    reading = listing.Reading(session=session, user=user, recording=recording)
    return reading.grouped(session=session)


@router.get("/export.csv", response_class=StreamingResponse)
def export_feedback(
    recording_id: str, request: Request, session: SessionDep, user: CurrentUser
) -> StreamingResponse:
    """The feedback the reader sees, one row per item and reply (an audited download)."""
    recording = access.visible(session=session, user=user, recording_id=recording_id)
    threads = listing.Reading(session=session, user=user, recording=recording).threads()
    audit_viewing(
        request, session, user, Action.download, recording.id, Kind.feedback_csv, "feedback.csv"
    )
    filename = f"{recording.case_reference}-{recording.id[:8]}-feedback.csv"
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in filename)
    return StreamingResponse(
        listing.to_csv(threads, request_language(request)),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{safe}"',
            "Cache-Control": "private, no-store",
        },
    )


@router.post("", status_code=201, response_model=FeedbackPublic, dependencies=Changes)
def add_feedback(
    recording_id: str,
    body: FeedbackCreate,
    request: Request,
    session: SessionDep,
    user: CurrentUser,
) -> FeedbackPublic:
    """An item at a point or a range: a draft unless `publish` is true."""
    recording = access.visible(session=session, user=user, recording_id=recording_id)
    item = service.create(session=session, user=user, recording=recording, body=body)
    _changed(session, request, user, Action.feedback_added, recording, f"feedback {item.id}")
    return _one(session, user, recording, item)


@router.post("/publish", response_model=PublishResult, dependencies=Changes)
def publish_drafts(
    recording_id: str, request: Request, session: SessionDep, user: CurrentUser
) -> PublishResult:
    """Publish all the reader's drafts on the recording in one step (one notification)."""
    recording = access.visible(session=session, user=user, recording_id=recording_id)
    count = service.publish(session=session, user=user, recording=recording)
    _changed(session, request, user, Action.feedback_published, recording, f"{count} items")
    return PublishResult(published=count)


@router.post("/{feedback_id}/publish", response_model=FeedbackPublic, dependencies=Changes)
def publish_draft(
    recording_id: str, feedback_id: DbId, request: Request, session: SessionDep, user: CurrentUser
) -> FeedbackPublic:
    recording = access.visible(session=session, user=user, recording_id=recording_id)
    service.publish(session=session, user=user, recording=recording, feedback_id=feedback_id)
    _changed(
        session, request, user, Action.feedback_published, recording, f"feedback {feedback_id}"
    )
    item = service.get_visible(
        session=session, user=user, recording=recording, feedback_id=feedback_id
    )
    return _one(session, user, recording, item)


@router.post(
    "/{feedback_id}/replies", status_code=201, response_model=FeedbackPublic, dependencies=Changes
)
def reply_to_feedback(
    recording_id: str,
    feedback_id: DbId,
    body: ReplyCreate,
    request: Request,
    session: SessionDep,
    user: CurrentUser,
) -> FeedbackPublic:
    """Anyone who sees the item replies in its thread."""
    recording = access.visible(session=session, user=user, recording_id=recording_id)
    item = service.reply(
        session=session, user=user, recording=recording, feedback_id=feedback_id, body=body
    )
    _changed(session, request, user, Action.feedback_added, recording, f"reply {item.id}")
    return _one(session, user, recording, item)


@router.patch("/{feedback_id}", response_model=FeedbackPublic, dependencies=Changes)
def edit_feedback(
    recording_id: str,
    feedback_id: DbId,
    body: FeedbackUpdate,
    request: Request,
    session: SessionDep,
    user: CurrentUser,
) -> FeedbackPublic:
    """The author changes their item or reply; a published one is marked edited."""
    recording = access.visible(session=session, user=user, recording_id=recording_id)
    item = service.edit(
        session=session, user=user, recording=recording, feedback_id=feedback_id, body=body
    )
    _changed(session, request, user, Action.feedback_edited, recording, f"feedback {item.id}")
    return _one(session, user, recording, item)


@router.delete("/{feedback_id}", status_code=204, dependencies=Changes)
def delete_feedback(
    recording_id: str, feedback_id: DbId, request: Request, session: SessionDep, user: CurrentUser
) -> Response:
    """The author deletes their item; the replies in its thread stay readable."""
    recording = access.visible(session=session, user=user, recording_id=recording_id)
    service.remove(session=session, user=user, recording=recording, feedback_id=feedback_id)
    _changed(session, request, user, Action.feedback_deleted, recording, f"feedback {feedback_id}")
    return Response(status_code=204)


@notes.get("", response_model=NotificationList)
def list_notifications(session: SessionDep, user: CurrentUser) -> NotificationList:
    """The reader's newest notifications (recordings they still see) and the unread count."""
    return notifications.list_for(session=session, user=user)


@notes.post("/read", status_code=204, dependencies=Changes)
def mark_all_read(session: SessionDep, user: CurrentUser) -> Response:
    notifications.mark_read(session=session, user=user)
    return Response(status_code=204)


@notes.post("/{notification_id}/read", status_code=204, dependencies=Changes)
def mark_read(notification_id: DbId, session: SessionDep, user: CurrentUser) -> Response:
    notifications.mark_read(session=session, user=user, notification_id=notification_id)
    return Response(status_code=204)
