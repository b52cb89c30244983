"""Notifications: feedback published on your recording, a reply on it or to you."""

from collections.abc import Sequence

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


def _still_visible(session: Session, user: User, recording_ids: set[str]) -> set[str]:
    """A notification about a recording the person can no longer see is not shown."""
    seen = set()
    for recording_id in recording_ids:
        recording = session.get(Recording, recording_id)
        if recording and access.can_view(session=session, user=user, recording=recording):
            seen.add(recording_id)
    return seen


def list_for(*, session: Session, user: User) -> NotificationList:
    """The person's newest notifications and how many are unread."""
    rows = session.exec(
        select(Notification, Feedback.start_seconds, Feedback.parent_id, User.name)
        .join(Feedback, col(Feedback.id) == Notification.feedback_id, isouter=True)
        .join(User, col(User.id) == Notification.actor_id, isouter=True)
        .where(Notification.user_id == user.id)
        .order_by(col(Notification.created_at).desc(), col(Notification.id).desc())
        .limit(LIST_LIMIT)
    ).all()
    visible = _still_visible(session, user, {n.recording_id for n, *_ in rows})
    items = []
    for note, start, parent_id, actor_name in rows:
        if note.recording_id not in visible:
            continue
        if start is None and parent_id is not None:  # a reply: its item's moment
            start = session.exec(
                select(Feedback.start_seconds).where(Feedback.id == parent_id)
            ).first()
        items.append(
            NotificationPublic(
                id=note.id,  # type: ignore[arg-type]
                recording_id=note.recording_id,
                feedback_id=note.feedback_id,
                start_seconds=start,
                reason=note.reason,
                count=note.count,
                actor_name=actor_name,
                created_at=note.created_at,
                read=note.read_at is not None,
            )
        )
    unread_where = (col(Notification.user_id) == user.id) & col(Notification.read_at).is_(None)
    unread_on = set(
        session.exec(select(Notification.recording_id).where(unread_where).distinct()).all()
    )
    unread = session.exec(
        select(func.count())
        .select_from(Notification)
        .where(unread_where)
        .where(col(Notification.recording_id).in_(_still_visible(session, user, unread_on)))
    ).one()
    return NotificationList(items=items, unread=unread)


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
