"""JSON API for clips: the owner makes and shares them; whoever may see one watches it and
gives feedback through it (the feedback routes are app.feedback's, for the clip target)."""

from functools import partial

from fastapi import APIRouter, Response

from app.access.routes import share_api
from app.accounts.deps import CsrfProtected, CurrentSubject
from app.clips import actions
from app.clips.content import ClipTranscript
from app.clips.deps import clip_shares, clip_target
from app.clips.models import ClipCreate, ClipPublic, ClipUpdate
from app.core.db import SessionDep
from app.core.ids import DbId
from app.feedback.routes import target_api
from app.player.files import Files, file_api

on_recording = APIRouter(prefix="/recordings/{recording_id}/clips", tags=["clips"])
router = APIRouter(prefix="/clips", tags=["clips"])
Changes = [CsrfProtected]


@on_recording.get("", response_model=list[ClipPublic])
def list_clips(recording_id: str, session: SessionDep, subject: CurrentSubject) -> list[ClipPublic]:
    """The recording's clips (its caseworker only)."""
    clips = actions.list_own(session=session, subject=subject, recording_id=recording_id)
    return [actions.to_public(c) for c in clips]


@on_recording.post("", status_code=201, response_model=ClipPublic, dependencies=Changes)
def create_clip(
    recording_id: str, body: ClipCreate, session: SessionDep, subject: CurrentSubject
) -> ClipPublic:
    """Mark a clip (start, end, title, what you want feedback on); a worker cuts it."""
    clip = actions.create(session=session, subject=subject, recording_id=recording_id, body=body)
    return actions.to_public(clip)


@router.get("/{clip_id}", response_model=ClipPublic)
def read_clip(clip_id: DbId, session: SessionDep, subject: CurrentSubject) -> ClipPublic:
    return actions.to_public(actions.seen(session, subject, clip_id))


@router.patch("/{clip_id}", response_model=ClipPublic, dependencies=Changes)
def update_clip(
    clip_id: DbId, body: ClipUpdate, session: SessionDep, subject: CurrentSubject
) -> ClipPublic:
    """Change the words; new times cut the clip again."""
    clip = actions.update(session=session, subject=subject, clip_id=clip_id, body=body)
    return actions.to_public(clip)


@router.delete("/{clip_id}", status_code=204, dependencies=Changes)
def delete_clip(clip_id: DbId, session: SessionDep, subject: CurrentSubject) -> Response:
    actions.delete(session=session, subject=subject, clip_id=clip_id)
    return Response(status_code=204)


@router.get("/{clip_id}/transcript", response_model=ClipTranscript)
def read_clip_transcript(
    clip_id: DbId, session: SessionDep, subject: CurrentSubject
) -> ClipTranscript:
    """The transcript cut at word times, times from the clip's start."""
    clip = actions.viewed(session=session, subject=subject, clip_id=clip_id, part="transcript")
    return actions.transcript_for(session, subject, clip)


def clip_files(
    clip_id: DbId, session: SessionDep, subject: CurrentSubject, variant: str = ""
) -> Files:
    """The clip's own files (never the recording's), for whoever may see the clip: the
    protected variant to a team; `variant=team` lets its caseworker watch that variant."""
    preview = variant == "team"
    return partial(actions.viewed_file, session, subject, clip_id, preview=preview)


router.include_router(file_api(clip_files, "/{clip_id}", "clips"))
router.include_router(share_api(clip_shares, "/{clip_id}/shares", "clips"))
router.include_router(target_api(clip_target, "/{clip_id}/feedback", "clips", bringing=True))
