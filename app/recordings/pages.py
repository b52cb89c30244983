"""Pages for recordings: the list, the upload form, and one recording with its player."""

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from app.core.config import settings
from app.core.db import SessionDep
from app.core.errors import VideosparringError
from app.core.i18n import request_language
from app.core.templates import render
from app.recordings import service
from app.recordings.models import RecordingStatus
from app.recordings.service import WHISPER_LANGUAGES
from app.recordings.upload import human_size, receive_upload
from app.transcripts import service as transcript_service

router = APIRouter(include_in_schema=False)

LANGUAGE_CHOICES = [
    ("da", "Dansk"),
    ("en", "English"),
    ("sv", "Svenska"),
    ("no", "Norsk"),
    ("de", "Deutsch"),
    ("ar", "العربية"),
    ("so", "Soomaali"),
    ("tr", "Türkçe"),
    ("uk", "Українська"),
    ("fa", "فارسی"),
    ("ur", "اردو"),
    ("pl", "Polski"),
]
assert all(code in WHISPER_LANGUAGES for code, _ in LANGUAGE_CHOICES)


@router.get("/")
def home() -> RedirectResponse:
    return RedirectResponse("/recordings", status_code=303)


@router.get("/recordings", response_class=HTMLResponse)
def recordings_page(request: Request, session: SessionDep) -> HTMLResponse:
    rows, _ = service.list_recent(session=session)
    busy = any(r.status in (RecordingStatus.queued, RecordingStatus.processing) for r in rows)
    return render(
        request,
        "recordings/list.html",
        {"recordings": rows, "busy": busy, "uploaded": request.query_params.get("uploaded")},
    )


def _upload_form(
    request: Request,
    error: str | None = None,
    values: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    return render(
        request,
        "recordings/upload.html",
        {
            "error": error,
            "values": values or {},
            "languages": LANGUAGE_CHOICES,
            "max_size": human_size(settings.max_upload_bytes),
            "max_title": settings.title_max_length,
            "max_case": settings.case_reference_max_length,
        },
        status_code=status_code,
    )


@router.get("/recordings/new", response_class=HTMLResponse)
def upload_page(request: Request) -> HTMLResponse:
    return _upload_form(request)


@router.post("/recordings/new")
async def upload_from_page(request: Request, session: SessionDep) -> Response:
    """The form's post without JavaScript: same checks as the API, errors shown in the form."""
    values: dict[str, str] = {}
    try:
        upload = await receive_upload(
            request, tmp_dir=settings.upload_tmp_dir, max_bytes=settings.max_upload_bytes
        )
        values = upload.fields
        recording = await run_in_threadpool(
            service.create_from_upload, session=session, upload=upload
        )
    except VideosparringError as exc:
        message = exc.message(request_language(request))
        return _upload_form(request, message, values, exc.status_code)
    return RedirectResponse(f"/recordings?uploaded={recording.id}", status_code=303)


@router.get("/recordings/{recording_id}", response_class=HTMLResponse)
def recording_page(recording_id: str, request: Request, session: SessionDep) -> HTMLResponse:
    recording = service.get(session=session, recording_id=recording_id)
    transcript = transcript_service.get(session=session, recording_id=recording.id)
    segments = (
        transcript_service.segments(session=session, transcript=transcript) if transcript else []
    )
    return render(
        request,
        "recordings/detail.html",
        {"recording": recording, "transcript": transcript, "segments": segments},
    )


@router.get("/language/{code}")
def switch_language(code: str, request: Request) -> RedirectResponse:
    target = request.query_params.get("next", "/recordings")
    if not target.startswith("/") or target.startswith("//"):
        target = "/recordings"  # only local addresses: no open redirect
    response = RedirectResponse(target, status_code=303)
    if code in ("da", "en"):
        response.set_cookie("lang", code, max_age=365 * 86400, httponly=True, samesite="lax")
    return response
