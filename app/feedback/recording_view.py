"""What the recording page shows of its feedback: a marker for every item (the timeline
draws them all), the threads (the first few rendered with the page, the rest fetched as a
fragment), the criteria for the form, and the filters."""

from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session

from app.accounts.models import User
from app.criteria import service as criteria
from app.feedback.listing import Reading
from app.feedback.models import KIND_ORDER, FeedbackKind, FeedbackPublic, KindCounts
from app.recordings.models import Recording

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

    def keeps(self, thread: FeedbackPublic) -> bool:
        return (
            (self.criterion is None or any(c.id == self.criterion for c in thread.criteria))
            and (self.kind is None or thread.kind == self.kind)
            and (self.author is None or thread.author_id == self.author)
            and (self.state is None or thread.draft == (self.state == "draft"))
        )


@dataclass
class FeedbackView:
    threads: list[FeedbackPublic]  # those the filters keep, in time order
    total: int  # threads before filtering
    markers: list[dict[str, Any]]  # every thread, for the timeline (filtered in the browser)
    criteria: list[CriterionChoice]  # the ones new feedback may name, numbered
    authors: list[tuple[int, str]] = field(default_factory=list)
    drafts: int = 0  # the reader's own unpublished items
    required: bool = True  # the rubric asks for a criterion on every item
    counts: KindCounts = field(default_factory=KindCounts)
    threads_all: list[FeedbackPublic] = field(default_factory=list)  # before the filters


def _name(lang: str, da: str, en: str) -> str:
    return en if lang == "en" else da


def _marker(thread: FeedbackPublic) -> dict[str, Any]:
    """A thread as the timeline draws it: short, since a recording may have thousands."""
    text = "" if thread.deleted else " ".join(thread.text.split())
    return {
        "id": thread.id,
        "start": thread.start_seconds,
        "end": thread.end_seconds,
        "kind": thread.kind.value if thread.kind else None,
        "draft": thread.draft,
        "author": thread.author_id,
        "criteria": [c.id for c in thread.criteria],
        "words": text[:WORDS] + ("…" if len(text) > WORDS else ""),
    }


def timeline_data(view: "FeedbackView", lang: str) -> dict[str, Any]:
    """The page's #markers data: every marker, and each criterion's name once."""
    names = {c.id: _name(lang, c.name_da, c.name_en) for t in view.threads_all for c in t.criteria}
    names.update({c.id: c.name for c in view.criteria})
    return {"names": names, "items": view.markers}


def build(
    *, session: Session, user: User, recording: Recording, filters: Filters, lang: str
) -> FeedbackView:
    threads = Reading(session=session, user=user, recording=recording).threads()
    chosen = [
        CriterionChoice(
            id=c.id,
            number=c.number,
            name=_name(lang, c.name_da, c.name_en),
            description=_name(lang, c.description_da, c.description_en),
        )
        for c in criteria.to_public(criteria.catalogue(session=session))
        if not c.retired
    ]
    authors = sorted(
        {(t.author_id, t.author_name or "") for t in threads if t.author_id is not None},
        key=lambda a: a[1].lower(),
    )
    counts = KindCounts()
    for thread in threads:
        if thread.kind is not None and not thread.deleted:
            setattr(counts, thread.kind.value, getattr(counts, thread.kind.value) + 1)
    return FeedbackView(
        threads=[t for t in threads if filters.keeps(t)],
        total=len(threads),
        markers=[_marker(t) for t in threads],
        criteria=chosen,
        authors=authors,  # type: ignore[arg-type]
        drafts=sum(1 for t in threads if t.draft and t.own),
        required=criteria.rubric_settings(session=session).criteria_required,
        counts=counts,
        threads_all=threads,
    )


def kinds_in_order() -> list[FeedbackKind]:
    """Strengths first: what works is named before what to develop."""
    return sorted(FeedbackKind, key=lambda k: KIND_ORDER[k])
