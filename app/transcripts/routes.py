"""JSON API for a recording's transcript, its corrections and its exports."""

from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse
from sqlmodel import Session

from app.access import policy
from app.accounts.deps import CsrfProtected, CurrentSubject
from app.accounts.subject import Subject
from app.audit.service import Action, audit_viewing
from app.audit.viewing import Kind
from app.core.db import SessionDep
from app.core.downloads import attachment
from app.core.errors import NotFound
from app.core.i18n import N_, request_language
from app.core.ids import DbId
from app.recordings import service as recording_service
from app.recordings.models import Recording
from app.transcripts import actions, exports, service, unsure
from app.transcripts.models import SegmentPublic, SegmentUpdate, Transcript, TranscriptPublic

router = APIRouter(prefix="/recordings/{recording_id}/transcript", tags=["transcripts"])

EXPORTS = {
    "vtt": ("text/vtt; charset=utf-8", exports.to_webvtt),
    "srt": ("application/x-subrip; charset=utf-8", exports.to_srt),
    "txt": ("text/plain; charset=utf-8", exports.to_text),
}


def visible_transcript(
    session: Session, subject: Subject, recording_id: str
) -> tuple[Recording, Transcript]:
    recording = recording_service.require_ready(policy.recording(session, subject, recording_id))
    transcript = service.get(session=session, recording_id=recording.id)
    if transcript is None:
        raise NotFound(
            N_("The recording has not finished processing yet."), code="recording.not_ready"
        )
    return recording, transcript


@router.get("", response_model=TranscriptPublic)
def read_transcript(
    recording_id: str, request: Request, session: SessionDep, subject: CurrentSubject
) -> TranscriptPublic:
    """The transcript; while the recording is being processed, the segments heard so far."""
    recording = recording_service.require_started(policy.recording(session, subject, recording_id))
    transcript = service.get(session=session, recording_id=recording.id)
    if transcript is None:
        raise NotFound(
            N_("The recording has not finished processing yet."), code="recording.not_ready"
        )
    audit_viewing(session, subject, Action.view, recording.id, Kind.transcript, "transcript")
    owner = recording.owner_id == subject.id
    public = service.to_public(session=session, transcript=transcript, owner=owner)
    public.complete = recording.status == "ready"
    unsure.fill(session=session, transcript=transcript, public=public)
    return public


@router.patch("/segments/{segment_id}", response_model=SegmentPublic, dependencies=[CsrfProtected])
def correct_segment(
    recording_id: str,
    segment_id: DbId,
    update: SegmentUpdate,
    request: Request,
    session: SessionDep,
    subject: CurrentSubject,
) -> SegmentPublic:
    """The caseworker corrects a segment's text or speaker; the machine's text is kept."""
    segment = actions.correct(session, subject, recording_id, segment_id, update)
    public = service.segment_public(segment, owner=True)  # only the caseworker corrects
    unsure.fill_segment(session=session, segment=segment, public=public)
    return public


@router.get("/export.{fmt}", response_class=PlainTextResponse)
def export_transcript(
    recording_id: str,
    fmt: Literal["vtt", "srt", "txt"],
    request: Request,
    session: SessionDep,
    subject: CurrentSubject,
) -> PlainTextResponse:
    """WebVTT (also the player's captions), SRT or plain text, with corrections."""
    recording, transcript = visible_transcript(session, subject, recording_id)
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
    audit_viewing(session, subject, action, recording.id, kind, detail)
    filename = f"{recording.case_reference}-{recording.id[:8]}.{fmt}"
    headers = attachment(filename, inline=not as_download)
    return PlainTextResponse(body, media_type=media_type, headers=headers)
