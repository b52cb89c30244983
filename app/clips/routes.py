"""JSON API for clips: the owner makes and shares them; whoever may see one watches it."""

from fastapi import APIRouter, Request, Response
from fastapi.responses import FileResponse

from app.accounts.deps import CsrfProtected, CurrentUser
from app.clips import actions, content, feedback_routes, service
from app.clips.content import ClipFeedback, ClipTranscript
from app.clips.models import ClipCreate, ClipPublic, ClipShareCreate, ClipSharePublic, ClipUpdate
from app.core.db import SessionDep
from app.core.ids import DbId

on_recording = APIRouter(prefix="/recordings/{recording_id}/clips", tags=["clips"])
router = APIRouter(prefix="/clips", tags=["clips"])
# A clip of a recording of children: never kept by a browser or proxy cache.
PRIVATE = {"Cache-Control": "private, no-store"}


@on_recording.get("", response_model=list[ClipPublic])
def list_clips(recording_id: str, session: SessionDep, user: CurrentUser) -> list[ClipPublic]:
    """The recording's clips (its caseworker only)."""
    clips = actions.list_own(session=session, user=user, recording_id=recording_id)
    return [actions.to_public(c) for c in clips]


@on_recording.post("", status_code=201, response_model=ClipPublic, dependencies=[CsrfProtected])
def create_clip(
    recording_id: str, body: ClipCreate, request: Request, session: SessionDep, user: CurrentUser
) -> ClipPublic:
    """Mark a clip (start, end, title, what you want feedback on); a worker cuts it."""
    clip = actions.create_own(
        session=session, request=request, user=user, recording_id=recording_id, body=body
    )
    return actions.to_public(clip)


@router.get("/{clip_id}", response_model=ClipPublic)
def read_clip(
    clip_id: DbId, request: Request, session: SessionDep, user: CurrentUser
) -> ClipPublic:
    clip = service.visible_clip(session=session, user=user, clip_id=clip_id)
    return actions.to_public(clip)


@router.patch("/{clip_id}", response_model=ClipPublic, dependencies=[CsrfProtected])
def update_clip(
    clip_id: DbId, body: ClipUpdate, request: Request, session: SessionDep, user: CurrentUser
) -> ClipPublic:
    """Change the words; new times cut the clip again."""
    clip = actions.update_own(
        session=session, request=request, user=user, clip_id=clip_id, body=body
    )
    return actions.to_public(clip)


@router.delete("/{clip_id}", status_code=204, dependencies=[CsrfProtected])
def delete_clip(
    clip_id: DbId, request: Request, session: SessionDep, user: CurrentUser
) -> Response:
    actions.delete_own(session=session, request=request, user=user, clip_id=clip_id)
    return Response(status_code=204)


@router.get("/{clip_id}/media")
def read_clip_media(
    clip_id: DbId, request: Request, session: SessionDep, user: CurrentUser
) -> FileResponse:
    """The clip's own file; answers HTTP range requests (within that file only)."""
    path, mime = actions.viewed_file(
        session=session, request=request, user=user, clip_id=clip_id, part="media"
    )
    return FileResponse(path, media_type=mime, headers=PRIVATE)


@router.get("/{clip_id}/poster")
def read_clip_poster(
    clip_id: DbId, request: Request, session: SessionDep, user: CurrentUser
) -> FileResponse:
    path, mime = actions.viewed_file(
        session=session, request=request, user=user, clip_id=clip_id, part="poster"
    )
    return FileResponse(path, media_type=mime, headers=PRIVATE)


@router.get("/{clip_id}/transcript", response_model=ClipTranscript)
def read_clip_transcript(
    clip_id: DbId, request: Request, session: SessionDep, user: CurrentUser
) -> ClipTranscript:
    """The transcript cut at word times, times from the clip's start."""
    clip = actions.viewed(
        session=session, request=request, user=user, clip_id=clip_id, part="transcript"
    )
    return content.transcript(session=session, clip=clip)


@router.get("/{clip_id}/feedback", response_model=list[ClipFeedback])
def read_clip_feedback(
    clip_id: DbId, request: Request, session: SessionDep, user: CurrentUser
) -> list[ClipFeedback]:
    """Published feedback overlapping the clip, times from the clip's start."""
    clip = actions.viewed(
        session=session, request=request, user=user, clip_id=clip_id, part="feedback"
    )
    return content.feedback(session=session, user=user, clip=clip)


@router.get("/{clip_id}/shares", response_model=list[ClipSharePublic])
def list_clip_shares(
    clip_id: DbId, session: SessionDep, user: CurrentUser
) -> list[ClipSharePublic]:
    clip = service.owned_clip(session=session, user=user, clip_id=clip_id)
    return service.shares_of(session=session, clip=clip)


@router.post(
    "/{clip_id}/shares",
    status_code=201,
    response_model=ClipSharePublic,
    dependencies=[CsrfProtected],
)
def share_clip(
    clip_id: DbId, body: ClipShareCreate, request: Request, session: SessionDep, user: CurrentUser
) -> ClipSharePublic:
    """Share the clip (and nothing else of the recording) with one person or one team."""
    share_id = actions.share_own(
        session=session, request=request, user=user, clip_id=clip_id, body=body
    )
    clip = service.owned_clip(session=session, user=user, clip_id=clip_id)
    return next(s for s in service.shares_of(session=session, clip=clip) if s.id == share_id)


@router.delete("/{clip_id}/shares/{share_id}", status_code=204, dependencies=[CsrfProtected])
def withdraw_clip_share(
    clip_id: DbId, share_id: DbId, request: Request, session: SessionDep, user: CurrentUser
) -> Response:
    """Withdraw a share: it takes effect with the next request."""
    actions.unshare_own(
        session=session, request=request, user=user, clip_id=clip_id, share_id=share_id
    )
    return Response(status_code=204)


router.include_router(feedback_routes.router)
