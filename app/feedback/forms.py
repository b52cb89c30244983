"""Feedback on the pages: the forms that post without JavaScript, and the thread fragments
the pages' scripts fetch (the rest of a long list, a thread that changed). One set, made
for each target's page by `target_forms`; each post goes back to the target's page."""

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from app.accounts.deps import CsrfProtected
from app.core.errors import BadInput, NotFound
from app.core.i18n import N_, request_language
from app.core.ids import DbId
from app.core.templates import render
from app.feedback import actions, service, view
from app.feedback.deps import here, recording_target
from app.feedback.models import (
    FeedbackCreate,
    FeedbackKind,
    FeedbackPublic,
    FeedbackUpdate,
    ReplyCreate,
)
from app.feedback.targets import Here, Target

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


def back(target: Target, item: int | None = None, start: float | None = None) -> RedirectResponse:
    """To the target's page, at the item (and its moment, which the player seeks to)."""
    query = f"?t={start:.3f}&item={item}" if start is not None and item else ""
    anchor = f"#fb-{item}" if item else "#feedback-list"
    return RedirectResponse(f"{target.page}{query}{anchor}", status_code=303)


def fragment(request: Request, target: Target, threads: list[FeedbackPublic]) -> HTMLResponse:
    return render(request, "feedback/_threads.html", {"target": target, "threads": threads})


def target_forms(
    resolve: Callable[..., Target], prefix: str, *, bringing: bool = False
) -> APIRouter:
    """The feedback forms and fragments of one kind of target's page, under `prefix`."""
    router = APIRouter(prefix=prefix, include_in_schema=False)
    At = Annotated[Here, Depends(here(resolve))]
    Moment = Annotated[str, Form(max_length=20)]

    @router.post("", dependencies=Changes)
    def add_from_page(
        at: At,
        text: TEXT,
        start: Moment,
        kind: Annotated[FeedbackKind | None, Form()] = None,
        end: Moment = "",
        criterion_ids: Annotated[list[DbId], Form(max_length=50)] = [],  # noqa: B006
        publish: Annotated[bool, Form()] = False,
    ) -> RedirectResponse:
        body = form_feedback(text, start, kind, end, criterion_ids, publish)
        item = actions.add(at, body)
        return back(at.target, item.id, at.target.from_recording(item.start_seconds))

    @router.post("/publish", dependencies=Changes)
    def publish_all_from_page(at: At) -> RedirectResponse:
        actions.publish(at)
        return back(at.target)

    @router.post("/{feedback_id}/publish", dependencies=Changes)
    def publish_one_from_page(feedback_id: DbId, at: At) -> RedirectResponse:
        actions.publish(at, feedback_id)
        return back(at.target, feedback_id)

    @router.post("/{feedback_id}/replies", dependencies=Changes)
    def reply_from_page(feedback_id: DbId, at: At, text: TEXT) -> RedirectResponse:
        item = actions.reply(at, feedback_id, ReplyCreate(text=text))
        return back(at.target, item.id)

    @router.post("/{feedback_id}/edit", dependencies=Changes)
    def edit_from_page(feedback_id: DbId, at: At, text: TEXT) -> RedirectResponse:
        actions.edit(at, feedback_id, FeedbackUpdate(text=text))
        return back(at.target, feedback_id)

    @router.post("/{feedback_id}/delete", dependencies=Changes)
    def delete_from_page(feedback_id: DbId, at: At) -> RedirectResponse:
        actions.delete(at, feedback_id)
        return back(at.target)

    @router.get("/threads", response_class=HTMLResponse)
    def threads_fragment(at: At, request: Request) -> HTMLResponse:
        """Up to `limit` (at most 200) threads from `offset` on, as the page renders them,
        under the filters of the query."""
        params = request.query_params
        offset = _number(params.get("offset", ""), 0)
        limit = min(_number(params.get("limit", ""), PAGE), PAGE)
        filters = view.Filters.from_query(params)
        lang = request_language(request)
        shown = view.build(at, filters=filters, lang=lang, reading=actions.viewed(at))
        return fragment(request, at.target, shown.threads[offset : offset + limit])

    @router.get("/threads/{feedback_id}", response_class=HTMLResponse)
    def thread_fragment(feedback_id: DbId, at: At, request: Request) -> HTMLResponse:
        """The thread the item (or reply) belongs to, as it now reads: one thread's rows,
        not the page's whole view (every save and every live update asks for one)."""
        found = actions.viewed(at)
        root = service.thread_root(at.session, service.get_visible(at, feedback_id))
        row = next((r for r in found.tree() if r[0].id == root.id), None)
        if row is None:  # a deleted draft, or a deleted item whose replies are gone
            raise NotFound(N_("The feedback no longer exists."), code="feedback.not_found")
        return fragment(request, at.target, found.make_threads([row]))

    if not bringing:
        return router

    @router.post("/{feedback_id}/bring", dependencies=Changes)
    def bring_from_page(feedback_id: DbId, at: At) -> RedirectResponse:
        actions.bring(at, feedback_id)
        return back(at.target, feedback_id)

    @router.post("/{feedback_id}/take-back", dependencies=Changes)
    def take_back_from_page(feedback_id: DbId, at: At) -> RedirectResponse:
        actions.take_back(at, feedback_id)
        return back(at.target)

    return router


router = target_forms(recording_target, "/recordings/{recording_id}/feedback")
