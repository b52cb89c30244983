"""Requests from the API and the pages: who may, what changes, what the audit log keeps."""

from pathlib import Path
from typing import Literal

from fastapi import Request
from sqlmodel import Session

from app.accounts.models import User
from app.audit.service import Action, audit_on_commit, audit_viewing
from app.audit.viewing import Kind
from app.clips import service
from app.clips.models import Clip, ClipCreate, ClipPublic, ClipShareCreate, ClipStatus, ClipUpdate
from app.core.errors import NotFound
from app.core.i18n import N_
from app.recordings import storage
from app.sharing import service as access


def to_public(clip: Clip) -> ClipPublic:
    return ClipPublic(
        id=clip.id,  # type: ignore[arg-type]
        title=clip.title,
        request_text=clip.request_text,
        start_seconds=clip.start_seconds,
        end_seconds=clip.end_seconds,
        duration_seconds=round(clip.duration, 3),
        status=clip.status,
        progress=clip.progress,
        failure_reason=clip.failure_reason,
        created_at=clip.created_at,
    )


def list_own(*, session: Session, user: User, recording_id: str) -> list[Clip]:
    recording = access.owned(session=session, user=user, recording_id=recording_id)
    return service.clips_of(session=session, recording_id=recording.id)


def create_own(
    *, session: Session, request: Request, user: User, recording_id: str, body: ClipCreate
) -> Clip:
    """The caseworker marks a clip of their ready recording."""
    recording = access.owned(session=session, user=user, recording_id=recording_id)
    clip = service.create(session=session, recording=recording, user=user, body=body)
    span = f"{clip.start_seconds:.1f}-{clip.end_seconds:.1f}"
    audit_on_commit(
        session, request, user, Action.clip_created, recording.id, f"clip {clip.id} {span}"
    )
    return clip


def update_own(
    *, session: Session, request: Request, user: User, clip_id: int, body: ClipUpdate
) -> Clip:
    clip = service.owned_clip(session=session, user=user, clip_id=clip_id)
    clip = service.update(session=session, clip=clip, body=body)
    fields = ",".join(sorted(body.model_fields_set))
    audit_on_commit(
        session, request, user, Action.clip_changed, clip.recording_id, f"clip {clip_id} {fields}"
    )
    return clip


def delete_own(*, session: Session, request: Request, user: User, clip_id: int) -> None:
    clip = service.owned_clip(session=session, user=user, clip_id=clip_id)
    recording_id = clip.recording_id
    service.remove(session=session, clip=clip)
    audit_on_commit(session, request, user, Action.clip_deleted, recording_id, f"clip {clip_id}")


def share_own(
    *, session: Session, request: Request, user: User, clip_id: int, body: ClipShareCreate
) -> int:
    """Only the recording's caseworker shares a clip; returns the share's id."""
    clip = service.owned_clip(session=session, user=user, clip_id=clip_id)
    row = service.share(
        session=session, clip=clip, by=user, user_id=body.user_id, team_id=body.team_id
    )
    target = f"user {body.user_id}" if body.user_id else f"team {body.team_id}"
    audit_on_commit(
        session, request, user, Action.share, clip.recording_id, f"clip {clip_id} {target}"
    )
    assert row.id is not None
    return row.id


def unshare_own(
    *, session: Session, request: Request, user: User, clip_id: int, share_id: int
) -> None:
    clip = service.owned_clip(session=session, user=user, clip_id=clip_id)
    service.unshare(session=session, clip=clip, share_id=share_id)
    audit_on_commit(
        session,
        request,
        user,
        Action.unshare,
        clip.recording_id,
        f"clip {clip_id} share {share_id}",
    )


def viewed(*, session: Session, request: Request, user: User, clip_id: int, part: str) -> Clip:
    """A clip this person may see; the viewing is audited once (a player's many range
    requests, the transcript and the feedback are one viewing)."""
    clip = service.visible_clip(session=session, user=user, clip_id=clip_id)
    audit_viewing(
        request, session, user, Action.view, clip.recording_id, Kind.clip, f"clip {clip_id} {part}"
    )
    return clip


def viewed_file(
    *,
    session: Session,
    request: Request,
    user: User,
    clip_id: int,
    part: Literal["media", "poster"],
) -> tuple[Path, str]:
    """The clip's own file (never the recording's) once it is cut, with its type."""
    clip = service.visible_clip(session=session, user=user, clip_id=clip_id)
    name, mime = (
        (clip.media_name, clip.media_mime) if part == "media" else (clip.poster_name, "image/png")
    )
    if clip.status != ClipStatus.ready or not name or not mime:
        raise NotFound(N_("The clip has not been cut yet."), code="clip.not_ready")
    action = Action.playback if part == "media" else Action.view
    audit_viewing(request, session, user, action, clip.recording_id, Kind.clip, f"clip {clip_id}")
    return storage.file_path(clip.recording_id, name), mime
