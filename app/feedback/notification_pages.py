"""The reader's notifications as pages: the count in the top bar, the list, the link that
opens what a notification is about (a recording at its moment, a clip, a session), and on
the account page the choice of what also comes by e-mail."""

import logging
from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from app.accounts import mail
from app.accounts import service as accounts
from app.accounts.deps import CsrfProtected, CurrentSubject, CurrentUser
from app.accounts.models import Role, User
from app.core.db import SessionDep, session_scope
from app.core.errors import NotFound
from app.core.i18n import N_
from app.core.ids import DbId
from app.core.templates import render
from app.feedback import notifications
from app.feedback.models import Notification
from app.feedback.notification_mail import KIND_WORDS, MailKind, chosen

log = logging.getLogger(__name__)
router = APIRouter(prefix="/notifications", include_in_schema=False)
account = APIRouter(prefix="/account", include_in_schema=False)
ACCOUNT_PAGE = "/account/password"


def unread_badge(request: Request) -> Mapping[str, Any]:
    """For every page's top bar (registered in app.main): the signed-in person's count.

    Read through the request's own session where the login check left it on
    `request.state.session`, so that a page never holds two pooled connections at once;
    else (an error page, say) through a short session of its own."""
    subject = getattr(request.state, "subject", None)
    if subject is None:
        return {}
    try:
        own = getattr(request.state, "session", None)
        # Only while the request's transaction is open: an error page renders after the
        # session was closed, and using it then would check out a connection nobody returns.
        if isinstance(own, Session) and own.in_transaction():
            return {
                "unread_notifications": notifications.unread_count(session=own, subject=subject)
            }
        with session_scope() as session:
            return {
                "unread_notifications": notifications.unread_count(session=session, subject=subject)
            }
    except SQLAlchemyError:
        # An error page while the database is away still renders, without the count.
        log.warning("unread notifications not counted", exc_info=True)
        return {}


@router.get("", response_class=HTMLResponse)
def notifications_page(
    request: Request, session: SessionDep, subject: CurrentSubject
) -> HTMLResponse:
    """Newest first: who, what, on which recording, when; unread ones marked."""
    found = notifications.list_for(session=session, subject=subject)
    return render(
        request,
        "notifications/list.html",
        {"items": found.items, "unread": found.unread},
    )


@router.get("/{notification_id}/open")
def open_notification(
    notification_id: DbId, session: SessionDep, subject: CurrentSubject
) -> Response:
    """Marks it read and opens the item's moment where the reader sees it: the recording, or
    a clip shared with them (404 if not the reader's, or no longer theirs to see)."""
    note = session.get(Notification, notification_id)
    if note is None or note.user_id != subject.id:
        raise NotFound(N_("The notification does not exist."), code="notification.not_found")
    found = notifications.opens(session, subject, note)
    if found is None:  # no longer theirs to see
        raise NotFound(N_("The notification does not exist."), code="notification.not_found")
    notifications.mark_read(session=session, subject=subject, notification_id=notification_id)
    return RedirectResponse(found.url, 303)


@router.post("/read", dependencies=[CsrfProtected])
def mark_all_read(session: SessionDep, subject: CurrentSubject) -> Response:
    notifications.mark_read(session=session, subject=subject)
    return RedirectResponse("/notifications?read=1", status_code=303)


def mail_choices(request: Request) -> Mapping[str, Any]:
    """For the account page (registered in app.main): which notifications the person gets
    by e-mail, and whether e-mail is set up here. A leader is never notified."""
    subject = getattr(request.state, "subject", None)
    own = getattr(request.state, "session", None)
    if request.url.path != ACCOUNT_PAGE or subject is None or subject.role == Role.leader:
        return {}
    # Only while the request's transaction is open (an error page renders after it closed).
    user = own.get(User, subject.id) if isinstance(own, Session) and own.in_transaction() else None
    if user is None:
        return {}
    mine = chosen(user)
    return {
        "mail_kinds": [(kind.value, KIND_WORDS[kind], kind in mine) for kind in MailKind],
        "mail_enabled": mail.notices_enabled(),
    }


@account.post("/notifications", dependencies=[CsrfProtected])
def choose_mail(
    session: SessionDep,
    user: CurrentUser,
    kinds: Annotated[list[str] | None, Form(max_length=20)] = None,
) -> Response:
    """The kinds ticked come by e-mail from now on; the others only here in the app."""
    picked = [k for k in kinds or [] if k in MailKind.__members__]
    accounts.set_mail_kinds(session=session, user_id=user.id, kinds=picked)  # type: ignore[arg-type]
    return RedirectResponse(f"{ACCOUNT_PAGE}?mail_saved=1#mail", status_code=303)
