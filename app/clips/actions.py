"""What a person does with clips: check (app.access.policy), change, audit."""

from collections.abc import Callable
from typing import Literal

from sqlmodel import Session

from app.access import policy
from app.access.service import Shared
from app.accounts.subject import Subject
from app.audit.service import Action, audit_on_commit, audit_viewing
from app.audit.viewing import Kind
from app.clips import content, protection, service
from app.clips.content import ClipTranscript
from app.clips.models import Clip, ClipCreate, ClipPublic, ClipStatus, ClipUpdate
from app.core.errors import NotFound
from app.core.i18n import N_
from app.core.timeutil import utcnow
from app.feedback.models import Place
from app.feedback.reading import Reading
from app.feedback.targets import Here, Target
from app.media import objects as media_objects
from app.media.objects import Readable
from app.media.store import object_key
from app.recordings.models import Recording


def to_public(clip: Clip) -> ClipPublic:
    extra = {
        "duration_seconds": round(clip.duration, 3),
        "protected_approved": clip.protected_approved_at is not None,
    }
    return ClipPublic.model_validate(clip, update=extra)


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
        recording_id=clip.recording_id,
        owner_id=clip.owner_id,
        clip_id=clip.id,
        page=page,
        protected_refusal=protection.team_refusal(session, clip),
    )


def viewed(*, session: Session, subject: Subject, clip_id: int, part: str) -> Clip:
    """A clip this person may see; the viewing is audited once (a player's many range
    requests, the transcript and the feedback are one viewing)."""
    clip = seen(session, subject, clip_id)
    detail = f"clip {clip_id} {part}"
    audit_viewing(session, subject, Action.view, clip.recording_id, Kind.clip(clip_id), detail)
    return clip


def variant_for(
    session: Session, subject: Subject, clip: Clip, *, preview: bool = False
) -> policy.Variant:
    """What this person gets of the clip; its caseworker may preview the team's variant."""
    if preview and clip.owner_id == subject.id:
        return policy.Variant.protected
    return policy.clip_variant(session, subject, clip)


def transcript_for(session: Session, subject: Subject, clip: Clip) -> ClipTranscript:
    """The clip's transcript; names and numbers hidden for whoever gets the protected clip."""
    cut = content.transcript(session=session, clip=clip)
    if variant_for(session, subject, clip) == policy.Variant.protected:
        redactions = protection.redactions_of(session, clip)
        for line in cut.segments:
            line.text = redactions.text(line.text)
    return cut


def redactor(session: Session, subject: Subject, clip: Clip) -> Callable[[str], str] | None:
    """How texts read through the clip are shown to this person: names and numbers hidden
    (the protected variant), or as written (None)."""
    if variant_for(session, subject, clip) != policy.Variant.protected:
        return None
    return protection.redactions_of(session, clip).text


def target_of(
    session: Session, clip: Clip, page: str = "", subject: Subject | None = None
) -> Target:
    """The feedback given through the clip and brought to it, at clip times; its texts
    with names and numbers hidden for a `subject` who gets the protected variant."""
    recording = session.get(Recording, clip.recording_id)
    assert recording is not None and clip.id is not None  # a clip goes with its recording
    return Target(
        recording=recording,
        place=Place.clip,
        place_id=clip.id,
        start=clip.start_seconds,
        end=clip.end_seconds,
        page=page or f"/clips/{clip.id}",
        audit_kind=Kind.clip(clip.id),
        audit_prefix=f"clip {clip.id} ",
        redact=redactor(session, subject, clip) if subject is not None else None,
    )


def viewed_file(
    session: Session,
    subject: Subject,
    clip_id: int,
    part: Literal["media", "poster"],
    preview: bool = False,
) -> Readable:
    """The clip's own file (never the recording's) once it is cut, with its type: the
    protected variant to all but its caseworker and a person it was shared with unprotected
    (never the clip itself to them, whatever they ask for)."""
    clip = seen(session, subject, clip_id)
    protected = variant_for(session, subject, clip, preview=preview) == policy.Variant.protected
    if protected:
        name, mime = (
            (clip.protected_media_name, clip.protected_mime)
            if part == "media"
            else (clip.protected_poster_name, "image/png")
        )
        if clip.protected_status != ClipStatus.ready or not name or not mime:
            raise NotFound(
                N_("The clip with blurred faces is still being made."),
                code="clip.protected_not_ready",
            )
    else:
        name, mime = (
            (clip.media_name, clip.media_mime)
            if part == "media"
            else (clip.poster_name, "image/png")
        )
        if clip.status != ClipStatus.ready or not name or not mime:
            raise NotFound(N_("The clip has not been cut yet."), code="clip.not_ready")
    seen_as = " protected" if protected else ""
    # The still comes with the clip's page (its viewing); playing it is a viewing of its own.
    if part == "media":
        kind, action = Kind.clip_played(clip_id), Action.playback
        detail = f"clip {clip_id}{seen_as}"
    else:
        kind, action = Kind.clip(clip_id), Action.view
        detail = f"clip {clip_id} poster{seen_as}"
    audit_viewing(session, subject, action, clip.recording_id, kind, detail)
    return media_objects.require(
        session=session, key=object_key(clip.recording_id, name), content_type=mime
    )


# What a team will see: the caseworker's review -------------------------------------------


def protection_review(
    *, session: Session, subject: Subject, clip_id: int
) -> tuple[Clip, protection.Review]:
    """The caseworker's clip with its finds marked in the lines a team would read: the
    clip's transcript, then what is said about it (its request and the feedback on it)."""
    clip = owned(session, subject, clip_id)
    lines = [
        (f"{line.start:.1f}", line.text)
        for line in content.transcript(session=session, clip=clip).segments
    ]
    lines += [("title", clip.title)] + (
        [("request", clip.request_text)] if clip.request_text else []
    )
    # What is said through the clip: the feedback (and its replies) a team reads with it.
    here = Here(session, subject, target_of(session, clip))
    for thread in Reading(here).threads():
        for item in [thread, *thread.replies]:
            if item.text and not item.draft and not item.deleted:
                lines.append((item.author_name or "", item.text))
    audit_viewing(
        session, subject, Action.view, clip.recording_id, Kind.clip(clip_id),
        f"clip {clip_id} protection review",
    )  # fmt: skip
    return clip, protection.review(session, clip, lines)


ProtectionChange = Literal["show", "unshow", "hide", "unhide"]


def change_redactions(
    *, session: Session, subject: Subject, clip_id: int, change: ProtectionChange, text: str
) -> Clip:
    """Show a find after all (or hide it again); hide a word too (or no longer)."""
    clip = owned(session, subject, clip_id)
    if change in ("show", "unshow"):
        protection.set_shown(session, clip, text, shown=change == "show")
    else:
        protection.set_hidden(session, clip, text, hidden=change == "hide")
    # The words themselves stay out of the log: they are what is being hidden.
    _audit(session, subject, Action.clip_changed, clip, f"redaction {change}")
    return clip


def mark_missed(
    *, session: Session, subject: Subject, clip_id: int, start: float, end: float
) -> Clip:
    clip = owned(session, subject, clip_id)
    protection.add_missed(session, clip, start, end)
    _audit(session, subject, Action.clip_changed, clip, f"missed face {start:.1f}-{end:.1f}")
    return clip


def unmark_missed(*, session: Session, subject: Subject, clip_id: int, index: int) -> Clip:
    clip = owned(session, subject, clip_id)
    protection.remove_missed(session, clip, index)
    _audit(session, subject, Action.clip_changed, clip, "missed face removed")
    return clip


def approve_protected(*, session: Session, subject: Subject, clip_id: int) -> Clip:
    clip = owned(session, subject, clip_id)
    protection.approve(session, clip, utcnow())
    _audit(session, subject, Action.clip_changed, clip, "protected approved")
    return clip


def set_person_names(*, session: Session, subject: Subject, recording_id: str, names: str) -> None:
    """The people named on the recording: hidden in what a team reads of its clips."""
    recording = policy.owned_recording(session, subject, recording_id)
    protection.set_names(session, recording, names)
    audit_on_commit(session, subject, Action.clip_changed, recording.id, "person names")
