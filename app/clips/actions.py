"""What a person does with clips: check (app.access.policy), change, audit."""

from typing import Literal

from sqlmodel import Session

from app.access import policy
from app.access.service import Shared
from app.accounts.subject import Subject
from app.audit.service import Action, audit_on_commit, audit_viewing
from app.audit.viewing import Kind
from app.clips import service
from app.clips.models import Clip, ClipCreate, ClipPublic, ClipStatus, ClipUpdate
from app.core.errors import NotFound
from app.core.i18n import N_
from app.media import objects as media_objects
from app.media.objects import Readable
from app.media.store import object_key


def to_public(clip: Clip) -> ClipPublic:
    return ClipPublic.model_validate(clip, update={"duration_seconds": round(clip.duration, 3)})


def seen(session: Session, subject: Subject, clip_id: int) -> Clip:
    """The clip if the person may see it (404 otherwise)."""
    return policy.clip(session, subject, session.get(Clip, clip_id))


def owned(session: Session, subject: Subject, clip_id: int) -> Clip:
    """The clip if the person is the recording's caseworker (403 if only shared)."""
    return policy.owned_clip(session, subject, session.get(Clip, clip_id))


def _audit(session: Session, subject: Subject, action: str, clip: Clip, words: str) -> None:
    audit_on_commit(session, subject, action, clip.recording_id, f"clip {clip.id} {words}".strip())


def list_own(*, session: Session, subject: Subject, recording_id: str) -> list[Clip]:
    recording = policy.owned_recording(session, subject, recording_id)
    return service.clips_of(session=session, recording_id=recording.id)


def create(*, session: Session, subject: Subject, recording_id: str, body: ClipCreate) -> Clip:
    """The caseworker marks a clip of their ready recording."""
    recording = policy.owned_recording(session, subject, recording_id)
    clip = service.create(session=session, recording=recording, body=body)
    span = f"{clip.start_seconds:.1f}-{clip.end_seconds:.1f}"
    _audit(session, subject, Action.clip_created, clip, span)
    return clip


def update(*, session: Session, subject: Subject, clip_id: int, body: ClipUpdate) -> Clip:
    clip = service.update(session=session, clip=owned(session, subject, clip_id), body=body)
    _audit(session, subject, Action.clip_changed, clip, ",".join(sorted(body.model_fields_set)))
    return clip


def delete(*, session: Session, subject: Subject, clip_id: int) -> str:
    """Returns the recording's id (the page goes back there)."""
    clip = owned(session, subject, clip_id)
    _audit(session, subject, Action.clip_deleted, clip, "")
    service.remove(session=session, clip=clip)
    return clip.recording_id


def shared(session: Session, subject: Subject, clip_id: int) -> Shared:
    """The caseworker's clip, to share (the clip alone)."""
    clip = owned(session, subject, clip_id)
    page = f"/recordings/{clip.recording_id}#clip-{clip.id}"
    return Shared(
        recording_id=clip.recording_id, owner_id=clip.owner_id, clip_id=clip.id, page=page
    )


def viewed(*, session: Session, subject: Subject, clip_id: int, part: str) -> Clip:
    """A clip this person may see; the viewing is audited once (a player's many range
    requests, the transcript and the feedback are one viewing)."""
    clip = seen(session, subject, clip_id)
    detail = f"clip {clip_id} {part}"
    audit_viewing(session, subject, Action.view, clip.recording_id, Kind.clip(clip_id), detail)
    return clip


def viewed_file(
    session: Session, subject: Subject, clip_id: int, part: Literal["media", "poster"]
) -> Readable:
    """The clip's own file (never the recording's) once it is cut, with its type."""
    clip = seen(session, subject, clip_id)
    name, mime = (
        (clip.media_name, clip.media_mime) if part == "media" else (clip.poster_name, "image/png")
    )
    if clip.status != ClipStatus.ready or not name or not mime:
        raise NotFound(N_("The clip has not been cut yet."), code="clip.not_ready")
    # The still comes with the clip's page (its viewing); playing it is a viewing of its own.
    if part == "media":
        kind, action, detail = Kind.clip_played(clip_id), Action.playback, f"clip {clip_id}"
    else:
        kind, action, detail = Kind.clip(clip_id), Action.view, f"clip {clip_id} poster"
    audit_viewing(session, subject, action, clip.recording_id, kind, detail)
    return media_objects.require(
        session=session, key=object_key(clip.recording_id, name), content_type=mime
    )
