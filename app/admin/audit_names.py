"""The names of what audit entries number (people, teams, clips, sessions, feedback,
transcript lines, criteria), looked up together in the reader's language. An administrator
learns no more about a recording than the log needs: a clip by its place in the recording,
a session by its kind and time, never a title or what was said. Something deleted since is
named plainly by its number ("deleted team no. 3").
"""

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import and_
from sqlmodel import Session, col, select

from app.accounts.models import Team, User
from app.admin.audit_words import Ref, Words
from app.clips.models import Clip
from app.core.i18n import N_, translate, translate_plural
from app.core.labels import LABELS
from app.core.templates import clock, local_datetime
from app.criteria.models import Criterion, CriterionGroup, CriterionVersion
from app.feedback.models import Feedback
from app.transcripts.models import Segment

# Ids are 1 to 2^63-1: a longer run of digits (a hand-written detail) is never looked up.
_MAX_DIGITS = 18

# Sessions are a feature above this package: app.main registers how they are named.
SessionNamer = Callable[[Session, set[int]], dict[int, tuple[str, datetime]]]
_session_namers: list[SessionNamer] = []


def name_sessions_with(namer: SessionNamer) -> None:
    """`namer(session, ids)` gives each existing session's kind and start."""
    if namer not in _session_namers:
        _session_namers.append(namer)


# Naming what the entries number -------------------------------------------------------

DELETED = {
    "user": N_("deleted person no. %(id)s"),
    "team": N_("deleted team no. %(id)s"),
    "clip": N_("deleted clip no. %(id)s"),
    "session": N_("deleted sparring session no. %(id)s"),
    "feedback": N_("deleted feedback item no. %(id)s"),
    "segment": N_("deleted transcript line no. %(id)s"),
    "criterion": N_("deleted criterion no. %(id)s"),
    "group": N_("deleted criteria group no. %(id)s"),
}


class Names:
    """The names of everything some entries number, looked up together, in one language."""

    def __init__(self, session: Session, refs: Iterable[Ref], lang: str) -> None:
        self.lang = lang
        wanted: dict[str, set[str]] = {}
        for ref in refs:
            wanted.setdefault(ref.kind, set()).add(ref.key)
        ids = {
            kind: {int(k) for k in keys if k.isdigit() and len(k) <= _MAX_DIGITS}
            for kind, keys in wanted.items()
            if kind != "email"
        }
        self.found: dict[Ref, str] = {}
        self._people(session, ids.get("user", set()), wanted.get("email", set()))
        self._teams(session, ids.get("team", set()))
        self._clips(session, ids.get("clip", set()))
        self._sessions(session, ids.get("session", set()))
        self._feedback(session, ids.get("feedback", set()))
        self._segments(session, ids.get("segment", set()))
        self._criteria(session, ids.get("criterion", set()), ids.get("group", set()))

    def __getitem__(self, ref: Ref) -> str:
        if ref in self.found:
            return self.found[ref]
        if ref.kind == "email":
            return ref.key
        return translate(DELETED.get(ref.kind, "%(id)s"), self.lang, id=ref.key)

    def _name(self, kind: str, key: object, name: str) -> None:
        self.found[Ref(kind, str(key))] = name

    def _people(self, session: Session, ids: set[int], emails: set[str]) -> None:
        if ids:
            for uid, name in session.exec(select(User.id, User.name).where(col(User.id).in_(ids))):
                self._name("user", uid, name)
        if emails:
            lowered = {e.lower() for e in emails}
            query = select(User.email, User.name).where(col(User.email).in_(lowered))
            people = dict(session.exec(query).all())
            for email in emails:
                known = people.get(email.lower())
                if known:
                    self._name("email", email, f"{known} ({email})")

    def _teams(self, session: Session, ids: set[int]) -> None:
        if ids:
            for tid, name in session.exec(select(Team.id, Team.name).where(col(Team.id).in_(ids))):
                self._name("team", tid, name)

    def _clips(self, session: Session, ids: set[int]) -> None:
        if not ids:
            return
        query = select(Clip.id, Clip.start_seconds, Clip.end_seconds).where(col(Clip.id).in_(ids))
        for cid, start, end in session.exec(query):
            span = translate(
                N_("the clip %(start)s–%(end)s"), self.lang, start=clock(start), end=clock(end)
            )
            self._name("clip", cid, span)

    def _sessions(self, session: Session, ids: set[int]) -> None:
        if not ids:
            return
        for namer in _session_namers:
            for sid, (kind, starts_at) in namer(session, ids).items():
                words = translate(LABELS["session.kind"].get(kind, kind), self.lang)
                when = local_datetime(starts_at, self.lang)
                name = translate(N_("%(kind)s on %(when)s"), self.lang, kind=words, when=when)
                self._name("session", sid, name)

    def _feedback(self, session: Session, ids: set[int]) -> None:
        if not ids:
            return
        rows = session.exec(select(Feedback).where(col(Feedback.id).in_(ids))).all()
        authors = {r.author_id for r in rows if r.author_id is not None}
        names = dict(
            session.exec(select(User.id, User.name).where(col(User.id).in_(authors))).all()
        )
        for row in rows:
            if row.deleted_at is not None:
                continue  # named as deleted
            author = names.get(row.author_id) if row.author_id is not None else None
            if row.parent_id is not None:
                name = (
                    translate(N_("a reply by %(author)s"), self.lang, author=author)
                    if author
                    else translate(N_("a reply"), self.lang)
                )
            else:
                kind = translate(
                    LABELS["feedback.kind"].get(str(row.kind), str(row.kind)), self.lang
                )
                at = clock(row.start_seconds)
                name = (
                    translate(
                        N_("%(kind)s by %(author)s at %(time)s"),
                        self.lang,
                        kind=kind,
                        author=author,
                        time=at,
                    )
                    if author
                    else translate(N_("%(kind)s at %(time)s"), self.lang, kind=kind, time=at)
                )
            self._name("feedback", row.id, name)

    def _segments(self, session: Session, ids: set[int]) -> None:
        if not ids:
            return
        query = select(Segment.id, Segment.start).where(col(Segment.id).in_(ids))
        for sid, start in session.exec(query):
            line = translate(N_("the transcript line at %(time)s"), self.lang, time=clock(start))
            self._name("segment", sid, line)

    def _criteria(self, session: Session, ids: set[int], groups: set[int]) -> None:
        field = "name_da" if self.lang == "da" else "name_en"
        if ids:
            query = (
                select(Criterion.id, getattr(CriterionVersion, field))
                .join(
                    CriterionVersion,
                    and_(
                        col(CriterionVersion.criterion_id) == Criterion.id,
                        col(CriterionVersion.version) == Criterion.version,
                    ),
                )
                .where(col(Criterion.id).in_(ids))
            )
            for cid, name in session.exec(query):
                self._name(
                    "criterion", cid, translate(N_("the criterion %(name)s"), self.lang, name=name)
                )
        if groups:
            query = select(CriterionGroup.id, getattr(CriterionGroup, field)).where(
                col(CriterionGroup.id).in_(groups)
            )
            for gid, name in session.exec(query):
                self._name("group", gid, name)


def say(words: Words, names: Names) -> str:
    """The words in the reader's language, with every thing named."""
    params = {key: _said(value, names) for key, value in words.params}
    if isinstance(words.msgid, tuple):
        num = params.pop("num", 0)
        return translate_plural(*words.msgid, int(num), names.lang, **params)  # type: ignore[arg-type]
    if not params:
        return translate(words.msgid, names.lang)
    return translate(words.msgid, names.lang, **params)


def _said(value: Any, names: Names) -> Any:
    if isinstance(value, Ref):
        return names[value]
    if isinstance(value, Words):
        return say(value, names)
    if isinstance(value, list):
        said = [str(_said(v, names)) for v in value]
        if all(isinstance(v, Ref) for v in value):
            said.sort(key=str.casefold)  # people, sessions: in the order a reader looks for
        return ", ".join(said)
    return value


def first_up(text: str) -> str:
    return text[:1].upper() + text[1:]
