"""JSON API for a new recording: the upload (reading and deleting one is in app.library)."""

from fastapi import APIRouter, Request

from app.accounts.deps import CsrfProtected, CurrentSubject
from app.core.db import SessionDep
from app.recordings import housekeeping, service
from app.recordings.deps import UploadAllowed
from app.recordings.models import RecordingPublic

router = APIRouter(prefix="/recordings", tags=["recordings"], lifespan=housekeeping.lifespan)

UPLOAD_FIELDS = {
    "title": {"type": "string", "maxLength": 200},
    "case_reference": {"type": "string", "maxLength": 64},
    "language": {"type": "string", "default": "da"},
    "consent_given_by": {
        "type": "string",
        "enum": ["child_and_custody", "young_person"],
        "default": "child_and_custody",
        "description": "young_person: 15 or over, consented alone (consent_custody not needed)",
    },
    "consent_child": {"type": "boolean"},
    "consent_custody": {"type": "boolean"},
    "consent_date": {"type": "string", "format": "date"},
    # The purposes, each consented to on its own; at least one.
    "consent_individual": {"type": "boolean", "description": "a named supervisor or colleague"},
    "consent_team": {"type": "boolean", "description": "team sparring in one's own teams"},
    "consent_teaching": {"type": "boolean", "description": "other teams, courses"},
    "delete_after": {"type": "string", "format": "date"},
    "person_names": {
        "type": "string",
        "maxLength": 8000,
        "description": "people named in the conversation, one per line: hidden from teams",
    },
    "file": {"type": "string", "format": "binary"},
}
UPLOAD_DOC = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": [
                        "title",
                        "case_reference",
                        "consent_child",
                        "consent_date",
                        "file",
                    ],
                    "properties": UPLOAD_FIELDS,
                }
            },
            # The fast path: the file is the body, the fields are in X-Upload-Fields.
            "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
        },
    },
    "parameters": [
        {
            "name": "X-Upload-Fields",
            "in": "header",
            "required": False,
            "description": "With a raw body: the form's fields URL-encoded, `filename` among them",
            "schema": {"type": "string"},
        }
    ],
}


@router.post(
    "",
    status_code=201,
    response_model=RecordingPublic,
    openapi_extra=UPLOAD_DOC,
    dependencies=[UploadAllowed, CsrfProtected],
)
async def upload_recording(
    request: Request, session: SessionDep, user: CurrentSubject
) -> RecordingPublic:
    """Upload a recording with its consent record; it is probed, then queued."""
    recording = await service.receive(request=request, session=session, owner=user)
    return RecordingPublic.model_validate(recording)
