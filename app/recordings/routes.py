"""JSON API for recordings: upload, list, read, and their media."""

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse
from starlette.concurrency import run_in_threadpool

from app.core.config import settings
from app.core.db import SessionDep
from app.core.errors import NotFound
from app.recordings import service, storage
from app.recordings.models import RecordingPublic, RecordingsPublic
from app.recordings.upload import receive_upload

router = APIRouter(prefix="/recordings", tags=["recordings"])

UPLOAD_DOC = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["title", "case_reference", "file"],
                    "properties": {
                        "title": {"type": "string", "maxLength": 200},
                        "case_reference": {"type": "string", "maxLength": 64},
                        "language": {"type": "string", "default": "da"},
                        "file": {"type": "string", "format": "binary"},
                    },
                }
            }
        },
    }
}


@router.post("", status_code=201, response_model=RecordingPublic, openapi_extra=UPLOAD_DOC)
async def upload_recording(request: Request, session: SessionDep) -> RecordingPublic:
    """Upload a recording; it is probed before it is accepted and then queued."""
    upload = await receive_upload(
        request, tmp_dir=settings.upload_tmp_dir, max_bytes=settings.max_upload_bytes
    )
    recording = await run_in_threadpool(service.create_from_upload, session=session, upload=upload)
    return RecordingPublic.model_validate(recording)


@router.get("", response_model=RecordingsPublic)
def list_recordings(session: SessionDep) -> RecordingsPublic:
    rows, count = service.list_recent(session=session)
    return RecordingsPublic(data=[RecordingPublic.model_validate(r) for r in rows], count=count)


@router.get("/{recording_id}", response_model=RecordingPublic)
def read_recording(recording_id: str, session: SessionDep) -> RecordingPublic:
    return RecordingPublic.model_validate(service.get(session=session, recording_id=recording_id))


@router.get("/{recording_id}/media")
def read_media(recording_id: str, session: SessionDep) -> FileResponse:
    """The playable file; answers HTTP range requests so seeking starts at once."""
    recording = service.get_ready(session=session, recording_id=recording_id)
    if not recording.playable_name:
        raise NotFound("recording.not_ready")
    return FileResponse(
        storage.file_path(recording.id, recording.playable_name),
        media_type=recording.playable_mime,
        headers={"Cache-Control": "private, no-store"},
    )


@router.get("/{recording_id}/poster")
def read_poster(recording_id: str, session: SessionDep) -> FileResponse:
    recording = service.get_ready(session=session, recording_id=recording_id)
    if not recording.poster_name:
        raise NotFound("recording.not_found")
    return FileResponse(
        storage.file_path(recording.id, recording.poster_name),
        media_type="image/png",
        headers={"Cache-Control": "private, no-store"},
    )
