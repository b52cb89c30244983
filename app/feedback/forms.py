"""Feedback on the recording page: the forms that post without JavaScript, and the thread
fragments the page's script fetches (the rest of a long list, a thread that changed)."""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from app.accounts.deps import CsrfProtected, CurrentUser
from app.audit.service import Action, audit_on_commit, audit_viewing
from app.audit.viewing import Kind
from app.core.db import SessionDep
from app.core.errors import BadInput, NotFound
from app.core.i18n import N_, request_language
from app.core.ids import DbId
from app.core.templates import render
from app.feedback import recording_view, service
from app.feedback.listing import Reading
from app.feedback.models import (
    FeedbackCreate,
    FeedbackKind,
    FeedbackPublic,
    FeedbackUpdate,
    ReplyCreate,
)
from app.sharing import service as access

router = APIRouter(include_in_schema=False)
Changes = [CsrfProtected]
TEXT = Annotated[str, Form(max_length=20_000)]


PAGE = 200  # threads per fragment: the page's script asks for the next until none is left


def _number(raw: str, default: int) -> int:
    return int(raw) if raw.isdigit() and len(raw) < 9 else default


def parse_time(value: str, *, field: str) -> float:
    """'1:05', '1:05.5', '0:01:05' or plain seconds '65' into seconds."""
    parts = value.strip().replace(",", ".").split(":")
    try:
        if not 1 <= len(parts) <= 3 or any(not p for p in parts):
            raise ValueError(value)
        seconds = 0.0
        for part in parts:
            number = float(part)
            if number < 0 or number != number:  # negative, NaN
                raise ValueError(value)
            seconds = seconds * 60 + number
        return seconds
    except ValueError:
        raise BadInput(
            N_("Write the time as minutes:seconds, for example 1:05."),
            code="feedback.bad_time",
            field=field,
        ) from None


def form_feedback(
    text: str,
    start: str,
    kind: FeedbackKind | None,
    end: str,
    criterion_ids: list[int],
    publish: bool,
) -> FeedbackCreate:
    """New feedback from the form's fields (times as the reader types them)."""
    if kind is None:
        raise BadInput(
            N_("Choose the kind: strength, development point or question."),
            code="feedback.kind_required",
        )
    return FeedbackCreate(
        kind=kind,
        start_seconds=parse_time(start, field="start"),
        end_seconds=parse_time(end, field="end") if end.strip() else None,
        criterion_ids=criterion_ids,
        text=text,
        publish=publish,
    )


def _back(recording_id: str, start: float | None = None, item: int | None = None) -> str:
    query = f"?t={start:.3f}&item={item}" if start is not None and item else ""
    anchor = f"#fb-{item}" if item else "#feedback-list"
    return f"/recordings/{recording_id}{query}{anchor}"


@router.post("/recordings/{recording_id}/feedback", dependencies=Changes)
def add_from_page(
    recording_id: str,
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
    recording = access.visible(session=session, user=user, recording_id=recording_id)
    body = form_feedback(text, start, kind, end, criterion_ids, publish)
    item = service.create(session=session, user=user, recording=recording, body=body)
    audit_on_commit(
        session, request, user, Action.feedback_added, recording.id, f"feedback {item.id}"
    )
    return RedirectResponse(_back(recording.id, item.start_seconds, item.id), status_code=303)


@router.post("/recordings/{recording_id}/feedback/publish", dependencies=Changes)
def publish_all_from_page(
    recording_id: str, request: Request, session: SessionDep, user: CurrentUser
) -> RedirectResponse:
    recording = access.visible(session=session, user=user, recording_id=recording_id)
    count = service.publish(session=session, user=user, recording=recording)
    audit_on_commit(
        session, request, user, Action.feedback_published, recording.id, f"{count} items"
    )
    return RedirectResponse(_back(recording.id), status_code=303)


@router.post("/recordings/{recording_id}/feedback/{feedback_id}/publish", dependencies=Changes)
def publish_one_from_page(
    recording_id: str, feedback_id: DbId, request: Request, session: SessionDep, user: CurrentUser
) -> RedirectResponse:
    recording = access.visible(session=session, user=user, recording_id=recording_id)
    service.publish(session=session, user=user, recording=recording, feedback_id=feedback_id)
    audit_on_commit(
        session, request, user, Action.feedback_published, recording.id, f"feedback {feedback_id}"
    )
    return RedirectResponse(_back(recording.id, item=feedback_id), status_code=303)


@router.post("/recordings/{recording_id}/feedback/{feedback_id}/replies", dependencies=Changes)
def reply_from_page(
    recording_id: str,
    feedback_id: DbId,
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    text: TEXT,
) -> RedirectResponse:
    recording = access.visible(session=session, user=user, recording_id=recording_id)
    item = service.reply(
        session=session,
        user=user,
        recording=recording,
        feedback_id=feedback_id,
        body=ReplyCreate(text=text),
    )
    audit_on_commit(session, request, user, Action.feedback_added, recording.id, f"reply {item.id}")
    return RedirectResponse(_back(recording.id, item=item.id), status_code=303)


@router.post("/recordings/{recording_id}/feedback/{feedback_id}/edit", dependencies=Changes)
def edit_from_page(
    recording_id: str,
    feedback_id: DbId,
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    text: TEXT,
) -> RedirectResponse:
    recording = access.visible(session=session, user=user, recording_id=recording_id)
    service.edit(
        session=session,
        user=user,
        recording=recording,
        feedback_id=feedback_id,
        body=FeedbackUpdate(text=text),
    )
    audit_on_commit(
        session, request, user, Action.feedback_edited, recording.id, f"feedback {feedback_id}"
    )
    return RedirectResponse(_back(recording.id, item=feedback_id), status_code=303)


@router.post("/recordings/{recording_id}/feedback/{feedback_id}/delete", dependencies=Changes)
def delete_from_page(
    recording_id: str, feedback_id: DbId, request: Request, session: SessionDep, user: CurrentUser
) -> RedirectResponse:
    recording = access.visible(session=session, user=user, recording_id=recording_id)
    service.remove(session=session, user=user, recording=recording, feedback_id=feedback_id)
    audit_on_commit(
        session, request, user, Action.feedback_deleted, recording.id, f"feedback {feedback_id}"
    )
    return RedirectResponse(_back(recording.id), status_code=303)


@router.get("/recordings/{recording_id}/feedback/threads", response_class=HTMLResponse)
def threads_fragment(
    recording_id: str, request: Request, session: SessionDep, user: CurrentUser
) -> HTMLResponse:
    """Up to `limit` (at most 200) threads from `offset` on, as the page renders them,
    under the filters of the query."""
    recording = access.visible(session=session, user=user, recording_id=recording_id)
    audit_viewing(request, session, user, Action.view, recording.id, Kind.feedback, "feedback")
    offset = _number(request.query_params.get("offset", ""), 0)
    limit = min(_number(request.query_params.get("limit", ""), PAGE), PAGE)
    view = recording_view.build(
        session=session,
        user=user,
        recording=recording,
        filters=recording_view.Filters.from_query(request.query_params),
        lang=request_language(request),
    )
    return _fragment(request, recording.id, view.threads[offset : offset + limit])


@router.get(
    "/recordings/{recording_id}/feedback/threads/{feedback_id}", response_class=HTMLResponse
)
def thread_fragment(
    recording_id: str, feedback_id: DbId, request: Request, session: SessionDep, user: CurrentUser
) -> HTMLResponse:
    """The thread the item (or reply) belongs to, as it now reads: one thread's rows, not
    the page's whole view (every save and every live update asks for one)."""
    recording = access.visible(session=session, user=user, recording_id=recording_id)
    audit_viewing(request, session, user, Action.view, recording.id, Kind.feedback, "feedback")
    item = service.get_visible(
        session=session, user=user, recording=recording, feedback_id=feedback_id
    )
    root = service.thread_root(session, item)
    reading = Reading(session=session, user=user, recording=recording)
    row = next((r for r in reading.tree() if r[0].id == root.id), None)
    if row is None:  # a deleted draft, or a deleted item whose replies are gone
        raise NotFound(N_("The feedback no longer exists."), code="feedback.not_found")
    found = reading.make_threads([row])[0]
    return _fragment(request, recording.id, [found])


def _fragment(request: Request, recording_id: str, threads: list[FeedbackPublic]) -> HTMLResponse:
    return render(
        request, "feedback/_threads.html", {"recording_id": recording_id, "threads": threads}
    )
