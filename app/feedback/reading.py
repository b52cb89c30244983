"""Feedback as one reader sees it in one target: threads in time order, a page of them for
the API, grouped by criterion, and what its caseworker could bring there.

Which threads a target shows is decided here, once: on the recording, the items given on it
(its caseworker sees all, wherever given); through a clip or a team session, the items given
there and those the caseworker brought, within its window. Drafts are their author's alone;
replies follow their item.
"""

import json
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, or_, select

from app.accounts.models import User
from app.accounts.subject import Subject
from app.criteria import service as criteria
from app.feedback.models import (
    KIND_ORDER,
    Brought,
    CriterionGroupPublic,
    CriterionRef,
    Feedback,
    FeedbackCriterion,
    FeedbackGrouped,
    FeedbackKind,
    FeedbackList,
    FeedbackPublic,
    KindCounts,
    Place,
)
from app.feedback.reflection import waits_for_reflection
from app.feedback.targets import Here, Target

# What every item's row carries: enough to order, filter, count and draw the markers of a
# recording with thousands of items. Plain rows load several times faster than ORM objects,
# and the times (parsed from text on SQLite) are read only for the items shown (`_TIMES`).
COLUMNS = (
    Feedback.id,
    Feedback.parent_id,
    Feedback.author_id,
    Feedback.kind,
    Feedback.start_seconds,
    Feedback.end_seconds,
    Feedback.text,
    Feedback.draft,
    Feedback.place,
    Feedback.clip_id,
    Feedback.session_id,
    col(Feedback.edited_at).is_not(None).label("edited"),
    col(Feedback.deleted_at).is_not(None).label("deleted"),
)
# The API list's page of threads: by default, and at most.
PAGE, PAGE_MAX = 200, 1000
_TIMES = (Feedback.id, Feedback.created_at, Feedback.published_at, Feedback.edited_at)
# Above this many items the times are read for the whole recording in one query rather than
# by id (a long IN list costs more than the rows it saves).
_TIMES_BY_ID = 500


def visible_to(subject: Subject) -> Any:
    """Published items, and the reader's own drafts."""
    return or_(col(Feedback.draft).is_(False), col(Feedback.author_id) == subject.id)


def brought_to(session: Session, target: Target) -> set[int]:
    """The ids of the items the caseworker brought to this clip or session."""
    if not target.is_window:
        return set()
    column = Brought.clip_id if target.place == Place.clip else Brought.session_id
    query = select(Brought.feedback_id).where(Brought.place == target.place)
    return set(session.exec(query.where(col(column) == target.place_id)).all())


def seen_in(session: Session, item: Feedback, place: Place) -> list[int]:
    """The clips (or the sessions) a thread's first item is shown in: where it was given,
    and where its caseworker brought it."""
    given = item.clip_id if place == Place.clip else item.session_id
    ids = [given] if item.place == place and given is not None else []
    column = Brought.clip_id if place == Place.clip else Brought.session_id
    query = select(column).where(Brought.feedback_id == item.id, Brought.place == place)
    return ids + [i for i in session.exec(query).all() if i is not None]


def shows(here: Here, row: Any, brought: set[int]) -> bool:
    """Whether the target shows a thread's first item (a row of COLUMNS) to the reader."""
    target = here.target
    if target.place == Place.recording:
        return here.caseworker or target.given_here(row)
    given_or_brought = target.given_here(row) or row.id in brought
    return given_or_brought and target.overlaps(row.start_seconds, row.end_seconds)


class Reading:
    """What one reader may see of the feedback in one target, loaded in a few queries."""

    def __init__(self, here: Here) -> None:
        session, subject, target = here.session, here.subject, here.target
        self.session, self.subject, self.target = session, subject, target
        recording = target.recording
        rows: list[Any] = list(
            session.exec(
                select(*COLUMNS)  # type: ignore[call-overload]
                .where(Feedback.recording_id == recording.id, visible_to(subject))
                .order_by(col(Feedback.created_at), col(Feedback.id))
            ).all()
        )
        self.brought = brought_to(session, target)
        brought = self.brought
        # The administrator may ask the caseworker to reflect first: until they have, only
        # their own items show them (app.scores.service.waits_for_reflection).
        self.waiting = waits_for_reflection(session, subject, recording)
        if self.waiting:
            rows = [r for r in rows if r.author_id == subject.id]
        roots = {r.id for r in rows if r.parent_id is None and shows(here, r, brought)}
        self.items: list[Any] = [r for r in rows if (r.parent_id or r.id) in roots]
        # What the caseworker could bring here: their recording's other published items in
        # the window (shown to them alone, beside the list).
        self.bringable: list[Any] = []
        if target.is_window and here.caseworker:
            self.bringable = [
                r
                for r in rows
                if r.parent_id is None
                and r.id not in roots
                and not r.draft
                and not r.deleted
                and target.overlaps(r.start_seconds, r.end_seconds)
            ]
        self._times: dict[int, tuple[datetime, datetime | None, datetime | None]] = {}
        links = session.exec(
            select(
                FeedbackCriterion.feedback_id,
                FeedbackCriterion.criterion_id,
                FeedbackCriterion.criterion_version_id,
            )
            .join(Feedback, col(Feedback.id) == FeedbackCriterion.feedback_id)
            .where(Feedback.recording_id == recording.id)
        ).all()
        wordings = criteria.versions(
            session=session, version_ids=[version_id for _, _, version_id in links]
        )
        retired = criteria.retired_ids(session=session)
        # One reference per wording, shared by every item given under it.
        refs = {
            version_id: CriterionRef.model_construct(
                id=wording.criterion_id,
                version=wording.version,
                name_da=wording.name_da,
                name_en=wording.name_en,
                retired=wording.criterion_id in retired,
            )
            for version_id, wording in wordings.items()
        }
        self.criteria: dict[int, list[CriterionRef]] = defaultdict(list)
        for feedback_id, _, version_id in links:
            self.criteria[feedback_id].append(refs[version_id])
        authors = {i.author_id for i in [*self.items, *self.bringable] if i.author_id is not None}
        self.names = (
            dict(session.exec(select(User.id, User.name).where(col(User.id).in_(authors))).all())
            if authors
            else {}
        )

    def load_times(self, rows: Iterable[tuple[Any, list[Any]]]) -> None:
        """Read the times of these threads' items, once, before they are shown."""
        wanted = [
            i.id for root, replies in rows for i in (root, *replies) if i.id not in self._times
        ]
        if not wanted:
            return
        query: Any = select(*_TIMES).where(Feedback.recording_id == self.target.recording.id)  # type: ignore[call-overload,type-var]
        if len(wanted) <= _TIMES_BY_ID:
            query = query.where(col(Feedback.id).in_(wanted))
        for feedback_id, created, published, edited in self.session.exec(query):
            self._times[int(feedback_id)] = (created, published, edited)

    def plain(self, item: Any) -> dict[str, Any]:
        """An item (a row of COLUMNS) as the reader sees it here, as FeedbackPublic's fields."""
        if item.id not in self._times:
            self.load_times([(item, [])])
        created, published, edited = self._times[item.id]
        return {
            "id": item.id,
            "parent_id": item.parent_id,
            "author_id": item.author_id,
            "author_name": self.names.get(item.author_id) if item.author_id else None,
            "own": item.author_id == self.subject.id,
            "self_reflection": item.author_id == self.target.recording.owner_id,
            "kind": FeedbackKind(item.kind) if item.kind else None,
            "start_seconds": self.target.from_recording(item.start_seconds),
            "end_seconds": self.target.from_recording(item.end_seconds),
            "criteria": self.criteria.get(item.id, []),
            "text": self.target.shown(item.text),
            "draft": item.draft,
            "created_at": created,
            "published_at": published,
            "edited": bool(item.edited),
            "edited_at": edited,
            "deleted": bool(item.deleted),
            "place": Place(item.place),
            "brought": item.id in self.brought,
            "replies": [],
        }

    def public(self, item: Any) -> FeedbackPublic:
        """Built without validation: every value comes from the database, already typed."""
        return FeedbackPublic.model_construct(**self.plain(item))

    def one(self, feedback_id: int) -> FeedbackPublic | None:
        """One item as the reader sees it: with its replies if it starts a thread."""
        thread = next(((r, rs) for r, rs in self.tree() if r.id == feedback_id), None)
        if thread is not None:
            return self.make_threads([thread])[0]
        row = next((i for i in self.items if i.id == feedback_id), None)
        return self.public(row) if row is not None else None

    def tree(self) -> list[tuple[Any, list[Any]]]:
        """(item, its replies) as rows, in time order; a deleted item stays while replies do."""
        replies: dict[int, list[Any]] = defaultdict(list)
        for item in self.items:
            if item.parent_id is not None and not item.deleted:
                replies[item.parent_id].append(item)
        roots = sorted(
            (i for i in self.items if i.parent_id is None),
            key=lambda i: (i.start_seconds or 0, i.end_seconds or 0, i.id),
        )
        return [
            (root, replies.get(root.id, []))
            for root in roots
            if not root.deleted or replies.get(root.id)
        ]

    def thread(self, root: Any, replies: list[Any]) -> FeedbackPublic:
        public = self.public(root)
        public.replies = [self.public(reply) for reply in replies]
        return public

    def make_threads(self, rows: list[tuple[Any, list[Any]]]) -> list[FeedbackPublic]:
        self.load_times(rows)
        return [self.thread(root, replies) for root, replies in rows]

    def threads(self) -> list[FeedbackPublic]:
        """Items in time order with their replies; a deleted item stays while replies do."""
        return self.make_threads(self.tree())

    def listing(self, *, offset: int = 0, limit: int | None = None) -> FeedbackList:
        rows = self.tree()
        page = rows[offset : None if limit is None else offset + limit]
        return FeedbackList.model_construct(
            items=self.make_threads(page),
            count=len(rows),
            drafts=sum(1 for root, _ in rows if root.draft),
            offset=offset,
            next_offset=_next(offset, len(page), len(rows)),
        )

    def listing_json(self, *, offset: int = 0, limit: int | None = None) -> str:
        """`listing()` as FeedbackList's JSON, built from plain dicts: on thousands of items
        several times quicker than models (tests/test_feedback_api.py compares the two)."""
        rows = self.tree()
        page = rows[offset : None if limit is None else offset + limit]
        self.load_times(page)
        # Each wording once: the items given under it share its reference.
        shared = {
            id(ref): ref
            for root, replies in page
            for item in (root, *replies)
            for ref in self.criteria.get(item.id, [])
        }
        refs = {key: ref.model_dump() for key, ref in shared.items()}

        def plain(item: Any) -> dict[str, Any]:
            fields = self.plain(item)
            created, published, edited = self._times[item.id]
            return fields | {
                "kind": str(item.kind) if item.kind else None,
                "criteria": [refs[id(ref)] for ref in fields["criteria"]],
                "created_at": _when(created),
                "published_at": _when(published),
                "edited_at": _when(edited),
                "place": str(item.place),
            }

        items = []
        for root, replies in page:
            thread = plain(root)
            thread["replies"] = [plain(reply) for reply in replies]
            items.append(thread)
        body = {
            "items": items,
            "count": len(rows),
            "drafts": sum(1 for root, _ in rows if root.draft),
            "offset": offset,
            "next_offset": _next(offset, len(page), len(rows)),
        }
        return json.dumps(body, ensure_ascii=False, separators=(",", ":"))

    def grouped(self) -> FeedbackGrouped:
        """Per criterion (rubric order), counts per kind and the items, strengths first."""
        roots = [i for i in self.items if i.parent_id is None and not i.deleted]
        self.load_times((root, []) for root in roots)
        by_criterion: dict[int | None, list[Any]] = defaultdict(list)
        for item in roots:
            keys: list[int | None] = [ref.id for ref in self.criteria.get(item.id, [])]
            for key in keys or [None]:
                by_criterion[key].append(item)
        current = {
            c.id: CriterionRef(
                id=c.id,  # type: ignore[arg-type]
                version=v.version,
                name_da=v.name_da,
                name_en=v.name_en,
                retired=c.retired_at is not None,
            )
            for c, v in criteria.catalogue(session=self.session)
        }
        order = [cid for cid in current if cid in by_criterion]
        if None in by_criterion:
            order.append(None)
        groups = [
            CriterionGroupPublic(
                criterion=current[cid] if cid is not None else None,
                counts=counts(by_criterion[cid]),
                items=[self.public(i) for i in sorted(by_criterion[cid], key=_strengths_first)],
            )
            for cid in order
        ]
        return FeedbackGrouped(groups=groups, counts=counts(roots))


def _next(offset: int, shown: int, total: int) -> int | None:
    """Where the next page starts, or None after the last."""
    return offset + shown if shown and offset + shown < total else None


def _when(value: datetime | None) -> str | None:
    """A time as Pydantic writes it in JSON."""
    if value is None:
        return None
    return value.isoformat().replace("+00:00", "Z")


def _strengths_first(item: Any) -> tuple[int, float, int]:
    return (KIND_ORDER.get(item.kind, 3), item.start_seconds or 0, item.id or 0)


def counts(items: Iterable[Any]) -> KindCounts:
    """How many of each kind (deleted items and replies have none)."""
    found = KindCounts()
    for item in items:
        if item.kind is not None and not item.deleted:
            kind = FeedbackKind(item.kind).value
            setattr(found, kind, getattr(found, kind) + 1)
    return found


def items_by_criterion(
    session: Session, recording_id: str, author_id: int
) -> dict[int, list[Feedback]]:
    """An author's items on a recording (their drafts too), by the criteria they name: what a
    supervisor sees beside each criterion as they score."""
    query = (
        select(FeedbackCriterion.criterion_id, Feedback)
        .join(Feedback, col(Feedback.id) == FeedbackCriterion.feedback_id)
        .where(
            Feedback.recording_id == recording_id,
            Feedback.author_id == author_id,
            col(Feedback.deleted_at).is_(None),
            col(Feedback.parent_id).is_(None),
        )
        .order_by(col(Feedback.start_seconds))
    )
    out: dict[int, list[Feedback]] = defaultdict(list)
    for criterion_id, item in session.exec(query):
        out[criterion_id].append(item)
    return dict(out)
