"""What a person does with feedback in a target: check, change, audit (once for every target).

The target comes resolved through `app.access.policy` by the route's dependency (as `Here`:
who, where, in which transaction); the service checks what is the author's or the
caseworker's; the audit log gets the entry once the change is committed, naming the clip or
session it went through.
"""

from app.audit.service import Action, audit_on_commit, audit_viewing
from app.feedback import service
from app.feedback.models import (
    Feedback,
    FeedbackCreate,
    FeedbackPublic,
    FeedbackUpdate,
    PublishResult,
    ReplyCreate,
)
from app.feedback.reading import Reading
from app.feedback.targets import Here


def _audit(here: Here, action: str, words: str) -> None:
    target = here.target
    audit_on_commit(here.session, here.subject, action, target.recording.id, target.detail(words))


def viewed(here: Here) -> Reading:
    """The feedback as the reader sees it here: a viewing in the audit log."""
    target = here.target
    detail = target.detail("feedback")
    audit_viewing(
        here.session, here.subject, Action.view, target.recording.id, target.audit_kind, detail
    )
    return Reading(here)


def as_read(here: Here, item: Feedback) -> FeedbackPublic:
    """The item as the reader now sees it (with its thread's replies if it starts one)."""
    found = Reading(here).one(item.id or 0)
    if found is None:  # the caller has just written or reached it: the reader sees it
        raise LookupError(f"feedback {item.id} not visible to its writer")
    return found


def add(here: Here, body: FeedbackCreate) -> Feedback:
    item = service.create(here, body)
    _audit(here, Action.feedback_added, f"feedback {item.id}")
    return item


def reply(here: Here, feedback_id: int, body: ReplyCreate) -> Feedback:
    """Anyone who sees the item replies in its thread."""
    item = service.reply(here, feedback_id, body)
    _audit(here, Action.feedback_added, f"reply {item.id}")
    return item


def edit(here: Here, feedback_id: int, body: FeedbackUpdate) -> Feedback:
    item = service.edit(here, feedback_id, body)
    _audit(here, Action.feedback_edited, f"feedback {feedback_id}")
    return item


def delete(here: Here, feedback_id: int) -> None:
    service.remove(here, feedback_id)
    _audit(here, Action.feedback_deleted, f"feedback {feedback_id}")


def publish(here: Here, feedback_id: int | None = None) -> PublishResult:
    """One draft, or all the reader's drafts here (one notification for the lot)."""
    ids = service.publish(here, feedback_id)
    words = f"feedback {feedback_id}" if feedback_id is not None else f"{len(ids)} items"
    _audit(here, Action.feedback_published, words)
    return PublishResult(published=len(ids), ids=ids)


def bring(here: Here, feedback_id: int) -> Feedback:
    """The caseworker shows one more of their items here."""
    item = service.bring(here, feedback_id)
    _audit(here, Action.feedback_brought, f"feedback {feedback_id}")
    return item


def take_back(here: Here, feedback_id: int) -> None:
    service.take_back(here, feedback_id)
    _audit(here, Action.feedback_taken_back, f"feedback {feedback_id}")
