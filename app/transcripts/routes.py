"""JSON API for a recording's transcript, its corrections and its exports."""

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import PlainTextResponse
from sqlmodel import Session

from app.access import policy
from app.accounts.deps import Administrator, CsrfProtected, CurrentSubject
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
from app.transcripts import actions, again, exports, service, unsure
from app.transcripts.models import (
    AgainQueued,
    BatchCreate,
    BatchPublic,
    OfferChoice,
    ProvenancePublic,
    SegmentPublic,
    SegmentUpdate,
    Transcript,
    TranscriptPublic,
)

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
    recording_id: str,
    request: Request,
    session: SessionDep,
    subject: CurrentSubject,
    version: Annotated[int | None, Query(ge=1, le=10_000)] = None,
) -> TranscriptPublic:
    """The transcript (its current version, or an earlier one by `version`); while the
    recording is being processed, the segments heard so far."""
    recording = recording_service.require_started(policy.recording(session, subject, recording_id))
    if version is not None:
        transcript: Transcript | None = service.version(
            session=session, recording_id=recording.id, number=version
        )
    else:
        transcript = service.get(session=session, recording_id=recording.id)
    if transcript is None:
        raise NotFound(
            N_("The recording has not finished processing yet."), code="recording.not_ready"
        )
    detail = "transcript" if version is None else f"transcript version {version}"
    audit_viewing(session, subject, Action.view, recording.id, Kind.transcript, detail)
    owner = recording.owner_id == subject.id
    public = service.to_public(session=session, transcript=transcript, owner=owner)
    public.complete = recording.status == "ready" and transcript.complete
    unsure.fill(session=session, transcript=transcript, public=public)
    return public


@router.get("/versions", response_model=list[ProvenancePublic])
def transcript_versions(
    recording_id: str, request: Request, session: SessionDep, subject: CurrentSubject
) -> list[ProvenancePublic]:
    """Every version of the transcript, the first first, each with how it was heard (one
    being heard again included: `finished_at` null)."""
    recording = recording_service.require_started(policy.recording(session, subject, recording_id))
    found = service.versions(session=session, recording_id=recording.id)
    return [service.provenance_public(t) for t in found]


@router.post("/again", status_code=202, response_model=AgainQueued, dependencies=[CsrfProtected])
def transcribe_again(
    recording_id: str, request: Request, session: SessionDep, subject: CurrentSubject
) -> AgainQueued:
    """The caseworker has the recording heard again with the model its language has now:
    a new version, which takes over once whole; their corrections are offered on it."""
    return actions.transcribe_again(session, subject, recording_id)


@router.post(
    "/segments/{segment_id}/offer", response_model=SegmentPublic, dependencies=[CsrfProtected]
)
def decide_offer(
    recording_id: str,
    segment_id: DbId,
    choice: OfferChoice,
    request: Request,
    session: SessionDep,
    subject: CurrentSubject,
) -> SegmentPublic:
    """After a new version: keep my earlier words for the line, or take the new line."""
    segment = actions.decide_offer(session, subject, recording_id, segment_id, choice.keep)
    return service.segment_public(segment, owner=True)


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


batches = APIRouter(prefix="/admin/transcripts", tags=["transcripts"])


@batches.post("/again", status_code=201, response_model=BatchPublic, dependencies=[CsrfProtected])
def transcribe_many_again(
    form: BatchCreate, request: Request, session: SessionDep, admin: Administrator
) -> BatchPublic:
    """After a better model is installed: every ready recording in the language uploaded
    in the days given is heard again, at low priority (only while no other work waits)."""
    return actions.transcribe_many_again(session, admin, form)


@batches.get("/again", response_model=list[BatchPublic])
def batches_of_transcribing_again(
    request: Request, session: SessionDep, admin: Administrator
) -> list[BatchPublic]:
    """The latest batches, newest first, with how far each has come."""
    return [actions.batch_public(p) for p in again.batches(session=session)]
