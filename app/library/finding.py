"""Finding recordings on the list: search, filters, sort and pages, done in SQL on top of
the access rule (`policy.readable`), so the list never holds a row its reader may not see
and never loads more than one page. A value that cannot be used (an unknown status, a date
that is no date) is left out and said, never a failure."""

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import func
from sqlmodel import Session, col, select

from app.access import policy
from app.accounts.models import User
from app.accounts.subject import Subject
from app.core.db import lowered
from app.core.i18n import N_
from app.core.text import has_control_characters, has_lone_surrogates
from app.core.timeutil import local_zone
from app.recordings.models import Recording, RecordingStatus

PER_PAGE = 25
PER_PAGE_CHOICES = (5, 10, 25, 50, 100)
MAX_QUERY = 200
# What a reader filters by, and the recording states each stands for.
STATUSES: dict[str, tuple[RecordingStatus, ...]] = {
    "ready": (RecordingStatus.ready,),
    "busy": (RecordingStatus.queued, RecordingStatus.processing),
    "failed": (RecordingStatus.failed,),
}
STATUS_WORDS = {
    "ready": N_("Ready"),
    "busy": N_("Being processed or waiting"),
    "failed": N_("Failed"),
}
# The columns a list sorts by, and the order a first click on each gives.
SORTS: dict[str, Any] = {
    "uploaded": col(Recording.created_at),
    "title": lowered(col(Recording.title)),
    "case": lowered(col(Recording.case_reference)),
    "duration": col(Recording.duration_seconds),
}
FIRST_ORDER = {"uploaded": "desc", "title": "asc", "case": "asc", "duration": "desc"}
SORT_WORDS = {
    "uploaded": N_("Uploaded"),
    "title": N_("Title"),
    "case": N_("Case reference"),
    "duration": N_("Duration"),
}


@dataclass(frozen=True)
class Finding:
    """What the reader asked for, as far as it can be used; `ignored` says what could not."""

    q: str = ""
    status: str = ""
    person: int | None = None
    since: date | None = None
    until: date | None = None
    sort: str = "uploaded"
    order: str = "desc"
    page: int = 1
    per: int = PER_PAGE
    ignored: tuple[tuple[str, dict[str, str]], ...] = field(default=())

    @property
    def filtered(self) -> bool:
        return bool(self.q or self.status or self.person or self.since or self.until)

    @property
    def narrowed(self) -> bool:
        """Anything asked for besides the search words (the form shows its filters open)."""
        chosen = (self.sort, self.order, self.per) != ("uploaded", "desc", PER_PAGE)
        return chosen or bool(self.status or self.person or self.since or self.until)

    def params(self, **changes: Any) -> dict[str, str]:
        """The query string's values for this finding with changes, defaults left out."""
        changed = replace(self, **changes)
        values = {
            "q": changed.q,
            "status": changed.status,
            "person": str(changed.person or ""),
            "from": changed.since.isoformat() if changed.since else "",
            "to": changed.until.isoformat() if changed.until else "",
            "sort": "" if changed.sort == "uploaded" else changed.sort,
            "order": "" if changed.order == FIRST_ORDER[changed.sort] else changed.order,
            "per": "" if changed.per == PER_PAGE else str(changed.per),
            "page": "" if changed.page == 1 else str(changed.page),
        }
        return {k: v for k, v in values.items() if v}

    def url(self, **changes: Any) -> str:
        query = urlencode(self.params(**changes))
        return "/recordings" + (f"?{query}" if query else "")

    def cleared_url(self) -> str:
        """The list without search and filters (its sort and page size kept)."""
        return self.url(q="", status="", person=None, since=None, until=None, page=1)

    def sort_url(self, column: str) -> str:
        """The list sorted by this column: the other way round when it is the one sorted by."""
        if column == self.sort:
            order = "asc" if self.order == "desc" else "desc"
        else:
            order = FIRST_ORDER[column]
        return self.url(sort=column, order=order, page=1)


def _day(raw: str, ignored: list[tuple[str, dict[str, str]]]) -> date | None:
    text = raw.strip()
    if not text:
        return None
    try:
        if len(text) == 10:
            return date.fromisoformat(text)
    except ValueError:
        pass
    what = N_("“%(value)s” is not a date (write it as YYYY-MM-DD), so it was left out.")
    ignored.append((what, {"value": text[:20]}))
    return None


def _number(raw: str, default: int) -> int:
    try:
        return int(raw) if raw and len(raw) <= 9 else default
    except ValueError:
        return default


def parse(query: Mapping[str, str]) -> Finding:
    """The reader's query string as a finding; what cannot be used is left out and said."""
    ignored: list[tuple[str, dict[str, str]]] = []
    q = " ".join((query.get("q") or "").split())
    if has_control_characters(q) or has_lone_surrogates(q):
        q = "".join(ch for ch in q if ord(ch) >= 32 and not 0xD800 <= ord(ch) <= 0xDFFF)
    if len(q) > MAX_QUERY:
        q = q[:MAX_QUERY]
        cut = N_("The search text was cut to its first %(max)s characters.")
        ignored.append((cut, {"max": str(MAX_QUERY)}))
    status = query.get("status") or ""
    if status and status not in STATUSES:
        unknown = N_("The status asked for is not one the list knows, so it was left out.")
        ignored.append((unknown, {}))
        status = ""
    person = _number(query.get("person") or "", 0) or None
    since = _day(query.get("from") or "", ignored)
    until = _day(query.get("to") or "", ignored)
    if since and until and since > until:
        since, until = until, since
        ignored.append((N_("The dates were the wrong way round, so they were swapped."), {}))
    sort = query.get("sort") or "uploaded"
    sort = sort if sort in SORTS else "uploaded"
    order = query.get("order") or FIRST_ORDER[sort]
    order = order if order in ("asc", "desc") else FIRST_ORDER[sort]
    per = _number(query.get("per") or "", PER_PAGE)
    per = per if per in PER_PAGE_CHOICES else PER_PAGE
    page = max(1, _number(query.get("page") or "", 1))
    return Finding(q, status, person, since, until, sort, order, page, per, tuple(ignored))


def _bound(day: date, *, end: bool) -> datetime:
    """The start of the day (or of the next) in the municipality's zone, in UTC."""
    moment = datetime.combine(day + timedelta(days=1) if end else day, time.min, local_zone())
    return moment.astimezone(UTC)


def _like(text: str) -> str:
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _where(subject: Subject, finding: Finding) -> list[Any]:
    where = [policy.readable(subject)]
    for word in finding.q.split(" ") if finding.q else ():
        pattern = _like(word)
        where.append(
            lowered(col(Recording.title)).like(pattern, escape="\\")
            | lowered(col(Recording.case_reference)).like(pattern, escape="\\")
        )
    if finding.status:
        where.append(col(Recording.status).in_(STATUSES[finding.status]))
    if finding.person:
        where.append(col(Recording.owner_id) == finding.person)
    if finding.since:
        where.append(col(Recording.created_at) >= _bound(finding.since, end=False))
    if finding.until:
        where.append(col(Recording.created_at) < _bound(finding.until, end=True))
    return where


@dataclass(frozen=True)
class Found:
    """One page of the recordings found, how many there are in all, and the page's place."""

    rows: list[Recording]
    total: int
    page: int
    pages: int
    finding: Finding


def find(*, session: Session, subject: Subject, finding: Finding) -> Found:
    """The page of recordings the reader may see that match; a page past the last gives the
    last."""
    where = _where(subject, finding)
    total = session.exec(select(func.count()).select_from(Recording).where(*where)).one()
    pages = max(1, -(-total // finding.per))
    page = min(finding.page, pages)
    key = SORTS[finding.sort]
    order = key.asc() if finding.order == "asc" else key.desc()
    tie = col(Recording.id).asc() if finding.order == "asc" else col(Recording.id).desc()
    query = (
        select(Recording)
        .where(*where)
        .order_by(order, tie)
        .offset((page - 1) * finding.per)
        .limit(finding.per)
    )
    rows = list(session.exec(query).all())
    return Found(rows, total, page, pages, replace(finding, page=page))


def any_readable(*, session: Session, subject: Subject) -> bool:
    """Whether the reader may see any recording at all (what the empty list says)."""
    query = select(Recording.id).where(policy.readable(subject)).limit(1)
    return session.exec(query).first() is not None


def people(*, session: Session, subject: Subject) -> list[tuple[int, str]]:
    """The caseworkers whose recordings the reader may see (the person filter's choices)."""
    owners = select(Recording.owner_id).where(policy.readable(subject)).distinct()
    query = select(User.id, User.name).where(col(User.id).in_(owners)).order_by(User.name)
    return [(ident, name) for ident, name in session.exec(query).all() if ident is not None]
