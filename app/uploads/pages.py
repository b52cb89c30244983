"""The record page: a conversation recorded in the browser and sent while it is made, to
the resumable upload endpoint (tus with a deferred length, `app/static/recorder.js`)."""

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from app.accounts.deps import CurrentSubject
from app.core.db import SessionDep
from app.core.templates import render
from app.recordings.pages import form_context
from app.recordings.service import require_upload_role

router = APIRouter(include_in_schema=False)

# Every other page refuses the camera and the microphone (app/core/middleware.py); this one
# lets them in for itself, as nothing else would work here.
MEDIA_ALLOWED = "camera=(self), microphone=(self), geolocation=()"


@router.get("/recordings/record", response_class=HTMLResponse)
def record_page(request: Request, session: SessionDep, user: CurrentSubject) -> HTMLResponse:
    require_upload_role(user)
    page = render(
        request, "recordings/record.html", {**form_context(session), "values": {}, "error": None}
    )
    page.headers["Permissions-Policy"] = MEDIA_ALLOWED
    return page
