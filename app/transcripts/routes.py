"""JSON API for a recording's transcript, its corrections and its exports."""

from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse

from app.core.db import SessionDep
from app.core.errors import NotFound
from app.core.i18n import request_language
from app.recordings import service as recording_service
from app.transcripts import exports, service
from app.transcripts.models import SegmentPublic, SegmentUpdate, TranscriptPublic

router = APIRouter(prefix="/recordings/{recording_id}/transcript", tags=["transcripts"])

EXPORTS = {
    "vtt": ("text/vtt; charset=utf-8", exports.to_webvtt),
    "srt": ("application/x-subrip; charset=utf-8", exports.to_srt),
    "txt": ("text/plain; charset=utf-8", exports.to_text),
}


def _transcript(session: SessionDep, recording_id: str):  # type: ignore[no-untyped-def]
    recording = recording_service.get_ready(session=session, recording_id=recording_id)
    transcript = service.get(session=session, recording_id=recording.id)
    if transcript is None:
        raise NotFound("recording.not_ready")
    return recording, transcript


@router.get("", response_model=TranscriptPublic)
def read_transcript(recording_id: str, session: SessionDep) -> TranscriptPublic:
    _, transcript = _transcript(session, recording_id)
    return service.to_public(session=session, transcript=transcript)


@router.patch("/segments/{segment_id}", response_model=SegmentPublic)
def correct_segment(
    recording_id: str, segment_id: int, update: SegmentUpdate, session: SessionDep
) -> SegmentPublic:
    """Correct a segment's text or speaker; the machine's text is kept beside it."""
    recording, _ = _transcript(session, recording_id)
    segment = service.update_segment(
        session=session, recording_id=recording.id, segment_id=segment_id, update=update
    )
    return service.segment_public(segment)


@router.get("/export.{fmt}", response_class=PlainTextResponse)
def export_transcript(
    recording_id: str, fmt: Literal["vtt", "srt", "txt"], request: Request, session: SessionDep
) -> PlainTextResponse:
    """WebVTT (also the player's captions), SRT or plain text, with corrections."""
    recording, transcript = _transcript(session, recording_id)
    media_type, render = EXPORTS[fmt]
    body = render(
        service.segments(session=session, transcript=transcript), request_language(request)
    )
    disposition = "inline" if fmt == "vtt" else "attachment"
    filename = f"{recording.case_reference}-{recording.id[:8]}.{fmt}"
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in filename)
    return PlainTextResponse(
        body,
        media_type=media_type,
        headers={
            "Content-Disposition": f'{disposition}; filename="{safe}"',
            "Cache-Control": "private, no-store",
        },
    )
