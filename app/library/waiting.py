"""What waits for a supervisor's feedback, on their start page: the recordings and clips
shared with them on which they have published nothing yet, the one waiting longest first."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from app.access import policy
from app.accounts.models import Role
from app.accounts.subject import Subject
from app.clips.models import Clip
from app.feedback.models import Feedback, Place
from app.recordings.models import Recording


@dataclass(frozen=True)
class Waiting:
    kind: str  # "recording" or "clip"
    url: str
    title: str
    by: str  # who shared it
    since: datetime  # when it reached them


def _answered(session: Session, subject: Subject, place: Place, column: Any, ids: Any) -> set[Any]:
    """Of these recordings (or clips), those the person has published feedback in (an item
    or a reply, given there)."""
    query = select(column).where(
        col(Feedback.author_id) == subject.id,
        col(Feedback.draft).is_(False),
        col(Feedback.deleted_at).is_(None),
        col(Feedback.place) == place,
        col(column).in_(ids),
    )
    return set(session.exec(query).all())


def waiting_for(session: Session, subject: Subject) -> list[Waiting] | None:
    """For a supervisor: what waits for their feedback, oldest first (None for anyone else)."""
    if subject.role != Role.supervisor:
        return None
    found: list[Waiting] = []
    recordings = policy.shared_with_me(session, subject, clips=False)
    answered = _answered(session, subject, Place.recording, Feedback.recording_id, recordings)
    for recording_id, share in recordings.items():
        recording = session.get(Recording, recording_id)
        if recording is not None and recording_id not in answered:
            url = f"/recordings/{recording_id}"
            found.append(Waiting("recording", url, recording.title, share.by, share.at))
    clips = policy.shared_with_me(session, subject, clips=True)
    answered = _answered(session, subject, Place.clip, Feedback.clip_id, clips)
    for clip_id, share in clips.items():
        clip = session.get(Clip, clip_id)
        if clip is not None and clip_id not in answered:
            found.append(Waiting("clip", f"/clips/{clip_id}", clip.title, share.by, share.at))
    return sorted(found, key=lambda w: w.since)
