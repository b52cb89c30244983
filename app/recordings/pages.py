"""Pages for recordings: the list, the upload form, and one recording with its player."""

from datetime import timedelta

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.accounts.deps import CsrfProtected, CurrentUser
from app.audit.deps import audit_viewing
from app.audit.service import Action
from app.audit.viewing import Kind
from app.core.config import settings
from app.core.db import SessionDep
from app.core.errors import NotPermitted, VideosparringError
from app.core.i18n import request_language
from app.core.templates import render
from app.recordings import service
from app.recordings.models import RecordingStatus
from app.recordings.routes import UploadAllowed, delete_owned, receive_and_create
from app.recordings.service import UPLOAD_ROLES, WHISPER_LANGUAGES
from app.recordings.upload import human_size
from app.retention import service as retention
from app.sharing import service as access
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
def home(user: CurrentUser) -> RedirectResponse:
    target = {"administrator": "/admin/users", "leader": "/leader"}.get(user.role, "/recordings")
    return RedirectResponse(target, status_code=303)


@router.get("/recordings", response_class=HTMLResponse)
def recordings_page(request: Request, session: SessionDep, user: CurrentUser) -> HTMLResponse:
    if user.role == "leader":
        raise NotPermitted("account.not_permitted")
    rows = access.list_visible(session=session, user=user)
    busy = any(r.status in (RecordingStatus.queued, RecordingStatus.processing) for r in rows)
    return render(
        request,
        "recordings/list.html",
        {
            "recordings": rows,
            "busy": busy,
            "uploaded": request.query_params.get("uploaded"),
            "deleted": request.query_params.get("deleted"),
            "can_upload": user.role in UPLOAD_ROLES,
        },
    )


def _upload_form(
    request: Request,
    session: SessionDep,
    error: str | None = None,
    values: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    policy = retention.policy(session=session)
    today = retention.today()
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
            "today": today.isoformat(),
            "default_delete": (today + timedelta(days=policy.default_days)).isoformat(),
            "min_delete": (today + timedelta(days=1)).isoformat(),
            "max_delete": (today + timedelta(days=policy.max_days)).isoformat(),
            "max_days": policy.max_days,
        },
        status_code=status_code,
    )


@router.get("/recordings/new", response_class=HTMLResponse)
def upload_page(request: Request, session: SessionDep, user: CurrentUser) -> HTMLResponse:
    if user.role not in UPLOAD_ROLES:
        raise NotPermitted("recording.upload_role")
    return _upload_form(request, session)


@router.post("/recordings/new", dependencies=[UploadAllowed, CsrfProtected])
async def upload_from_page(request: Request, session: SessionDep, user: CurrentUser) -> Response:
    """The form's post without JavaScript: same checks as the API, errors shown in the form."""
    try:
        recording = await receive_and_create(request, session, user)
    except VideosparringError as exc:
        message = exc.message(request_language(request))
        return _upload_form(request, session, message, exc.form_values, exc.status_code)
    return RedirectResponse(f"/recordings?uploaded={recording.id}", status_code=303)


@router.get("/recordings/{recording_id}", response_class=HTMLResponse)
def recording_page(
    recording_id: str, request: Request, session: SessionDep, user: CurrentUser
) -> HTMLResponse:
    recording = access.visible(session=session, user=user, recording_id=recording_id)
    # The page shows the transcript: part of the transcript's viewing.
    audit_viewing(request, session, user, Action.view, recording.id, Kind.transcript, "page")
    transcript = transcript_service.get(session=session, recording_id=recording.id)
    segments = (
        transcript_service.segments(session=session, transcript=transcript) if transcript else []
    )
    is_owner = recording.owner_id == user.id
    people, teams = access.share_candidates(session=session, recording=recording)
    policy = retention.policy(session=session)
    return render(
        request,
        "recordings/detail.html",
        {
            "recording": recording,
            "transcript": transcript,
            "segments": segments,
            "is_owner": is_owner,
            "shares": access.shares_of(session=session, recording=recording) if is_owner else [],
            "people": people if is_owner else [],
            "teams": teams if is_owner else [],
            "consent": service.consent_of(session=session, recording=recording),
            "days_left": retention.days_left(recording),
            "warn_days": policy.warn_days,
        },
    )


@router.post("/recordings/{recording_id}/delete", dependencies=[CsrfProtected])
def delete_from_page(
    recording_id: str, request: Request, session: SessionDep, user: CurrentUser
) -> RedirectResponse:
    delete_owned(session, request, user, recording_id, Action.delete)
    return RedirectResponse("/recordings?deleted=1", status_code=303)


@router.post("/recordings/{recording_id}/consent/withdraw", dependencies=[CsrfProtected])
def withdraw_consent_from_page(
    recording_id: str, request: Request, session: SessionDep, user: CurrentUser
) -> RedirectResponse:
    delete_owned(session, request, user, recording_id, Action.consent_withdrawn)
    return RedirectResponse("/recordings?deleted=1", status_code=303)


@router.get("/language/{code}")
def switch_language(code: str, request: Request) -> RedirectResponse:
    target = request.query_params.get("next", "/recordings")
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        target = "/recordings"  # only local addresses: no open redirect (browsers read /\ as //)
    response = RedirectResponse(target, status_code=303)
    if code in ("da", "en"):
        response.set_cookie("lang", code, max_age=365 * 86400, httponly=True, samesite="lax")
    return response
