"""Feedback through a clip on the pages: the forms that post without JavaScript (from the
session page of a clip), and the thread fragments its script fetches. Times are the clip's."""

import re
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from app.accounts.deps import CsrfProtected, CurrentUser
from app.audit.service import Action
from app.clips import actions, content, feedback, service
from app.clips.content import ClipFeedback
from app.clips.feedback_routes import changed
from app.core.db import SessionDep
from app.core.ids import DbId
from app.core.templates import render
from app.feedback.forms import PAGE, form_feedback
from app.feedback.models import FeedbackKind, FeedbackUpdate, ReplyCreate

router = APIRouter(prefix="/clips/{clip_id}/feedback", include_in_schema=False)
Changes = [CsrfProtected]
TEXT = Annotated[str, Form(max_length=20_000)]
# The pages a clip's forms are on; any other referrer goes back to the clip's own page.
PAGES = re.compile(r"^/(sessions|clips)/\d{1,12}$")


def _number(raw: str, default: int) -> int:
    return int(raw) if raw.isdigit() and len(raw) < 9 else default


def _back(request: Request, clip_id: int, item: int | None = None) -> RedirectResponse:
    """Back to the page the form was on (a same-origin referrer), at the item."""
    path = urlsplit(request.headers.get("referer", "")).path
    page = path if PAGES.match(path) else f"/clips/{clip_id}"
    anchor = f"#fb-{item}" if item else "#feedback-list"
    return RedirectResponse(page + anchor, status_code=303)


@router.post("", dependencies=Changes)
def add_from_page(
    clip_id: DbId,
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    text: TEXT,
    start: Annotated[str, Form(max_length=20)],
    kind: Annotated[FeedbackKind | None, Form()] = None,
    end: Annotated[str, Form(max_length=20)] = "",
    criterion_ids: Annotated[list[DbId], Form(max_length=50)] = [],  # noqa: B006 (FastAPI copies)
    publish: Annotated[bool, Form()] = False,
) -> RedirectResponse:
    clip = service.visible_clip(session=session, user=user, clip_id=clip_id)
    body = form_feedback(text, start, kind, end, criterion_ids, publish)
    item = feedback.add(session=session, user=user, clip=clip, body=body)
    changed(session, request, user, Action.feedback_added, clip, f"feedback {item.id}")
    return _back(request, clip_id, item.id)


@router.post("/publish", dependencies=Changes)
def publish_all_from_page(
    clip_id: DbId, request: Request, session: SessionDep, user: CurrentUser
) -> RedirectResponse:
    clip = service.visible_clip(session=session, user=user, clip_id=clip_id)
    count = feedback.publish(session=session, user=user, clip=clip)
    changed(session, request, user, Action.feedback_published, clip, f"{count} items")
    return _back(request, clip_id)


@router.post("/{feedback_id}/publish", dependencies=Changes)
def publish_one_from_page(
    clip_id: DbId, feedback_id: DbId, request: Request, session: SessionDep, user: CurrentUser
) -> RedirectResponse:
    clip = service.visible_clip(session=session, user=user, clip_id=clip_id)
    feedback.publish(session=session, user=user, clip=clip, feedback_id=feedback_id)
    changed(session, request, user, Action.feedback_published, clip, f"feedback {feedback_id}")
    return _back(request, clip_id, feedback_id)


@router.post("/{feedback_id}/replies", dependencies=Changes)
def reply_from_page(
    clip_id: DbId,
    feedback_id: DbId,
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    text: TEXT,
) -> RedirectResponse:
    clip = service.visible_clip(session=session, user=user, clip_id=clip_id)
    body = ReplyCreate(text=text)
    item = feedback.reply(session=session, user=user, clip=clip, feedback_id=feedback_id, body=body)
    changed(session, request, user, Action.feedback_added, clip, f"reply {item.id}")
    return _back(request, clip_id, item.id)


@router.post("/{feedback_id}/edit", dependencies=Changes)
def edit_from_page(
    clip_id: DbId,
    feedback_id: DbId,
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    text: TEXT,
) -> RedirectResponse:
    clip = service.visible_clip(session=session, user=user, clip_id=clip_id)
    body = FeedbackUpdate(text=text)
    feedback.edit(session=session, user=user, clip=clip, feedback_id=feedback_id, body=body)
    changed(session, request, user, Action.feedback_edited, clip, f"feedback {feedback_id}")
    return _back(request, clip_id, feedback_id)


@router.post("/{feedback_id}/delete", dependencies=Changes)
def delete_from_page(
    clip_id: DbId, feedback_id: DbId, request: Request, session: SessionDep, user: CurrentUser
) -> RedirectResponse:
    clip = service.visible_clip(session=session, user=user, clip_id=clip_id)
    feedback.remove(session=session, user=user, clip=clip, feedback_id=feedback_id)
    changed(session, request, user, Action.feedback_deleted, clip, f"feedback {feedback_id}")
    return _back(request, clip_id)


@router.get("/threads", response_class=HTMLResponse)
def threads_fragment(
    clip_id: DbId, request: Request, session: SessionDep, user: CurrentUser
) -> HTMLResponse:
    """Up to `limit` (at most 200) of the clip's threads from `offset` on, as the session
    page renders them."""
    clip = actions.viewed(
        session=session, request=request, user=user, clip_id=clip_id, part="feedback"
    )
    offset = _number(request.query_params.get("offset", ""), 0)
    limit = min(_number(request.query_params.get("limit", ""), PAGE), PAGE)
    threads = content.feedback(session=session, user=user, clip=clip)
    return _fragment(request, clip_id, threads[offset : offset + limit])


@router.get("/threads/{feedback_id}", response_class=HTMLResponse)
def thread_fragment(
    clip_id: DbId, feedback_id: DbId, request: Request, session: SessionDep, user: CurrentUser
) -> HTMLResponse:
    """The thread the item (or reply) belongs to, as it now reads through the clip."""
    clip = actions.viewed(
        session=session, request=request, user=user, clip_id=clip_id, part="feedback"
    )
    found = feedback.thread(session=session, user=user, clip=clip, feedback_id=feedback_id)
    return _fragment(request, clip_id, [found])


def _fragment(request: Request, clip_id: int, threads: list[ClipFeedback]) -> HTMLResponse:
    return render(
        request,
        "feedback/_threads.html",
        {"feedback_base": feedback.page_base(clip_id), "threads": threads},
    )
