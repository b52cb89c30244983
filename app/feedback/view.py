"""What a page shows of the feedback in a target: a marker for every thread (the timeline
draws them all), the threads (the first few rendered with the page, the rest fetched as a
fragment), the criteria for the form, the filters, and what the caseworker could bring."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, overload

from sqlmodel import Session

from app.criteria import service as criteria
from app.feedback.models import (
    KIND_ORDER,
    CriterionRef,
    FeedbackKind,
    FeedbackPublic,
    KindCounts,
)
from app.feedback.reading import Reading, counts
from app.feedback.targets import Here, Target

# Threads rendered with the page; the rest follow as one fragment, so that the first
# response stays fast on a recording with thousands of items.
FIRST_THREADS = 30
WORDS = 80  # characters of an item's text on its marker's tooltip
STATES = ("draft", "published")


@dataclass(frozen=True)
class CriterionChoice:
    id: int
    number: int  # its key in the form: 1, 2, … (typed as digits)
    name: str
    description: str


@dataclass(frozen=True)
class Filters:
    """What the reader narrowed the list to; an unknown value is ignored, not an error."""

    criterion: int | None = None
    kind: FeedbackKind | None = None
    author: int | None = None
    state: str | None = None

    @classmethod
    def from_query(cls, params: Any) -> "Filters":
        def number(name: str) -> int | None:
            value = params.get(name, "")
            return int(value) if value.isdigit() and len(value) < 10 else None

        kind = params.get("kind", "")
        state = params.get("state", "")
        return cls(
            criterion=number("criterion"),
            kind=FeedbackKind(kind) if kind in FeedbackKind.__members__ else None,
            author=number("author"),
            state=state if state in STATES else None,
        )

    @property
    def active(self) -> bool:
        return any(v is not None for v in (self.criterion, self.kind, self.author, self.state))

    def keeps(self, item: Any, criteria: list[CriterionRef]) -> bool:
        """Whether the filters keep an item (a row or a FeedbackPublic) with its criteria."""
        return (
            (self.criterion is None or any(c.id == self.criterion for c in criteria))
            and (self.kind is None or item.kind == self.kind)
            and (self.author is None or item.author_id == self.author)
            and (self.state is None or item.draft == (self.state == "draft"))
        )


class Threads(Sequence[FeedbackPublic]):
    """Threads as rows, made into FeedbackPublic only when taken: the page renders 30 of
    a few thousand, so building them all would cost most of its first response."""

    def __init__(self, reading: Reading, rows: list[tuple[Any, list[Any]]]) -> None:
        self.reading, self.rows = reading, rows

    def __len__(self) -> int:
        return len(self.rows)

    @overload
    def __getitem__(self, index: int) -> FeedbackPublic: ...
    @overload
    def __getitem__(self, index: slice) -> list[FeedbackPublic]: ...
    def __getitem__(self, index: int | slice) -> FeedbackPublic | list[FeedbackPublic]:
        if isinstance(index, slice):
            return self.reading.make_threads(self.rows[index])
        return self.reading.make_threads([self.rows[index]])[0]

    def find(self, feedback_id: int) -> FeedbackPublic | None:
        row = next((r for r in self.rows if r[0].id == feedback_id), None)
        return self.reading.make_threads([row])[0] if row is not None else None


@dataclass
class FeedbackView:
    target: Target
    threads: Threads  # those the filters keep, in time order
    total: int  # threads before filtering
    markers: list[dict[str, Any]]  # every thread, for the timeline (filtered in the browser)
    criteria: list[CriterionChoice]  # the ones new feedback may name, numbered
    names: dict[int, str]  # every criterion the markers name, in the reader's language
    authors: list[tuple[int, str]] = field(default_factory=list)
    drafts: int = 0  # the reader's own unpublished items
    required: bool = True  # the rubric asks for a criterion on every item
    counts: KindCounts = field(default_factory=KindCounts)
    bringable: list[FeedbackPublic] = field(default_factory=list)  # for the caseworker alone


def _name(lang: str, da: str, en: str) -> str:
    return en if lang == "en" else da


def marker(item: Any, criterion_ids: list[int], target: Target) -> dict[str, Any]:
    """A thread as the timeline draws it, in the target's times: short, since a recording
    may have thousands."""
    text = "" if item.deleted else " ".join(target.shown(item.text).split())
    return {
        "id": item.id,
        "start": target.from_recording(item.start_seconds),
        "end": target.from_recording(item.end_seconds),
        "kind": str(item.kind) if item.kind else None,
        "draft": item.draft,
        "author": item.author_id,
        "criteria": criterion_ids,
        "words": text[:WORDS] + ("…" if len(text) > WORDS else ""),
    }


def timeline_data(view: FeedbackView) -> dict[str, Any]:
    """The page's #markers data: every marker, and each criterion's name once."""
    return {"names": view.names, "items": view.markers}


def criterion_choices(session: Session, lang: str) -> list[CriterionChoice]:
    """The criteria new feedback may name, numbered, in the reader's language."""
    return [
        CriterionChoice(
            id=c.id,
            number=c.number,
            name=_name(lang, c.name_da, c.name_en),
            description=_name(lang, c.description_da, c.description_en),
        )
        for c in criteria.to_public(criteria.catalogue(session=session))
        if not c.retired
    ]


def build(
    here: Here, *, filters: Filters, lang: str, reading: Reading | None = None
) -> FeedbackView:
    """What the page shows of the target's feedback to this reader."""
    session, target = here.session, here.target
    reading = reading or Reading(here)
    rows = reading.tree()
    refs = reading.criteria
    chosen = criterion_choices(session, lang)
    names = {c.id: _name(lang, c.name_da, c.name_en) for cs in refs.values() for c in cs}
    names.update({c.id: c.name for c in chosen})
    roots = [root for root, _ in rows]
    authors = sorted(
        {(r.author_id, reading.names.get(r.author_id, "")) for r in roots if r.author_id},
        key=lambda a: a[1].lower(),
    )
    return FeedbackView(
        target=target,
        threads=Threads(reading, [r for r in rows if filters.keeps(r[0], refs.get(r[0].id, []))]),
        total=len(rows),
        markers=[marker(root, [c.id for c in refs.get(root.id, [])], target) for root in roots],
        criteria=chosen,
        names=names,
        authors=authors,
        drafts=sum(1 for r in roots if r.draft and r.author_id == here.subject.id),
        required=criteria.rubric_settings(session=session).criteria_required,
        counts=counts(roots),
        bringable=[reading.public(r) for r in reading.bringable],
    )


def kinds_in_order() -> list[FeedbackKind]:
    """Strengths first: what works is named before what to develop."""
    return sorted(FeedbackKind, key=lambda k: KIND_ORDER[k])
