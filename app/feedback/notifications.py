"""Notifications: feedback published on your recording, a reply on it or to you.

A notification is shown while its reader can still reach the item: through the recording,
or another way registered with `add_way_to_see` (a clip shared with them: app.clips), and
it then opens that way, at the item's moment."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from app.accounts.models import User
from app.core.errors import NotFound
from app.core.i18n import N_
from app.core.timeutil import utcnow
from app.feedback.models import (
    Feedback,
    Notification,
    NotificationList,
    NotificationPublic,
    NotificationReason,
)
from app.recordings.models import Recording
from app.sharing import service as access

LIST_LIMIT = 100


def _send(
    session: Session,
    *,
    to: set[int | None],
    actor: User,
    recording: Recording,
    item: Feedback,
    reason: NotificationReason,
    count: int = 1,
) -> None:
    for user_id in sorted(i for i in to - {actor.id, None} if i is not None):
        session.add(
            Notification(
                user_id=user_id,
                recording_id=recording.id,
                feedback_id=item.id,
                actor_id=actor.id,
                reason=reason,
                count=count,
            )
        )
    session.flush()


def published(
    *, session: Session, recording: Recording, actor: User, items: Sequence[Feedback]
) -> None:
    """Feedback published to the caseworker: one notification however many items."""
    first = min(items, key=lambda i: (i.start_seconds or 0, i.id or 0))
    _send(
        session,
        to={recording.owner_id},
        actor=actor,
        recording=recording,
        item=first,
        reason=NotificationReason.published,
        count=len(items),
    )


def replied(
    *,
    session: Session,
    recording: Recording,
    actor: User,
    item: Feedback,
    to: Sequence[Feedback],
) -> None:
    """A reply: to the recording's caseworker and to the authors it answers."""
    people = {recording.owner_id, *(f.author_id for f in to)}
    _send(
        session,
        to=people,
        actor=actor,
        recording=recording,
        item=item,
        reason=NotificationReason.reply,
    )


@dataclass(frozen=True)
class Reach:
    """How a reader gets to the item a notification is about."""

    url: str  # the page, at the item's moment
    title: str  # what the reader knows it by
    recording_id: str | None  # None where they see it only another way (a clip)
    start: float | None  # the moment, in the time of what they see


# (session, reader, recording, the item's id, its moment's start and end) -> Reach or None.
WayToSee = Callable[
    [Session, User, Recording, int | None, float | None, float | None], "Reach | None"
]
_ways: list[WayToSee] = []


def add_way_to_see(way: WayToSee) -> None:
    """Another way than the recording to see its items (registered at start, app.main)."""
    if way not in _ways:
        _ways.append(way)


def moment_url(recording_id: str, start: float | None, feedback_id: int | None) -> str:
    """The recording page at the moment: its script seeks to `t` and shows `item`."""
    query = []
    if start is not None:
        query.append(f"t={format(round(start, 3), 'f').rstrip('0').rstrip('.')}")
    if feedback_id is not None:
        query.append(f"item={feedback_id}")
    return f"/recordings/{recording_id}" + (f"?{'&'.join(query)}" if query else "")


def _moment(session: Session, feedback_id: int | None) -> tuple[float | None, float | None]:
    """The item's moment; a reply's is its thread's."""
    item = session.get(Feedback, feedback_id) if feedback_id is not None else None
    if item is not None and item.start_seconds is None and item.parent_id is not None:
        item = session.get(Feedback, item.parent_id)
    return (item.start_seconds, item.end_seconds) if item is not None else (None, None)


def reach(
    *,
    session: Session,
    user: User,
    recording_id: str,
    feedback_id: int | None,
    seen: dict[str, bool] | None = None,
) -> Reach | None:
    """How this reader gets to the item now, or None: then the notification is not shown.
    `seen` keeps, across calls, whether the reader sees each recording (one check each)."""
    recording = session.get(Recording, recording_id)
    if recording is None:
        return None
    start, end = _moment(session, feedback_id)
    seen = {} if seen is None else seen
    if recording_id not in seen:
        seen[recording_id] = access.can_view(session=session, user=user, recording=recording)
    if seen[recording_id]:
        url = moment_url(recording.id, start, feedback_id)
        return Reach(url, recording.title, recording.id, start)
    for way in _ways:
        found = way(session, user, recording, feedback_id, start, end)
        if found is not None:
            return found
    return None


def list_for(*, session: Session, user: User) -> NotificationList:
    """The person's newest notifications and how many are unread."""
    rows = session.exec(
        select(Notification, User.name)
        .join(User, col(User.id) == Notification.actor_id, isouter=True)
        .where(Notification.user_id == user.id)
        .order_by(col(Notification.created_at).desc(), col(Notification.id).desc())
        .limit(LIST_LIMIT)
    ).all()
    items: list[NotificationPublic] = []
    seen: dict[str, bool] = {}
    for note, actor_name in rows:
        found = reach(
            session=session,
            user=user,
            recording_id=note.recording_id,
            feedback_id=note.feedback_id,
            seen=seen,
        )
        if found is None:
            continue
        items.append(
            NotificationPublic(
                id=note.id,  # type: ignore[arg-type]
                recording_id=found.recording_id,
                feedback_id=note.feedback_id,
                start_seconds=found.start,
                reason=note.reason,
                count=note.count,
                actor_name=actor_name,
                created_at=note.created_at,
                read=note.read_at is not None,
                title=found.title,
            )
        )
    unread = unread_count(session=session, user_id=user.id, user=user)  # type: ignore[arg-type]
    return NotificationList(items=items, unread=unread)


def unread_count(*, session: Session, user_id: int, user: User | None = None) -> int:
    """Unread notifications the person can still reach: one grouped COUNT (and nothing more
    when nothing is unread), then the access check per recording, per item only where the
    recording itself is not theirs to see."""
    unread_where = (col(Notification.user_id) == user_id) & col(Notification.read_at).is_(None)
    rows = session.exec(
        select(Notification.recording_id, func.count())
        .where(unread_where)
        .group_by(col(Notification.recording_id))
    ).all()
    if rows and user is None:
        user = session.get(User, user_id)
    if user is None:
        return 0
    total = 0
    for recording_id, count in rows:
        recording = session.get(Recording, recording_id)
        if recording is None:
            continue
        if access.can_view(session=session, user=user, recording=recording):
            total += count
        elif _ways:
            items = session.exec(
                select(Notification.feedback_id).where(
                    unread_where, Notification.recording_id == recording_id
                )
            ).all()
            total += sum(
                1
                for feedback_id in items
                if reach(
                    session=session, user=user, recording_id=recording_id, feedback_id=feedback_id
                )
            )
    return total


def mark_read(*, session: Session, user: User, notification_id: int | None = None) -> None:
    """One of the person's notifications, or all of them."""
    query = update(Notification).where(
        col(Notification.user_id) == user.id, col(Notification.read_at).is_(None)
    )
    if notification_id is not None:
        note = session.get(Notification, notification_id)
        if note is None or note.user_id != user.id:
            raise NotFound(N_("The notification does not exist."), code="notification.not_found")
        query = query.where(col(Notification.id) == notification_id)
    session.execute(query.values(read_at=utcnow()))
    session.flush()
