"""The upload page: the form, and its post without JavaScript."""

from datetime import timedelta

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session

from app.accounts.deps import CsrfProtected, CurrentSubject
from app.core.config import settings
from app.core.db import SessionDep
from app.core.errors import VideosparringError
from app.core.i18n import request_language
from app.core.templates import render
from app.recordings import service
from app.recordings.routes import UploadAllowed
from app.recordings.service import CPR_PATTERN, WHISPER_LANGUAGES
from app.retention import service as retention

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

# The form field each refusal is about, for messages that do not name one themselves;
# upload.js reads the same table from the form, so both paths mark the same field.
FIELD_OF_ERROR = {
    "field.cpr": "case_reference",  # or the title: see error_field
    "field.bad_language": "language",
    "consent.required": "consent_child",
    "consent.bad_giver": "consent_given_by",
    "consent.no_purpose": "consent_individual",
    "consent.bad_date": "consent_date",
    "retention.bad_date": "delete_after",
    "retention.out_of_range": "delete_after",
    "upload.no_file": "file",
    "upload.empty": "file",
    "upload.no_audio": "file",
    "upload.corrupt": "file",
    "upload.unindexed": "file",
    "upload.not_media": "file",
    "upload.too_large": "file",
    "upload.bad_filename": "file",
}


def error_field(exc: VideosparringError) -> str | None:
    """The name of the form field a refusal is about, if it is about one."""
    if exc.field:
        return exc.field
    if exc.code == "field.cpr":  # checked in both text fields: mark the one that has it
        return "title" if CPR_PATTERN.search(exc.form_values.get("title", "")) else "case_reference"
    return FIELD_OF_ERROR.get(exc.code)


def _upload_form(
    request: Request,
    session: SessionDep,
    error: str | None = None,
    values: dict[str, str] | None = None,
    status_code: int = 200,
    field: str | None = None,
) -> HTMLResponse:
    return render(
        request,
        "recordings/upload.html",
        {
            **form_context(session),
            "error": error,
            "error_field": field,
            "values": values or {},
            "max_size": settings.max_upload_bytes,
        },
        status_code=status_code,
    )


def form_context(session: Session) -> dict[str, object]:
    """What the form of a new recording shows (templates/recordings/_form_fields.html): the
    languages, the fields' limits and the retention dates the policy allows."""
    policy = retention.policy(session=session)
    today = retention.today()
    return {
        "field_of_error": FIELD_OF_ERROR,
        "languages": LANGUAGE_CHOICES,
        "max_title": settings.title_max_length,
        "max_case": settings.case_reference_max_length,
        "today": today.isoformat(),
        "default_delete": (today + timedelta(days=policy.default_days)).isoformat(),
        "min_delete": (today + timedelta(days=1)).isoformat(),
        "max_delete": (today + timedelta(days=policy.max_days)).isoformat(),
        "max_days": policy.max_days,
    }


@router.get("/recordings/new", response_class=HTMLResponse)
def upload_page(request: Request, session: SessionDep, user: CurrentSubject) -> HTMLResponse:
    service.require_upload_role(user)
    return _upload_form(request, session)


@router.post("/recordings/new", dependencies=[UploadAllowed, CsrfProtected])
async def upload_from_page(request: Request, session: SessionDep, user: CurrentSubject) -> Response:
    """The form's post without JavaScript: same checks as the API, errors shown in the form."""
    try:
        recording = await service.receive(request=request, session=session, owner=user)
    except VideosparringError as exc:
        message = exc.message(request_language(request))
        return _upload_form(
            request, session, message, exc.form_values, exc.status_code, error_field(exc)
        )
    return RedirectResponse(f"/recordings?uploaded={recording.id}", status_code=303)
