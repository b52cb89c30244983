"""Notifications: feedback published on your recording, a reply on it or to you, a
caseworker's self-reflection published to the supervisors who see it, a recording or a clip
shared with you, an invitation to a sparring session.

A notification is made only for someone who can open what it is about, and shown while they
still can (the access rule decides at every reading): an item where it was given, on the
recording or through a clip or a team session (ways registered with `add_way_to_see`), or
where its caseworker brought it, opened at its moment; a recording; a clip or a session
(openers registered with `add_opener`). Those packages sit above this one: app.main
registers them. Each person also gets the kinds they chose by e-mail (notification_mail).
"""

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from app.access import policy
from app.access.audience import people_shared_with
from app.access.events import Granted
from app.accounts.models import Role, User
from app.accounts.subject import Subject
from app.core.errors import NotFound
from app.core.i18n import N_
from app.core.timeutil import utcnow
from app.feedback import notification_mail
from app.feedback.models import (
    FEEDBACK_REASONS,
    Feedback,
    Notification,
    NotificationList,
    NotificationPublic,
    NotificationReason,
    Place,
)
from app.feedback.notification_mail import Invitation
from app.feedback.targets import Here
from app.recordings.models import Recording

LIST_LIMIT = 100


def notify(
    session: Session,
    *,
    to: Iterable[int | None],
    by: Subject,
    reason: NotificationReason,
    recording_id: str | None,
    feedback_id: int | None = None,
    clip_id: int | None = None,
    session_id: int | None = None,
    count: int = 1,
    invitation: Invitation | None = None,
) -> list[Notification]:
    """One notification to each person named but the one acting who can open what it is
    about; by e-mail too to those who chose it, once committed."""
    made = []
    for uid in sorted({i for i in to if i is not None} - {by.id}):
        person = session.get(User, uid)
        if person is None:
            continue
        note = Notification(
            user_id=uid,
            recording_id=recording_id,
            feedback_id=feedback_id,
            clip_id=clip_id,
            session_id=session_id,
            actor_id=by.id,
            reason=reason,
        )
        note.count = count
        if opens(session, Subject.of(person), note) is None:
            continue
        session.add(note)
        made.append((note, person))
    session.flush()
    notification_mail.send(session, made, actor=by.name, invitation=invitation)
    return [note for note, _ in made]


def published(here: Here, *, items: Sequence[Feedback]) -> None:
    """Feedback published, one notification however many items: to the caseworker, or, when
    the caseworker publishes their own (self-reflection), to the supervisors who see it."""
    first = min(items, key=lambda i: (i.start_seconds or 0, i.id or 0))
    recording = here.recording
    reason, people = NotificationReason.published, {recording.owner_id}
    if here.subject.id == recording.owner_id:
        reason, people = NotificationReason.reflection, _supervisors(here.session, recording)
    notify(
        here.session,
        to=people,
        by=here.subject,
        reason=reason,
        recording_id=recording.id,
        feedback_id=first.id,
        count=len(items),
    )


def _supervisors(session: Session, recording: Recording) -> set[int]:
    """The supervisors some share of the recording (or of a clip of it) reaches: `notify`
    keeps those who see the item."""
    shared = people_shared_with(session=session, recording_id=recording.id)
    if not shared:
        return set()
    found = session.exec(
        select(User.id).where(col(User.id).in_(shared), User.role == Role.supervisor)
    ).all()
    return {i for i in found if i is not None}


def replied(here: Here, *, item: Feedback, to: Sequence[Feedback]) -> None:
    """A reply: to the recording's caseworker and to the authors it answers."""
    people = {here.recording.owner_id, *(f.author_id for f in to)}
    notify(
        here.session,
        to=people,
        by=here.subject,
        reason=NotificationReason.reply,
        recording_id=here.recording.id,
        feedback_id=item.id,
    )


def shared(session: Session, grant: Granted) -> None:
    """A share now reaches these people (registered with app.access.events in app.main)."""
    clip = grant.clip_id is not None
    notify(
        session,
        to=grant.people,
        by=grant.by,
        reason=NotificationReason.clip_shared if clip else NotificationReason.shared,
        recording_id=grant.recording_id,
        clip_id=grant.clip_id,
    )


@dataclass(frozen=True)
class Reach:
    """How a reader gets to what a notification is about."""

    url: str  # the page, at the item's moment
    title: str  # what the reader knows it by
    recording_id: str | None  # None where they see it only another way (a clip)
    start: float | None  # the moment, in the time of what they see
    at: datetime | None = None  # a session's time


# (session, reader, recording, the thread's first item) -> Reach or None: a clip or a team
# session the reader sees the item in (where given, or brought by the caseworker).
WayToSee = Callable[[Session, Subject, Recording, Feedback], "Reach | None"]
_ways: list[WayToSee] = []
# (session, reader, notification) -> Reach or None: a clip, or a session, it is about.
Opener = Callable[[Session, Subject, Notification], "Reach | None"]
_openers: dict[NotificationReason, Opener] = {}


def add_way_to_see(way: WayToSee) -> None:
    """Another way than the recording to see its items (registered at start, app.main)."""
    if way not in _ways:
        _ways.append(way)


def add_opener(reason: NotificationReason, opener: Opener) -> None:
    """How a reader opens what notifications of this reason are about (app.main)."""
    _openers[reason] = opener


def opens(
    session: Session, subject: Subject, note: Notification, seen: dict[str, bool] | None = None
) -> Reach | None:
    """Where this reader opens what the notification is about now, or None: then it is
    neither made nor shown."""
    # Without a recording: an invitation to a session without one (a joint reflection).
    on_recording = note.recording_id is not None
    if on_recording and note.reason in FEEDBACK_REASONS:
        return reach(session, subject, note.recording_id, note.feedback_id, seen)  # type: ignore[arg-type]
    if on_recording and note.reason == NotificationReason.shared:
        recording = session.get(Recording, note.recording_id)
        if recording is None or not policy.reads_recording(session, subject, recording):
            return None
        return Reach(f"/recordings/{recording.id}", recording.title, recording.id, None)
    opener = _openers.get(note.reason)
    return opener(session, subject, note) if opener is not None else None


def moment_url(page: str, start: float | None, feedback_id: int | None = None) -> str:
    """A page at the moment: its script seeks to `t` and shows `item`."""
    query = []
    if start is not None:
        query.append(f"t={format(round(start, 3), 'f').rstrip('0').rstrip('.') or '0'}")
    if feedback_id is not None:
        query.append(f"item={feedback_id}")
    return page + (f"?{'&'.join(query)}" if query else "")


def _root(session: Session, feedback_id: int | None) -> Feedback | None:
    item = session.get(Feedback, feedback_id) if feedback_id is not None else None
    if item is not None and item.parent_id is not None:
        return session.get(Feedback, item.parent_id)
    return item


def reach(
    session: Session,
    subject: Subject,
    recording_id: str,
    feedback_id: int | None,
    seen: dict[str, bool] | None = None,
) -> Reach | None:
    """How this reader gets to the item now, or None: then the notification is not shown.
    `seen` keeps, across calls, whether the reader sees each recording (one check each)."""
    recording = session.get(Recording, recording_id)
    root = _root(session, feedback_id)
    if recording is None or root is None:
        return None
    seen = {} if seen is None else seen
    if recording_id not in seen:
        seen[recording_id] = policy.reads_recording(session, subject, recording)
    # The recording page shows the items given on it, and its caseworker every item.
    on_page = seen[recording_id] and (
        root.place == Place.recording or recording.owner_id == subject.id
    )
    page = Reach(
        moment_url(f"/recordings/{recording.id}", root.start_seconds, feedback_id),
        recording.title,
        recording.id,
        root.start_seconds,
    )
    if on_page and root.place == Place.recording:
        return page
    for way in _ways:  # where it was given, or brought
        found = way(session, subject, recording, root)
        if found is not None:
            return found
    return page if on_page else None


def list_for(*, session: Session, subject: Subject) -> NotificationList:
    """The person's newest notifications and how many are unread."""
    rows = session.exec(
        select(Notification, User.name)
        .join(User, col(User.id) == Notification.actor_id, isouter=True)
        .where(Notification.user_id == subject.id)
        .order_by(col(Notification.created_at).desc(), col(Notification.id).desc())
        .limit(LIST_LIMIT)
    ).all()
    items: list[NotificationPublic] = []
    seen: dict[str, bool] = {}
    for note, actor_name in rows:
        found = opens(session, subject, note, seen)
        if found is not None:
            items.append(_public(note, actor_name, found))
    return NotificationList(items=items, unread=unread_count(session=session, subject=subject))


def _public(note: Notification, actor_name: str | None, found: Reach) -> NotificationPublic:
    """The notification as its reader sees it: the moment and the title where they reach it."""
    where = {
        "recording_id": found.recording_id,
        "start_seconds": found.start,
        "title": found.title,
        "starts_at": found.at,
    }
    read = note.read_at is not None
    return NotificationPublic.model_validate(
        note, update={"actor_name": actor_name, "read": read, **where}
    )


def unread_count(*, session: Session, subject: Subject) -> int:
    """Unread notifications the person can still open: one grouped COUNT (and nothing more
    when nothing is unread); the caseworker reaches every item on their own recordings,
    anything else is checked one by one."""
    unread_where = (col(Notification.user_id) == subject.id) & col(Notification.read_at).is_(None)
    rows = session.exec(
        select(Notification.recording_id, Notification.reason, func.count())
        .where(unread_where)
        .group_by(col(Notification.recording_id), col(Notification.reason))
    ).all()
    total = 0
    seen: dict[str, bool] = {}
    for recording_id, reason, count in rows:
        recording = session.get(Recording, recording_id) if recording_id is not None else None
        if recording is None and recording_id is not None:
            continue
        if (
            recording is not None
            and reason in FEEDBACK_REASONS
            and recording.owner_id == subject.id
            and policy.reads_recording(session, subject, recording)
        ):
            total += count
            continue
        notes = session.exec(
            select(Notification).where(
                unread_where,
                col(Notification.recording_id).is_(None)
                if recording_id is None
                else Notification.recording_id == recording_id,
                Notification.reason == reason,
            )
        ).all()
        total += sum(1 for note in notes if opens(session, subject, note, seen))
    return total


def mark_read(*, session: Session, subject: Subject, notification_id: int | None = None) -> None:
    """One of the person's notifications, or all of them."""
    query = update(Notification).where(
        col(Notification.user_id) == subject.id, col(Notification.read_at).is_(None)
    )
    if notification_id is not None:
        note = session.get(Notification, notification_id)
        if note is None or note.user_id != subject.id:
            raise NotFound(N_("The notification does not exist."), code="notification.not_found")
        query = query.where(col(Notification.id) == notification_id)
    session.execute(query.values(read_at=utcnow()))
    session.flush()
