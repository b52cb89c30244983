"""The reader's notifications as pages: the count in the top bar, the list, and the link
that opens a recording at the moment a notification is about."""

import logging
from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import func
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, col, select

from app.accounts.deps import CsrfProtected, CurrentUser
from app.accounts.models import User
from app.core.db import SessionDep, session_scope
from app.core.errors import NotFound
from app.core.i18n import N_
from app.core.ids import DbId
from app.core.templates import render
from app.feedback import notifications
from app.feedback.models import Feedback, Notification
from app.recordings.models import Recording
from app.sharing import service as access

log = logging.getLogger(__name__)
router = APIRouter(prefix="/notifications", include_in_schema=False)


def unread_count(*, session: Session, user_id: int) -> int:
    """Unread notifications on recordings the person still sees: one grouped COUNT, and the
    access check only when there is something unread (as the list counts them)."""
    rows = session.exec(
        select(Notification.recording_id, func.count())
        .where(col(Notification.user_id) == user_id, col(Notification.read_at).is_(None))
        .group_by(col(Notification.recording_id))
    ).all()
    if not rows:
        return 0
    user = session.get(User, user_id)
    if user is None:
        return 0
    total = 0
    for recording_id, count in rows:
        recording = session.get(Recording, recording_id)
        if recording and access.can_view(session=session, user=user, recording=recording):
            total += count
    return total


def unread_badge(request: Request) -> Mapping[str, Any]:
    """For every page's top bar (registered in app.main): the signed-in person's count.

    Read through the request's own session where the login check left it on
    `request.state.session`, so that a page never holds two pooled connections at once;
    else (an error page, say) through a short session of its own."""
    user = getattr(request.state, "user", None)
    if user is None:
        return {}
    try:
        own = getattr(request.state, "session", None)
        # Only while the request's transaction is open: an error page renders after the
        # session was closed, and using it then would check out a connection nobody returns.
        if isinstance(own, Session) and own.in_transaction():
            return {"unread_notifications": unread_count(session=own, user_id=user.id)}
        with session_scope() as session:
            return {"unread_notifications": unread_count(session=session, user_id=user.id)}
    except SQLAlchemyError:
        # An error page while the database is away still renders, without the count.
        log.warning("unread notifications not counted", exc_info=True)
        return {}


def moment_url(recording_id: str, start: float | None, feedback_id: int | None) -> str:
    """The recording page at the moment: its script seeks to `t` and shows `item`."""
    query = []
    if start is not None:
        query.append(f"t={format(round(start, 3), 'f').rstrip('0').rstrip('.')}")
    if feedback_id is not None:
        query.append(f"item={feedback_id}")
    return f"/recordings/{recording_id}" + (f"?{'&'.join(query)}" if query else "")


@router.get("", response_class=HTMLResponse)
def notifications_page(request: Request, session: SessionDep, user: CurrentUser) -> HTMLResponse:
    """Newest first: who, what, on which recording, when; unread ones marked."""
    found = notifications.list_for(session=session, user=user)
    ids = {n.recording_id for n in found.items}
    titles = dict(
        session.exec(select(Recording.id, Recording.title).where(col(Recording.id).in_(ids))).all()
        if ids
        else []
    )
    return render(
        request,
        "notifications/list.html",
        {"items": found.items, "unread": found.unread, "titles": titles},
    )


@router.get("/{notification_id}/open")
def open_notification(notification_id: DbId, session: SessionDep, user: CurrentUser) -> Response:
    """Marks it read and opens the recording at its moment (404 if not the reader's, or the
    recording is no longer theirs to see)."""
    note = session.get(Notification, notification_id)
    if note is None or note.user_id != user.id:
        raise NotFound(N_("The notification does not exist."), code="notification.not_found")
    access.visible(session=session, user=user, recording_id=note.recording_id)
    item = session.get(Feedback, note.feedback_id) if note.feedback_id else None
    start = item.start_seconds if item else None
    if item is not None and start is None and item.parent_id is not None:
        parent = session.get(Feedback, item.parent_id)  # a reply: its item's moment
        start = parent.start_seconds if parent else None
    notifications.mark_read(session=session, user=user, notification_id=notification_id)
    return RedirectResponse(moment_url(note.recording_id, start, note.feedback_id), 303)


@router.post("/read", dependencies=[CsrfProtected])
def mark_all_read(session: SessionDep, user: CurrentUser) -> Response:
    notifications.mark_read(session=session, user=user)
    return RedirectResponse("/notifications?read=1", status_code=303)
