"""JSON API for feedback in a target (the recording, a clip, a session): one set of routes,
made for each target's path by `target_api`; the recording's grouped view and CSV; the
reader's notifications."""

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import StreamingResponse

from app.accounts.deps import CsrfProtected, CurrentSubject
from app.audit.service import Action, audit_viewing
from app.audit.viewing import Kind
from app.core.db import SessionDep
from app.core.downloads import attachment
from app.core.i18n import request_language
from app.core.ids import DbId
from app.feedback import actions, export, notifications, reading, service
from app.feedback.deps import OnRecording, here, recording_target
from app.feedback.models import (
    FeedbackCreate,
    FeedbackGrouped,
    FeedbackList,
    FeedbackPublic,
    FeedbackUpdate,
    NotificationList,
    PublishResult,
    ReplyCreate,
)
from app.feedback.targets import Here, Target

Changes = [CsrfProtected]
Offset = Annotated[int, Query(ge=0, le=1_000_000)]
Limit = Annotated[int, Query(ge=1, le=reading.PAGE_MAX)]


def target_api(
    resolve: Callable[..., Target], prefix: str, tag: str, *, bringing: bool = False
) -> APIRouter:
    """The feedback routes of one kind of target, under `prefix` (whose path parameters
    `resolve` takes, checking access); `bringing`: a clip or a session, where the
    caseworker brings items."""
    router = APIRouter(prefix=prefix, tags=[tag])
    At = Annotated[Here, Depends(here(resolve))]

    @router.get("", response_model=FeedbackList)
    def list_feedback(at: At, offset: Offset = 0, limit: Limit = reading.PAGE) -> Any:
        """Published items and the reader's own drafts, in time order, each with its
        replies: `limit` threads from `offset` (`next_offset` names the next page)."""
        # JSON straight from the rows: building and validating thousands of models costs
        # more than reading them (the schema stays FeedbackList).
        body = actions.viewed(at).listing_json(offset=offset, limit=limit)
        return Response(body, media_type="application/json")

    @router.post("", status_code=201, response_model=FeedbackPublic, dependencies=Changes)
    def add_feedback(body: FeedbackCreate, at: At) -> FeedbackPublic:
        """An item at a point or a range (the target's times): a draft unless `publish`."""
        return actions.as_read(at, actions.add(at, body))

    @router.post("/publish", response_model=PublishResult, dependencies=Changes)
    def publish_drafts(at: At) -> PublishResult:
        """Publish all the reader's drafts here in one step (one notification)."""
        return actions.publish(at)

    @router.post("/{feedback_id}/publish", response_model=FeedbackPublic, dependencies=Changes)
    def publish_draft(feedback_id: DbId, at: At) -> FeedbackPublic:
        actions.publish(at, feedback_id)
        return actions.as_read(at, service.get_visible(at, feedback_id))

    @router.post(
        "/{feedback_id}/replies",
        status_code=201,
        response_model=FeedbackPublic,
        dependencies=Changes,
    )
    def reply_to_feedback(feedback_id: DbId, body: ReplyCreate, at: At) -> FeedbackPublic:
        """Anyone who sees the item replies in its thread."""
        return actions.as_read(at, actions.reply(at, feedback_id, body))

    @router.patch("/{feedback_id}", response_model=FeedbackPublic, dependencies=Changes)
    def edit_feedback(feedback_id: DbId, body: FeedbackUpdate, at: At) -> FeedbackPublic:
        """The author changes their item or reply; a published one is marked edited."""
        return actions.as_read(at, actions.edit(at, feedback_id, body))

    @router.delete("/{feedback_id}", status_code=204, dependencies=Changes)
    def delete_feedback(feedback_id: DbId, at: At) -> Response:
        """The author deletes their item; the replies in its thread stay readable."""
        actions.delete(at, feedback_id)
        return Response(status_code=204)

    if not bringing:
        return router

    @router.post("/{feedback_id}/bring", response_model=FeedbackPublic, dependencies=Changes)
    def bring_feedback(feedback_id: DbId, at: At) -> FeedbackPublic:
        """The caseworker shows one of their items here too, with its replies."""
        return actions.as_read(at, actions.bring(at, feedback_id))

    @router.delete("/{feedback_id}/bring", status_code=204, dependencies=Changes)
    def take_feedback_back(feedback_id: DbId, at: At) -> Response:
        """The caseworker takes a brought item back: no longer seen here."""
        actions.take_back(at, feedback_id)
        return Response(status_code=204)

    return router


router = target_api(recording_target, "/recordings/{recording_id}/feedback", "feedback")


@router.get("/grouped", response_model=FeedbackGrouped)
def grouped_feedback(at: OnRecording) -> FeedbackGrouped:
    """Per criterion, in rubric order: counts per kind and the items, strengths first."""
    return actions.viewed(at).grouped()


@router.get("/export.csv", response_class=StreamingResponse)
def export_feedback(at: OnRecording, request: Request) -> StreamingResponse:
    """The feedback the reader sees, one row per item and reply (an audited download)."""
    recording = at.recording
    threads = reading.Reading(at).threads()
    kind = Kind.feedback_csv
    audit_viewing(at.session, at.subject, Action.download, recording.id, kind, "feedback.csv")
    return StreamingResponse(
        export.to_csv(threads, request_language(request)),
        media_type="text/csv; charset=utf-8",
        headers=attachment(f"{recording.case_reference}-{recording.id[:8]}-feedback.csv"),
    )


notes = APIRouter(prefix="/notifications", tags=["feedback"])


@notes.get("", response_model=NotificationList)
def list_notifications(session: SessionDep, subject: CurrentSubject) -> NotificationList:
    """The reader's newest notifications (those they still reach) and the unread count."""
    return notifications.list_for(session=session, subject=subject)


@notes.post("/read", status_code=204, dependencies=Changes)
def mark_all_read(session: SessionDep, subject: CurrentSubject) -> Response:
    notifications.mark_read(session=session, subject=subject)
    return Response(status_code=204)


@notes.post("/{notification_id}/read", status_code=204, dependencies=Changes)
def mark_read(notification_id: DbId, session: SessionDep, subject: CurrentSubject) -> Response:
    notifications.mark_read(session=session, subject=subject, notification_id=notification_id)
    return Response(status_code=204)
