"""The child's page: opened by the recording's caseworker, held until they unlock it."""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.accounts import throttle
from app.accounts.deps import CsrfProtected, CurrentSubject, CurrentUser
from app.childvoice import service
from app.childvoice.models import ChildPage
from app.core.csrf import session_token
from app.core.db import SessionDep
from app.core.errors import VideosparringError
from app.core.i18n import request_language
from app.core.templates import render

router = APIRouter(include_in_schema=False)
Answer = Annotated[str | None, Form(max_length=2)]
Word = Annotated[str | None, Form(max_length=2000)]
Secret = Annotated[str, Form(max_length=256)]
# The read-aloud sound of each text, made once by scripts/child_voice_audio.
SOUNDS = ("q1", "q2", "word")

hold = service.hold  # registered in app.main


def _page(
    request: Request,
    page: ChildPage,
    *,
    error: str | None = None,
    unlock_error: str | None = None,
    word: str = "",
    status_code: int = 200,
) -> HTMLResponse:
    lang = request_language(request)
    values = {
        "questions": service.QUESTIONS,
        "rated": page.rated_at is not None,
        "sounds": {name: f"/static/childvoice/{name}.{lang}.ogg" for name in SOUNDS},
        "word_limit": service.WORD_LIMIT,
        "word": word,
        "error": error,
        "unlock_error": unlock_error,
    }
    return render(request, "childvoice/page.html", values, status_code=status_code)


def _held(request: Request, session: SessionDep) -> ChildPage | None:
    return service.held(session=session, token=session_token(request))


@router.post("/recordings/{recording_id}/child-voice", dependencies=[CsrfProtected])
def open_page(
    recording_id: str, request: Request, session: SessionDep, subject: CurrentSubject
) -> RedirectResponse:
    """The caseworker hands the tablet to the child."""
    token = session_token(request)
    service.open_page(session=session, subject=subject, token=token, recording_id=recording_id)
    return RedirectResponse(service.PAGE, status_code=303)


@router.get(service.PAGE, response_class=HTMLResponse)
def child_page(request: Request, session: SessionDep, subject: CurrentSubject) -> Response:
    page = _held(request, session)
    if page is None:  # not held (unlocked in another tab, say): the person's start page
        return RedirectResponse("/", status_code=303)
    return _page(request, page)


@router.post(f"{service.PAGE}/answer", dependencies=[CsrfProtected])
def answer(
    request: Request,
    session: SessionDep,
    subject: CurrentSubject,
    talk: Answer = None,
    heard: Answer = None,
    word: Word = None,
) -> Response:
    page = _held(request, session)
    if page is None:
        return RedirectResponse("/", status_code=303)
    try:
        service.rate(
            session=session,
            subject=subject,
            page=page,
            answers={"talk": talk, "heard": heard},
            word=word,
        )
    except VideosparringError as exc:
        message = exc.message(request_language(request))
        return _page(request, page, error=message, word=word or "", status_code=exc.status_code)
    return RedirectResponse(service.PAGE, status_code=303)


@router.post(f"{service.PAGE}/unlock", dependencies=[CsrfProtected])
def unlock(request: Request, session: SessionDep, user: CurrentUser, secret: Secret) -> Response:
    page = _held(request, session)
    if page is None:
        return RedirectResponse("/", status_code=303)
    address = throttle.client_address(request)
    try:
        recording_id = service.unlock(
            session=session, user=user, page=page, secret=secret, address=address
        )
    except VideosparringError as exc:
        message = exc.message(request_language(request))
        page = _held(request, session) or page  # read again after the refusal's rollback
        return _page(request, page, unlock_error=message, status_code=exc.status_code)
    return RedirectResponse(f"/recordings/{recording_id}#child-rating", status_code=303)
