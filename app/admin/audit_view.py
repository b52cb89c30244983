"""The audit log as an administrator reads it, in their language: who by name, what in
words, the case by its reference, and each entry's detail with names instead of ids
(app/admin/audit_words.py reads it, app/admin/audit_names.py names what it numbers); the
same rows as CSV, in the installation's time zone.
"""

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass

from sqlmodel import Session, col, func, select

from app.accounts.models import User
from app.admin.audit_names import Names, first_up, say
from app.admin.audit_words import parse, refs
from app.audit.models import AuditEntry
from app.core.config import settings
from app.core.i18n import N_, translate
from app.core.labels import LABELS
from app.core.timeutil import to_local
from app.recordings.models import Recording

# The rows of the page and the CSV -----------------------------------------------------


def action_label(action: str, lang: str) -> str:
    """An action's name in the reader's language (the stored code where none is known)."""
    msgid = LABELS["audit.action"].get(action)
    return translate(msgid, lang) if msgid else action.replace("_", " ")


@dataclass
class AuditRow:
    """An entry as an administrator reads it."""

    entry: AuditEntry
    actor_name: str | None  # the person now, or how the system acted
    case_reference: str | None
    action_label: str
    detail: str  # the stored detail in the reader's words


SERVER_ACTOR = "server (videosparring command)"  # app.admin.actions.SERVER


def readable(*, session: Session, entries: list[AuditEntry], lang: str) -> list[AuditRow]:
    """Names for the actors and case references for the recordings; never a title, since an
    administrator must not learn more about a recording than the log needs."""
    people = {e.actor_id for e in entries if e.actor_id is not None}
    recordings = {e.recording_id for e in entries if e.recording_id}
    actors = dict(session.exec(select(User.id, User.name).where(col(User.id).in_(people))).all())
    cases = dict(
        session.exec(
            select(Recording.id, Recording.case_reference).where(col(Recording.id).in_(recordings))
        ).all()
    )
    said = [parse(e.action, e.detail) for e in entries]
    names = Names(session, (r for words in said if words for r in refs(words)), lang)
    return [
        AuditRow(
            entry=e,
            actor_name=_actor(e, actors, lang),
            case_reference=cases.get(e.recording_id) if e.recording_id else None,
            action_label=action_label(e.action, lang),
            detail=first_up(say(words, names)) if words else "",
        )
        for e, words in zip(entries, said, strict=True)
    ]


def _actor(entry: AuditEntry, actors: dict[int | None, str], lang: str) -> str | None:
    if entry.actor_id is not None:
        return actors.get(entry.actor_id)
    if entry.actor_email == SERVER_ACTOR:
        return translate(N_("The server (the videosparring command)"), lang)
    if entry.actor_email is None and entry.action != "login_failed":
        return translate(N_("The system, by itself"), lang)
    return None


def recordings_with_case(*, session: Session, case_reference: str) -> list[str]:
    """The recordings whose case reference is this one (letter case and spaces aside)."""
    wanted = " ".join(case_reference.split()).lower()
    query = select(Recording.id).where(func.lower(func.trim(Recording.case_reference)) == wanted)
    return list(session.exec(query).all())


# The CSV: the page's columns in the reader's language and local time, then what is stored.
CSV_HEADERS = [
    N_("no."),
    N_("time (%(zone)s)"),
    N_("who"),
    N_("e-mail"),
    N_("what"),
    N_("case reference"),
    N_("detail"),
    N_("from"),
    N_("person's number"),
    N_("action as stored"),
    N_("recording's id"),
    N_("detail as stored"),
    N_("previous hash"),
    N_("hash"),
]
_CSV_CHUNK = 1000


def _cell(value: object) -> object:
    """A cell starting with = + - @ would run as a formula in a spreadsheet."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def to_csv(rows: list[AuditRow], lang: str) -> Iterator[str]:
    """The entries as the page shows them, times in the installation's zone (named in the
    header, each time with its offset from UTC), then the stored fields that the chain's
    hashes cover, for anyone who checks them."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([translate(h, lang, zone=settings.time_zone) for h in CSV_HEADERS])
    for n, row in enumerate(rows, 1):
        e = row.entry
        cells = [
            e.seq,
            to_local(e.at).isoformat(sep=" ", timespec="seconds"),
            row.actor_name or "",
            e.actor_email or "",
            row.action_label,
            row.case_reference or "",
            row.detail,
            e.ip or "",
            "" if e.actor_id is None else e.actor_id,
            e.action,
            e.recording_id or "",
            e.detail,
            e.prev_hash,
            e.hash,
        ]
        writer.writerow([_cell(c) for c in cells])
        if n % _CSV_CHUNK == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
