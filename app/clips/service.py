"""Clips: the caseworker makes, changes and removes them, shares them; the worker cuts them.

`visible_clip`, `can_see`, `clips_of` and `visible_clips` are what other features (sessions)
use.
"""

import math

from sqlalchemy import delete
from sqlmodel import Session, col, select

from app.accounts.models import Team, TeamMember, User
from app.clips import cutting
from app.clips.access import can_see, clips_of, owned_clip, visible_clip, visible_clips
from app.clips.models import (
    REQUEST_MAX,
    TITLE_MAX,
    Clip,
    ClipCreate,
    ClipShare,
    ClipShareMember,
    ClipSharePublic,
    ClipStatus,
    ClipUpdate,
)
from app.core.db import after_commit
from app.core.errors import BadInput, Conflict, NotFound
from app.core.i18n import N_
from app.core.timeutil import utcnow
from app.jobs import service as job_service
from app.recordings import service as recording_service
from app.recordings.models import Recording
from app.sharing.service import SHARE_ROLES

__all__ = ["can_see", "clips_of", "owned_clip", "visible_clip", "visible_clips"]

# Shorter than this is not a moment a team can talk about.
MIN_SECONDS = 1.0


def _text(value: str, *, field: str, max_length: int, required: bool) -> str:
    value = value.strip()
    if required and not value:
        raise BadInput(N_("Give the clip a title."), code="clip.title_required", field=field)
    if len(value) > max_length:
        raise BadInput(
            N_("The text is too long: at most %(max)s characters."),
            code="clip.too_long",
            field=field,
            max=max_length,
        )
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in value if ch not in "\n\t\r"):
        raise BadInput(
            N_("The text contains invisible control characters. Remove them and try again."),
            code="clip.bad_chars",
            field=field,
        )
    return value


def check_span(recording: Recording, start: float, end: float) -> tuple[float, float]:
    """A stretch inside the recording, at least a second long, that ends after it starts."""
    duration = round(recording.duration_seconds, 3)
    if not (math.isfinite(start) and math.isfinite(end)):
        start, end = -1.0, -1.0  # refused below as outside
    start, end = round(start, 3), round(end, 3)
    if start < 0 or end < 0 or start > duration or end > duration:
        raise BadInput(
            N_("The clip must lie within the recording, which lasts %(duration)s seconds."),
            code="clip.outside_recording",
            duration=f"{duration:.1f}",
        )
    if end < start:
        raise BadInput(
            N_("The clip ends before it starts. Choose an end after the start."),
            code="clip.end_before_start",
        )
    if end == start:
        raise BadInput(
            N_("The clip has no length: its start and end are the same moment."),
            code="clip.zero_length",
        )
    if end - start < MIN_SECONDS:
        raise BadInput(N_("A clip must last at least one second."), code="clip.too_short")
    return start, end


def _queue_cut(session: Session, clip: Clip) -> None:
    """A new job cuts the clip (again); sent to the queue once committed."""
    assert clip.id is not None
    job = job_service.create(session=session, recording_id=clip.recording_id, clip_id=clip.id)
    cutting.follow_job(session=session, state=job_service.queued_state(job))
    job_id = job.id
    assert job_id is not None

    def enqueue() -> None:
        from app.jobs import queue  # opens its store when first needed

        # If the queue is down this is logged; the worker's recovery loop sends it later.
        queue.enqueue(job_id)

    after_commit(session, enqueue)


def create(*, session: Session, recording: Recording, user: User, body: ClipCreate) -> Clip:
    """A clip of the caller's own ready recording (the route checked ownership)."""
    recording_service.require_ready(recording)
    start, end = check_span(recording, body.start_seconds, body.end_seconds)
    clip = Clip(
        recording_id=recording.id,
        owner_id=recording.owner_id,
        title=_text(body.title, field="title", max_length=TITLE_MAX, required=True),
        request_text=_text(
            body.request_text, field="request_text", max_length=REQUEST_MAX, required=False
        ),
        start_seconds=start,
        end_seconds=end,
    )
    session.add(clip)
    session.flush()
    _queue_cut(session, clip)
    return clip


def update(*, session: Session, clip: Clip, body: ClipUpdate) -> Clip:
    """Change the words, or the times (the clip is cut again)."""
    if body.title is not None:
        clip.title = _text(body.title, field="title", max_length=TITLE_MAX, required=True)
    if body.request_text is not None:
        clip.request_text = _text(
            body.request_text, field="request_text", max_length=REQUEST_MAX, required=False
        )
    if body.start_seconds is not None or body.end_seconds is not None:
        recording = session.get(Recording, clip.recording_id)
        assert recording is not None
        start = clip.start_seconds if body.start_seconds is None else body.start_seconds
        end = clip.end_seconds if body.end_seconds is None else body.end_seconds
        start, end = check_span(recording, start, end)
        if (start, end) != (clip.start_seconds, clip.end_seconds):
            clip.start_seconds, clip.end_seconds = start, end
            # The old cut no longer shows these times: nobody sees it while the new one is made.
            cutting.remove_files_after_commit(
                session, clip.recording_id, clip.media_name, clip.poster_name
            )
            clip.media_name = clip.media_mime = clip.poster_name = None
            clip.status = ClipStatus.queued
            session.add(clip)
            session.flush()
            _queue_cut(session, clip)
    clip.updated_at = utcnow()
    session.add(clip)
    session.flush()
    return clip


def remove(*, session: Session, clip: Clip) -> None:
    """The clip, its shares and (once committed) its files; a job still cutting it ends
    without keeping anything."""
    cutting.remove_files_after_commit(session, clip.recording_id, clip.media_name, clip.poster_name)
    session.delete(clip)
    session.flush()


# Shares --------------------------------------------------------------------------------


def _eligible_members(*, session: Session, clip: Clip, team_id: int) -> list[User]:
    query = (
        select(User)
        .join(TeamMember, col(TeamMember.user_id) == User.id)
        .where(col(TeamMember.team_id) == team_id, col(User.role).in_(SHARE_ROLES))
        .where(col(User.id) != clip.owner_id, col(User.active).is_(True))
    )
    return list(session.exec(query).all())


def share(
    *, session: Session, clip: Clip, by: User, user_id: int | None, team_id: int | None
) -> ClipShare:
    """Share the clip (only the clip) with one person or the team's members now."""
    if (user_id is None) == (team_id is None):
        raise BadInput(N_("Choose one person or one team to share with."), code="share.pick_one")
    if user_id is not None:
        person = session.get(User, user_id)
        if person is None or not person.active or person.role not in SHARE_ROLES:
            raise BadInput(N_("The clip cannot be shared with that user."), code="share.bad_person")
        if person.id == clip.owner_id:
            raise BadInput(N_("You already have access to your own clip."), code="share.self")
        existing = select(ClipShare).where(
            ClipShare.clip_id == clip.id, ClipShare.user_id == user_id
        )
    else:
        if session.get(Team, team_id) is None:
            raise BadInput(N_("The team does not exist."), code="share.bad_team")
        existing = select(ClipShare).where(
            ClipShare.clip_id == clip.id, ClipShare.team_id == team_id
        )
    if session.exec(existing).first() is not None:
        raise Conflict(N_("The clip is already shared with them."), code="share.exists")
    row = ClipShare(clip_id=clip.id, user_id=user_id, team_id=team_id, shared_by_id=by.id)  # type: ignore[arg-type]
    session.add(row)
    session.flush()
    if team_id is not None:
        for member in _eligible_members(session=session, clip=clip, team_id=team_id):
            session.add(ClipShareMember(share_id=row.id, user_id=member.id, team_id=team_id))  # type: ignore[arg-type]
        session.flush()
    return row


def unshare(*, session: Session, clip: Clip, share_id: int) -> None:
    """Withdraw a share: the next request of anyone it reached is a 404."""
    row = session.get(ClipShare, share_id)
    if row is None or row.clip_id != clip.id:
        raise NotFound(
            N_("The share does not exist (perhaps already withdrawn)."), code="share.not_found"
        )
    session.execute(delete(ClipShare).where(col(ClipShare.id) == share_id))


def shares_of(*, session: Session, clip: Clip) -> list[ClipSharePublic]:
    rows = session.exec(
        select(ClipShare).where(ClipShare.clip_id == clip.id).order_by(col(ClipShare.id))
    ).all()
    out = []
    for row in rows:
        if row.user_id is not None:
            person = session.get(User, row.user_id)
            label, members = (person.name if person else "?"), [row.user_id]
        else:
            team = session.get(Team, row.team_id)
            label = team.name if team else "?"
            members = list(
                session.exec(
                    select(ClipShareMember.user_id).where(ClipShareMember.share_id == row.id)
                ).all()
            )
        out.append(
            ClipSharePublic(
                id=row.id,  # type: ignore[arg-type]
                clip_id=row.clip_id,
                user_id=row.user_id,
                team_id=row.team_id,
                label=label,
                member_ids=members,
            )
        )
    return out
