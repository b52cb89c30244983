"""JSON API for a recording's transcript, its corrections and its exports."""

from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse
from sqlmodel import Session

from app.accounts.deps import CsrfProtected, CurrentUser
from app.accounts.models import User
from app.audit.service import Action, audit_viewing
from app.audit.viewing import Kind
from app.core.db import SessionDep
from app.core.errors import NotFound
from app.core.i18n import N_, request_language
from app.core.ids import DbId
from app.recordings import service as recording_service
from app.recordings.models import Recording
from app.sharing import service as access
from app.transcripts import exports, service
from app.transcripts.models import SegmentPublic, SegmentUpdate, Transcript, TranscriptPublic

router = APIRouter(prefix="/recordings/{recording_id}/transcript", tags=["transcripts"])

EXPORTS = {
    "vtt": ("text/vtt; charset=utf-8", exports.to_webvtt),
    "srt": ("application/x-subrip; charset=utf-8", exports.to_srt),
    "txt": ("text/plain; charset=utf-8", exports.to_text),
}


def visible_transcript(
    session: Session, user: User, recording_id: str
) -> tuple[Recording, Transcript]:
    recording = recording_service.require_ready(
        access.visible(session=session, user=user, recording_id=recording_id)
    )
    transcript = service.get(session=session, recording_id=recording.id)
    if transcript is None:
        raise NotFound(
            N_("The recording has not finished processing yet."), code="recording.not_ready"
        )
    return recording, transcript


@router.get("", response_model=TranscriptPublic)
def read_transcript(
    recording_id: str, request: Request, session: SessionDep, user: CurrentUser
) -> TranscriptPublic:
    """The transcript; while the recording is being processed, the segments heard so far."""
    recording = recording_service.require_started(
        access.visible(session=session, user=user, recording_id=recording_id)
    )
    transcript = service.get(session=session, recording_id=recording.id)
    if transcript is None:
        raise NotFound(
            N_("The recording has not finished processing yet."), code="recording.not_ready"
        )
    audit_viewing(request, session, user, Action.view, recording.id, Kind.transcript, "transcript")
    public = service.to_public(session=session, transcript=transcript)
    public.complete = recording.status == "ready"
    return public


@router.patch("/segments/{segment_id}", response_model=SegmentPublic, dependencies=[CsrfProtected])
def correct_segment(
    recording_id: str,
    segment_id: DbId,
    update: SegmentUpdate,
    request: Request,
    session: SessionDep,
    user: CurrentUser,
) -> SegmentPublic:
    """The caseworker corrects a segment's text or speaker; the machine's text is kept."""
    segment = service.correct_own(
        session=session,
        request=request,
        user=user,
        recording_id=recording_id,
        segment_id=segment_id,
        update=update,
    )
    return service.segment_public(segment)


@router.get("/export.{fmt}", response_class=PlainTextResponse)
def export_transcript(
    recording_id: str,
    fmt: Literal["vtt", "srt", "txt"],
    request: Request,
    session: SessionDep,
    user: CurrentUser,
) -> PlainTextResponse:
    """WebVTT (also the player's captions), SRT or plain text, with corrections."""
    recording, transcript = visible_transcript(session, user, recording_id)
    media_type, render = EXPORTS[fmt]
    body = render(
        service.segments(session=session, transcript=transcript), request_language(request)
    )
    # The captions track loads the VTT inline: the transcript's viewing, shown with the
    # player. A download asks for it with ?download=1: a viewing of that export format.
    as_download = fmt != "vtt" or request.query_params.get("download") == "1"
    if as_download:
        action, kind, detail = Action.download, Kind.export(fmt), f"transcript.{fmt}"
    else:
        action, kind, detail = Action.view, Kind.transcript, "captions"
    audit_viewing(request, session, user, action, recording.id, kind, detail)
    disposition = "attachment" if as_download else "inline"
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
