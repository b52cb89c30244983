"""What a person does with a recording they can see: watch it, delete their own."""

from pathlib import Path
from typing import Literal

from fastapi import Request
from sqlmodel import Session

from app.accounts.models import User
from app.audit.service import Action, audit_on_commit, audit_viewing
from app.audit.viewing import Kind
from app.core.errors import NotFound
from app.recordings import service as recording_service
from app.recordings import storage
from app.sharing import service as access


def delete_owned(
    *, session: Session, request: Request, user: User, recording_id: str, reason: str
) -> None:
    """Delete a recording its caseworker asked to delete (directly or by consent withdrawn)."""
    recording = access.owned(session=session, user=user, recording_id=recording_id)
    recording_service.delete(session=session, recording=recording)
    audit_on_commit(session, request, user, reason, recording_id)


def viewed_file(
    *,
    session: Session,
    request: Request,
    user: User,
    recording_id: str,
    part: Literal["media", "poster"],
) -> tuple[Path, str]:
    """The playable file or the poster of a ready recording this person may see, with its
    type; the viewing is audited first (once per viewing: range requests and seeks add none)."""
    recording = recording_service.require_ready(
        access.visible(session=session, user=user, recording_id=recording_id)
    )
    if part == "media":
        name, mime = recording.playable_name, recording.playable_mime
    else:
        name, mime = recording.poster_name, "image/png"
    if not name or not mime:
        raise NotFound("recording.not_ready" if part == "media" else "recording.not_found")
    # The poster is a frame of the video: part of the media's viewing.
    audit_viewing(request, session, user, Action.playback, recording.id, Kind.media, part)
    return storage.file_path(recording.id, name), mime
