"""The rules of feedback: who may add, reply, edit, delete and publish, and what is valid.

Access goes through `app.sharing.service`: who sees a recording sees its published feedback
and may reply; a draft is its author's alone; only an item's author changes it.
"""

from collections.abc import Sequence

from sqlalchemy import delete, func, or_, true
from sqlmodel import Session, col, select

from app.accounts.models import User
from app.core.errors import BadInput, NotFound, NotPermitted
from app.core.i18n import N_
from app.core.timeutil import utcnow
from app.criteria import service as criteria
from app.criteria.models import CriterionVersion
from app.feedback import notifications
from app.feedback.models import (
    Feedback,
    FeedbackCreate,
    FeedbackCriterion,
    FeedbackUpdate,
    ReplyCreate,
)
from app.recordings.models import Recording


def clean_text(text: str) -> str:
    """Stored as given (shown as text, never run); blank or control characters refused."""
    text = text.strip()
    if not text:
        raise BadInput(N_("Write a text for the feedback."), code="feedback.text_required")
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in text if ch not in "\n\t\r"):
        raise BadInput(
            N_("The text contains invisible control characters. Remove them and try again."),
            code="feedback.text_bad_chars",
        )
    return text


def check_moment(
    recording: Recording, start: float, end: float | None
) -> tuple[float, float | None]:
    """A point or a range inside the recording; a range ends after it starts."""
    start = round(start, 3)
    end = None if end is None else round(end, 3)
    duration = round(recording.duration_seconds, 3)
    if start < 0 or start > duration or (end is not None and not 0 <= end <= duration):
        raise BadInput(
            N_("The time lies outside the recording, which lasts %(duration)s seconds."),
            code="feedback.outside_recording",
            duration=f"{duration:.1f}",
        )
    if end is not None and end < start:
        raise BadInput(
            N_("The end lies before the start. Choose an end after the start."),
            code="feedback.end_before_start",
        )
    if end is not None and end == start:
        raise BadInput(
            N_(
                "Start and end are the same moment. Choose a point in time "
                "without an end, or a stretch of the recording."
            ),
            code="feedback.zero_length",
        )
    return start, end


def _chosen_criteria(session: Session, criterion_ids: Sequence[int]) -> list[CriterionVersion]:
    chosen = criteria.choose(session=session, criterion_ids=criterion_ids)
    if not chosen and criteria.rubric_settings(session=session).criteria_required:
        raise BadInput(
            N_("Choose at least one criterion for the feedback."),
            code="feedback.criterion_required",
        )
    return chosen


def visible_to(user: User):  # type: ignore[no-untyped-def]
    """Published items, and the reader's own drafts."""
    return or_(col(Feedback.draft).is_(False), col(Feedback.author_id) == user.id)


def get_visible(
    *, session: Session, user: User, recording: Recording, feedback_id: int
) -> Feedback:
    """An item of this recording the user may see; someone else's draft does not exist."""
    item = session.get(Feedback, feedback_id)
    if (
        item is None
        or item.recording_id != recording.id
        or (item.draft and item.author_id != user.id)
    ):
        raise NotFound(N_("The feedback does not exist."), code="feedback.not_found")
    return item


def get_own(*, session: Session, user: User, recording: Recording, feedback_id: int) -> Feedback:
    """An item the user wrote: 403 for someone else's, 404 if unseen or deleted."""
    item = get_visible(session=session, user=user, recording=recording, feedback_id=feedback_id)
    if item.deleted_at is not None:
        raise NotFound(N_("The feedback does not exist."), code="feedback.not_found")
    if item.author_id != user.id:
        raise NotPermitted(
            N_("You can only edit and delete your own feedback."), code="feedback.not_yours"
        )
    return item


def _link(session: Session, item: Feedback, chosen: Sequence[CriterionVersion]) -> None:
    session.add_all(
        FeedbackCriterion(
            feedback_id=item.id,  # type: ignore[arg-type]
            criterion_id=version.criterion_id,
            criterion_version_id=version.id,  # type: ignore[arg-type]
        )
        for version in chosen
    )


def create(*, session: Session, user: User, recording: Recording, body: FeedbackCreate) -> Feedback:
    """An item at a moment: a draft unless `publish`; nothing is stored on a refusal."""
    text = clean_text(body.text)
    start, end = check_moment(recording, body.start_seconds, body.end_seconds)
    chosen = _chosen_criteria(session, body.criterion_ids)
    now = utcnow()
    item = Feedback(
        recording_id=recording.id,
        author_id=user.id,
        kind=body.kind,
        start_seconds=start,
        end_seconds=end,
        text=text,
        draft=not body.publish,
        published_at=now if body.publish else None,
        created_at=now,
    )
    session.add(item)
    session.flush()
    _link(session, item, chosen)
    session.flush()
    if body.publish:
        notifications.published(session=session, recording=recording, actor=user, items=[item])
    return item


def thread_root(session: Session, item: Feedback) -> Feedback:
    """Replies hang on the thread's first item, however deep one replies."""
    root = session.get(Feedback, item.parent_id) if item.parent_id else None
    return root or item


def reply(
    *, session: Session, user: User, recording: Recording, feedback_id: int, body: ReplyCreate
) -> Feedback:
    """Anyone who sees an item may reply; the reply is published at once."""
    parent = get_visible(session=session, user=user, recording=recording, feedback_id=feedback_id)
    root = thread_root(session, parent)
    if root.draft:
        raise BadInput(
            N_("A draft cannot be replied to. Publish it first."), code="feedback.reply_to_draft"
        )
    now = utcnow()
    item = Feedback(
        recording_id=recording.id,
        author_id=user.id,
        parent_id=root.id,
        text=clean_text(body.text),
        published_at=now,
        created_at=now,
    )
    session.add(item)
    session.flush()
    notifications.replied(
        session=session, recording=recording, actor=user, item=item, to=(root, parent)
    )
    return item


def edit(
    *, session: Session, user: User, recording: Recording, feedback_id: int, body: FeedbackUpdate
) -> Feedback:
    """The author changes their item; a published one shows that it was edited."""
    item = get_own(session=session, user=user, recording=recording, feedback_id=feedback_id)
    given = body.model_fields_set
    if item.parent_id is not None and given - {"text"}:
        raise BadInput(
            N_("Only the text of a reply can be edited."), code="feedback.reply_text_only"
        )
    if body.text is not None:
        item.text = clean_text(body.text)
    if body.kind is not None:
        item.kind = body.kind
    if "start_seconds" in given or "end_seconds" in given:
        start = body.start_seconds if body.start_seconds is not None else item.start_seconds
        assert start is not None
        end = body.end_seconds if "end_seconds" in given else item.end_seconds
        item.start_seconds, item.end_seconds = check_moment(recording, start, end)
    if body.criterion_ids is not None:
        _relink(session, item, body.criterion_ids)
    if not item.draft:
        item.edited_at = utcnow()
    session.add(item)
    session.flush()
    return item


def _relink(session: Session, item: Feedback, criterion_ids: Sequence[int]) -> None:
    """Criteria that stay keep the wording they were given under; new ones take today's."""
    links = session.exec(select(FeedbackCriterion).where(FeedbackCriterion.feedback_id == item.id))
    kept = {link.criterion_id for link in links}
    added = [i for i in criterion_ids if i not in kept]
    chosen = criteria.choose(session=session, criterion_ids=added)
    if len(set(criterion_ids)) != len(criterion_ids):
        raise BadInput(N_("The same criterion is chosen twice."), code="feedback.criterion_twice")
    if not criterion_ids and criteria.rubric_settings(session=session).criteria_required:
        raise BadInput(
            N_("Choose at least one criterion for the feedback."),
            code="feedback.criterion_required",
        )
    gone = kept - set(criterion_ids)
    if gone:
        session.execute(
            delete(FeedbackCriterion).where(
                col(FeedbackCriterion.feedback_id) == item.id,
                col(FeedbackCriterion.criterion_id).in_(gone),
            )
        )
    _link(session, item, chosen)


def remove(*, session: Session, user: User, recording: Recording, feedback_id: int) -> Feedback:
    """The author deletes their item. A draft goes; a published item keeps its place (its
    text removed) so that the replies in its thread stay readable."""
    item = get_own(session=session, user=user, recording=recording, feedback_id=feedback_id)
    if item.draft:
        session.delete(item)
    else:
        item.deleted_at = utcnow()
        item.text = ""
        session.add(item)
    session.flush()
    return item


def _overlapping(between: tuple[float, float] | None):  # type: ignore[no-untyped-def]
    """Items whose point or range touches the span (everything without one)."""
    if between is None:
        return true()
    start, end = between
    return (col(Feedback.start_seconds) <= end) & (
        func.coalesce(col(Feedback.end_seconds), col(Feedback.start_seconds)) >= start
    )


def publish(
    *,
    session: Session,
    user: User,
    recording: Recording,
    feedback_id: int | None = None,
    between: tuple[float, float] | None = None,
) -> int:
    """Publish one of the user's drafts, or all of them on the recording (or those whose
    moment overlaps `between`, a clip's span), in one step; the caseworker gets one
    notification for the lot."""
    if feedback_id is not None:
        item = get_own(session=session, user=user, recording=recording, feedback_id=feedback_id)
        if not item.draft:
            raise BadInput(N_("The feedback is already published."), code="feedback.not_a_draft")
        drafts = [item]
    else:
        drafts = list(
            session.exec(
                select(Feedback)
                .where(Feedback.recording_id == recording.id, Feedback.author_id == user.id)
                .where(col(Feedback.draft).is_(True), _overlapping(between))
                .order_by(col(Feedback.start_seconds), col(Feedback.id))
            ).all()
        )
    now = utcnow()
    for item in drafts:
        item.draft, item.published_at = False, now
        session.add(item)
    session.flush()
    if drafts:
        notifications.published(session=session, recording=recording, actor=user, items=drafts)
    return len(drafts)
