"""The rules of feedback, written once for every target (the recording, a clip, a team
session): who may add, reply, edit, delete, publish and bring, and what is valid.

Whoever reaches a target (`app.access.policy`, checked by the routes) sees its published
feedback and may reply; a draft is its author's alone; only an item's author changes it;
only the recording's caseworker brings an item to a clip or a team session.
"""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete
from sqlmodel import Session, col, select

from app.core.errors import BadInput, NotFound, NotPermitted
from app.core.i18n import N_
from app.core.text import free_text
from app.core.timeutil import utcnow
from app.criteria import service as criteria
from app.criteria.models import CriterionVersion
from app.feedback import notifications
from app.feedback.models import (
    TEXT_MAX,
    Brought,
    Feedback,
    FeedbackCreate,
    FeedbackCriterion,
    FeedbackUpdate,
    Place,
    ReplyCreate,
)
from app.feedback.reading import brought_to, shows
from app.feedback.targets import Here, Target


def clean_text(text: str) -> str:
    """Stored as given (shown as text, never run); blank or control characters refused."""
    required = (N_("Write a text for the feedback."), "feedback.text_required")
    return free_text(text, field="text", limit=TEXT_MAX, prefix="feedback.text_", required=required)


def check_moment(target: Target, start: float, end: float | None) -> tuple[float, float | None]:
    """A point or a range inside the target (its own times), as recording times; a range
    ends after it starts."""
    start = round(start, 3)
    end = None if end is None else round(end, 3)
    start, end = target.to_recording(start, end)
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
    return round(start, 3), None if end is None else round(end, 3)


def _chosen_criteria(session: Session, criterion_ids: Sequence[int]) -> list[CriterionVersion]:
    chosen = criteria.choose(session=session, criterion_ids=criterion_ids)
    if not chosen and criteria.rubric_settings(session=session).criteria_required:
        raise BadInput(
            N_("Choose at least one criterion for the feedback."),
            code="feedback.criterion_required",
        )
    return chosen


def _not_found() -> NotFound:
    return NotFound(N_("The feedback does not exist."), code="feedback.not_found")


def thread_root(session: Session, item: Feedback) -> Feedback:
    """Replies hang on the thread's first item, however deep one replies."""
    root = session.get(Feedback, item.parent_id) if item.parent_id else None
    return root or item


def get_visible(here: Here, feedback_id: int) -> Feedback:
    """An item or reply the reader reaches in this target: its thread is shown there, and it
    is published or their own draft; anything else does not exist."""
    item = here.session.get(Feedback, feedback_id)
    if item is None or item.recording_id != here.recording.id:
        raise _not_found()
    root = thread_root(here.session, item)
    for found in (item, root):
        if found.draft and found.author_id != here.subject.id:
            raise _not_found()
    if not shows(here, root, brought_to(here.session, here.target)):
        raise _not_found()
    return item


def get_own(here: Here, feedback_id: int) -> Feedback:
    """An item the reader wrote: 403 for someone else's, 404 if unseen or deleted."""
    item = get_visible(here, feedback_id)
    if item.deleted_at is not None:
        raise _not_found()
    if item.author_id != here.subject.id:
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


def _placed(here: Here, **fields: Any) -> Feedback:
    """A new item or reply by the reader, given in this target."""
    target = here.target
    return Feedback(
        recording_id=target.recording.id,
        author_id=here.subject.id,
        place=target.place,
        clip_id=target.clip_id,
        session_id=target.session_id,
        **fields,
    )


def create(here: Here, body: FeedbackCreate) -> Feedback:
    """An item at a moment: a draft unless `publish`; nothing is stored on a refusal."""
    session = here.session
    text = clean_text(body.text)
    start, end = check_moment(here.target, body.start_seconds, body.end_seconds)
    chosen = _chosen_criteria(session, body.criterion_ids)
    now = utcnow()
    item = _placed(
        here,
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
        notifications.published(here, items=[item])
    return item


def reply(here: Here, feedback_id: int, body: ReplyCreate) -> Feedback:
    """Anyone who sees an item may reply; the reply is published at once."""
    parent = get_visible(here, feedback_id)
    root = thread_root(here.session, parent)
    if root.draft:
        raise BadInput(
            N_("A draft cannot be replied to. Publish it first."), code="feedback.reply_to_draft"
        )
    now = utcnow()
    text = clean_text(body.text)
    item = _placed(here, parent_id=root.id, text=text, published_at=now, created_at=now)
    here.session.add(item)
    here.session.flush()
    notifications.replied(here, item=item, to=(root, parent))
    return item


def edit(here: Here, feedback_id: int, body: FeedbackUpdate) -> Feedback:
    """The author changes their item; a published one shows that it was edited. A new
    moment lies inside the target (a time left out stays as it is)."""
    item, target = get_own(here, feedback_id), here.target
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
        start = body.start_seconds
        if start is None:
            start = target.from_recording(item.start_seconds) or 0.0
        end = (
            body.end_seconds if "end_seconds" in given else target.from_recording(item.end_seconds)
        )
        item.start_seconds, item.end_seconds = check_moment(target, start, end)
    if body.criterion_ids is not None:
        _relink(here.session, item, body.criterion_ids)
    if not item.draft:
        item.edited_at = utcnow()
    here.session.add(item)
    here.session.flush()
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


def remove(here: Here, feedback_id: int) -> Feedback:
    """The author deletes their item. A draft goes; a published item keeps its place (its
    text removed) so that the replies in its thread stay readable."""
    item = get_own(here, feedback_id)
    if item.draft:
        here.session.delete(item)
    else:
        item.deleted_at = utcnow()
        item.text = ""
        here.session.add(item)
    here.session.flush()
    return item


def publish(here: Here, feedback_id: int | None = None) -> list[int]:
    """Publish one of the reader's drafts, or all of theirs shown in the target, in one step;
    the caseworker gets one notification for the lot. The ids published."""
    session = here.session
    if feedback_id is not None:
        item = get_own(here, feedback_id)
        if not item.draft:
            raise BadInput(N_("The feedback is already published."), code="feedback.not_a_draft")
        drafts = [item]
    else:
        mine = session.exec(
            select(Feedback)
            .where(
                Feedback.recording_id == here.recording.id, Feedback.author_id == here.subject.id
            )
            .where(col(Feedback.draft).is_(True), col(Feedback.parent_id).is_(None))
            .order_by(col(Feedback.start_seconds), col(Feedback.id))
        ).all()
        brought = brought_to(session, here.target)
        drafts = [item for item in mine if shows(here, item, brought)]
    now = utcnow()
    for item in drafts:
        item.draft, item.published_at = False, now
        session.add(item)
    session.flush()
    if drafts:
        notifications.published(here, items=drafts)
    return [item.id for item in drafts if item.id is not None]


def _bringing(here: Here) -> None:
    if not here.target.is_window:
        raise BadInput(
            N_("Items are brought to a clip or a team session."), code="feedback.bring_where"
        )
    if not here.caseworker:
        raise NotPermitted(
            N_("Only the recording's caseworker can do this."), code="recording.owner_only"
        )


def bring(here: Here, feedback_id: int) -> Feedback:
    """The caseworker brings one published item of theirs (with its replies) to a clip or
    a team session: seen there from now on."""
    _bringing(here)
    session, target = here.session, here.target
    item = session.get(Feedback, feedback_id)
    reached = item is not None and item.recording_id == target.recording.id
    if not reached or item.parent_id is not None or item.draft or item.deleted_at is not None:  # type: ignore[union-attr]
        raise _not_found()
    assert item is not None
    if not target.overlaps(item.start_seconds, item.end_seconds):
        raise BadInput(
            N_("The item's moment lies outside what is shown here."), code="feedback.bring_outside"
        )
    if target.given_here(item) or item.id in brought_to(session, target):
        raise BadInput(N_("The item is already shown here."), code="feedback.already_here")
    session.add(
        Brought(
            feedback_id=item.id,  # type: ignore[arg-type]
            place=target.place,
            clip_id=target.clip_id,
            session_id=target.session_id,
            brought_by_id=here.subject.id,
        )
    )
    session.flush()
    return item


def take_back(here: Here, feedback_id: int) -> None:
    """The caseworker takes a brought item back: no longer seen there."""
    _bringing(here)
    session, target = here.session, here.target
    if feedback_id not in brought_to(session, target):
        raise _not_found()
    column = Brought.clip_id if target.place == Place.clip else Brought.session_id
    session.execute(
        delete(Brought).where(
            col(Brought.feedback_id) == feedback_id,
            col(Brought.place) == target.place,
            col(column) == target.place_id,
        )
    )
    session.flush()
