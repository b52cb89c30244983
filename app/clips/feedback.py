"""Feedback given through a clip: the feedback service's rules, at clip times.

An item is stored on the recording at recording time (clip start + t), so the caseworker
finds it on the recording page too; but through a clip one reaches only the threads whose
moment overlaps the clip, and one gives feedback only inside it.
"""

from typing import Any

from sqlmodel import Session

from app.accounts.models import User
from app.clips import access, content
from app.clips.models import Clip
from app.core.errors import BadInput, NotFound
from app.core.i18n import N_
from app.criteria import service as criteria
from app.feedback import notifications, recording_view, service
from app.feedback.models import Feedback, FeedbackCreate, FeedbackUpdate, ReplyCreate
from app.recordings.models import Recording


def page_base(clip_id: int) -> str:
    """Where a clip's feedback forms post (without JavaScript) and its fragments come from."""
    return f"/clips/{clip_id}/feedback"


def _recording(session: Session, clip: Clip) -> Recording:
    recording = session.get(Recording, clip.recording_id)
    assert recording is not None  # a clip goes with its recording
    return recording


def _at(clip: Clip, start: float, end: float | None) -> tuple[float, float | None]:
    """Clip times as recording times; a time outside the clip is refused (nothing stored)."""
    duration = round(clip.duration, 3)
    for t in (start, end):
        if t is not None and not 0 <= round(t, 3) <= duration:
            raise BadInput(
                N_("The time lies outside the clip, which lasts %(duration)s seconds."),
                code="clip.feedback_outside",
                duration=f"{duration:.1f}",
            )
    return clip.start_seconds + start, None if end is None else clip.start_seconds + end


def _through(session: Session, user: User, clip: Clip, feedback_id: int) -> Feedback:
    """An item or reply the reader may reach through the clip: its thread overlaps the clip
    (and is published, or the reader's own draft); anything else does not exist."""
    item = service.get_visible(
        session=session, user=user, recording=_recording(session, clip), feedback_id=feedback_id
    )
    root = service.thread_root(session, item)
    if not content.overlaps(clip, root.start_seconds, root.end_seconds) or (
        root.draft and root.author_id != user.id
    ):
        raise NotFound(N_("The feedback does not exist."), code="feedback.not_found")
    return item


def add(*, session: Session, user: User, clip: Clip, body: FeedbackCreate) -> Feedback:
    """An item at a point or range of the clip: a draft unless `publish`."""
    start, end = _at(clip, body.start_seconds, body.end_seconds)
    shifted = body.model_copy(update={"start_seconds": start, "end_seconds": end})
    return service.create(
        session=session, user=user, recording=_recording(session, clip), body=shifted
    )


def reply(
    *, session: Session, user: User, clip: Clip, feedback_id: int, body: ReplyCreate
) -> Feedback:
    _through(session, user, clip, feedback_id)
    return service.reply(
        session=session,
        user=user,
        recording=_recording(session, clip),
        feedback_id=feedback_id,
        body=body,
    )


def edit(
    *, session: Session, user: User, clip: Clip, feedback_id: int, body: FeedbackUpdate
) -> Feedback:
    """The author's change; a new moment must lie inside the clip too (a time left out
    stays as it is)."""
    _through(session, user, clip, feedback_id)
    update: dict[str, Any] = {}
    if body.start_seconds is not None:
        update["start_seconds"] = _at(clip, body.start_seconds, None)[0]
    if body.end_seconds is not None:
        update["end_seconds"] = _at(clip, body.end_seconds, None)[0]
    shifted = body.model_copy(update=update)
    return service.edit(
        session=session,
        user=user,
        recording=_recording(session, clip),
        feedback_id=feedback_id,
        body=shifted,
    )


def remove(*, session: Session, user: User, clip: Clip, feedback_id: int) -> Feedback:
    _through(session, user, clip, feedback_id)
    return service.remove(
        session=session, user=user, recording=_recording(session, clip), feedback_id=feedback_id
    )


def publish(*, session: Session, user: User, clip: Clip, feedback_id: int | None = None) -> int:
    """One draft, or all the reader's drafts on the clip (one notification for the lot)."""
    if feedback_id is not None:
        _through(session, user, clip, feedback_id)
    return service.publish(
        session=session,
        user=user,
        recording=_recording(session, clip),
        feedback_id=feedback_id,
        between=None if feedback_id is not None else (clip.start_seconds, clip.end_seconds),
    )


def thread(*, session: Session, user: User, clip: Clip, feedback_id: int) -> content.ClipFeedback:
    """The thread an item or reply belongs to, as the reader now sees it through the clip."""
    item = _through(session, user, clip, feedback_id)
    root_id = service.thread_root(session, item).id
    found = next(
        (t for t in content.feedback(session=session, user=user, clip=clip) if t.id == root_id),
        None,
    )
    if found is None:  # a deleted item whose replies are gone
        raise NotFound(N_("The feedback no longer exists."), code="feedback.not_found")
    return found


def as_read(*, session: Session, user: User, clip: Clip, item: Feedback) -> content.ClipFeedback:
    """What the API answers after a change: the thread, or the reply within it."""
    found = thread(session=session, user=user, clip=clip, feedback_id=item.id)  # type: ignore[arg-type]
    if item.parent_id is None:
        return found
    return next(r for r in found.replies if r.id == item.id)


def _clip_marker(item: content.ClipFeedback) -> dict[str, Any]:
    return recording_view.marker(item, [c.id for c in item.criteria])


def page_view(
    *, session: Session, user: User, clip: Clip, lang: str
) -> tuple[list[content.ClipFeedback], recording_view.FeedbackView]:
    """The clip's threads and what the feedback form, drafts bar and timeline need (the
    recording page's partials), every time a clip time."""
    threads = content.feedback(session=session, user=user, clip=clip)

    def name(da: str, en: str) -> str:
        return en if lang == "en" else da

    choices = [
        recording_view.CriterionChoice(
            id=c.id,
            number=c.number,
            name=name(c.name_da, c.name_en),
            description=name(c.description_da, c.description_en),
        )
        for c in criteria.to_public(criteria.catalogue(session=session))
        if not c.retired
    ]
    names = {c.id: name(c.name_da, c.name_en) for t in threads for c in t.criteria}
    names.update({c.id: c.name for c in choices})
    # The clip's threads go beside the view: the form, drafts bar and timeline read the rest.
    view = recording_view.FeedbackView(
        threads=[],  # type: ignore[arg-type]
        total=len(threads),
        markers=[_clip_marker(t) for t in threads],
        criteria=choices,
        names=names,
        drafts=sum(1 for t in threads if t.draft),
        required=criteria.rubric_settings(session=session).criteria_required,
    )
    return threads, view


def seen_through_clip(
    session: Session,
    user: User,
    recording: Recording,
    feedback_id: int | None,
    start: float | None,
    end: float | None,
) -> notifications.Reach | None:
    """A notification's item where its reader sees it only through a clip shared with them
    (registered in app.main): the clip's page at the item's moment in clip time."""
    if start is None:
        return None
    for clip in access.clips_of(session=session, recording_id=recording.id):
        if content.overlaps(clip, start, end) and access.can_see(
            session=session, user=user, clip=clip
        ):
            at = round(max(0.0, start - clip.start_seconds), 3)
            url = f"/clips/{clip.id}?t={format(at, 'f').rstrip('0').rstrip('.') or '0'}"
            return notifications.Reach(url, clip.title, None, at)
    return None
