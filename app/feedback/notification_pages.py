"""The reader's notifications as pages: the count in the top bar, the list, and the link
that opens a recording at the moment a notification is about."""

import logging
from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from app.accounts.deps import CsrfProtected, CurrentUser
from app.core.db import SessionDep, session_scope
from app.core.errors import NotFound
from app.core.i18n import N_
from app.core.ids import DbId
from app.core.templates import render
from app.feedback import notifications
from app.feedback.models import Notification

log = logging.getLogger(__name__)
router = APIRouter(prefix="/notifications", include_in_schema=False)


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
            return {
                "unread_notifications": notifications.unread_count(session=own, user_id=user.id)
            }
        with session_scope() as session:
            return {
                "unread_notifications": notifications.unread_count(session=session, user_id=user.id)
            }
    except SQLAlchemyError:
        # An error page while the database is away still renders, without the count.
        log.warning("unread notifications not counted", exc_info=True)
        return {}


@router.get("", response_class=HTMLResponse)
def notifications_page(request: Request, session: SessionDep, user: CurrentUser) -> HTMLResponse:
    """Newest first: who, what, on which recording, when; unread ones marked."""
    found = notifications.list_for(session=session, user=user)
    return render(
        request,
        "notifications/list.html",
        {"items": found.items, "unread": found.unread},
    )


@router.get("/{notification_id}/open")
def open_notification(notification_id: DbId, session: SessionDep, user: CurrentUser) -> Response:
    """Marks it read and opens the item's moment where the reader sees it: the recording, or
    a clip shared with them (404 if not the reader's, or no longer theirs to see)."""
    note = session.get(Notification, notification_id)
    if note is None or note.user_id != user.id:
        raise NotFound(N_("The notification does not exist."), code="notification.not_found")
    found = notifications.reach(
        session=session, user=user, recording_id=note.recording_id, feedback_id=note.feedback_id
    )
    if found is None:  # the item is no longer theirs to see
        raise NotFound(N_("The notification does not exist."), code="notification.not_found")
    notifications.mark_read(session=session, user=user, notification_id=notification_id)
    return RedirectResponse(found.url, 303)


@router.post("/read", dependencies=[CsrfProtected])
def mark_all_read(session: SessionDep, user: CurrentUser) -> Response:
    notifications.mark_read(session=session, user=user)
    return RedirectResponse("/notifications?read=1", status_code=303)
