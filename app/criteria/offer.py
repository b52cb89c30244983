"""The default rubric on an installation: a new database starts with it; an existing one is
offered it, with the differences, until the administrator accepts or hides the offer.

Accepting rewrites no wording: a changed criterion gets a new version (feedback keeps the
one it was given under), a new one is added, and one that was a default and is no longer
is retired. Criteria of the municipality's own stay as they are.

A criterion is known by every Danish name it has had (all its versions), so that one whose
wording the administrator changed is still the default it began as.
"""

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from enum import StrEnum

from sqlalchemy import delete
from sqlmodel import Session, col, select

from app.core.errors import Conflict
from app.core.i18n import N_
from app.core.timeutil import utcnow
from app.criteria import service
from app.criteria.defaults import DEFAULT_RUBRIC, EDITION, DefaultCriterion
from app.criteria.models import (
    CriteriaOrder,
    Criterion,
    CriterionCreate,
    CriterionPublic,
    CriterionUpdate,
    CriterionVersion,
    RubricSettings,
)


class Change(StrEnum):
    new = "new"  # in the defaults, not in the rubric: added
    changed = "changed"  # in both, worded otherwise: a new version
    dropped = "dropped"  # a default once, no longer: retired


@dataclass(frozen=True)
class Difference:
    change: Change
    # The default as it is now; for a dropped criterion, the default that took it in.
    default: DefaultCriterion
    current: CriterionPublic | None  # the rubric's criterion (none when new)


@dataclass(frozen=True)
class Offer:
    differences: list[Difference]
    unchanged: int  # defaults the rubric holds as they are
    answered: bool  # the administrator accepted or hid this edition, or it was the start
    token: str  # names these differences: accepting applies what was shown, nothing else
    edition: str = EDITION

    @property
    def open(self) -> bool:
        return bool(self.differences) and not self.answered

    def of(self, change: str) -> list[Difference]:
        return [d for d in self.differences if d.change == change]


@dataclass
class Accepted:
    added: list[int] = field(default_factory=list)
    versioned: list[int] = field(default_factory=list)
    retired: list[int] = field(default_factory=list)


def _key(name: str) -> str:
    return " ".join(name.split()).casefold()


def _wording(item: DefaultCriterion | CriterionPublic) -> tuple[str, str, str, str]:
    return (item.name_da, item.name_en, item.description_da, item.description_en)


def _compare(
    session: Session,
) -> tuple[
    list[tuple[DefaultCriterion, CriterionPublic | None]],
    list[tuple[CriterionPublic, DefaultCriterion]],
]:
    """Each default with the rubric's criterion it is (None: not there), in the defaults'
    order; and the rubric's criteria that were defaults and are no longer, with the default
    that took each in."""
    active = [c for c in service.to_public(service.catalogue(session=session)) if not c.retired]
    names: dict[int, set[str]] = defaultdict(set)
    for criterion_id, name in session.exec(
        select(CriterionVersion.criterion_id, CriterionVersion.name_da)
    ).all():
        names[criterion_id].add(_key(name))
    taken: set[int] = set()
    pairs: list[tuple[DefaultCriterion, CriterionPublic | None]] = []
    for default in DEFAULT_RUBRIC:
        match = None
        for key in map(_key, (default.name_da, *default.was)):  # its own name first
            match = next((c for c in active if c.id not in taken and key in names[c.id]), None)
            if match:
                taken.add(match.id)
                break
        pairs.append((default, match))
    known = {_key(name): d for d in DEFAULT_RUBRIC for name in (d.name_da, *d.was)}
    dropped = []
    for criterion in (c for c in active if c.id not in taken):
        keys = [_key(criterion.name_da), *sorted(names[criterion.id])]
        took_in = next((known[k] for k in keys if k in known), None)
        if took_in is not None:
            dropped.append((criterion, took_in))
    return pairs, dropped


def _differences(
    pairs: list[tuple[DefaultCriterion, CriterionPublic | None]],
    dropped: list[tuple[CriterionPublic, DefaultCriterion]],
) -> tuple[list[Difference], str]:
    """What accepting would change, and the token that names it."""
    differences = [
        Difference(Change.new if current is None else Change.changed, default, current)
        for default, current in pairs
        if current is None or _wording(current) != _wording(default)
    ]
    differences += [Difference(Change.dropped, default, current) for current, default in dropped]
    shown = [
        (d.change.value, d.current.id if d.current else 0, d.current.version if d.current else 0)
        for d in differences
    ]
    return differences, hashlib.sha256(repr((EDITION, shown)).encode()).hexdigest()[:20]


def offer(*, session: Session) -> Offer:
    """The default rubric against this rubric: what accepting it would change."""
    pairs, dropped = _compare(session)
    differences, token = _differences(pairs, dropped)
    answered = service.rubric_settings(session=session).defaults_answered == EDITION
    unchanged = len(pairs) - sum(d.change != Change.dropped for d in differences)
    return Offer(differences, unchanged, answered, token)


def _answer(session: Session, edition: str | None) -> None:
    row = session.get(RubricSettings, 1) or RubricSettings(id=1)
    row.defaults_answered = edition
    row.updated_at = utcnow()
    session.add(row)
    session.flush()


def accept(*, session: Session, token: str) -> Accepted:
    """The differences shown (`token`) applied: new versions, new criteria, retirements; the
    defaults then stand first in the rubric in their order, the rest after them as they were."""
    pairs, dropped = _compare(session)
    if token != _differences(pairs, dropped)[1]:
        raise Conflict(
            N_("The criteria changed after the page was shown. Look at the differences again."),
            code="criterion.defaults_moved_on",
        )
    done, order = Accepted(), []
    for default, current in pairs:
        wording = dict(zip(service.WORDING, _wording(default), strict=True))
        if current is None:
            made = service.create(session=session, body=CriterionCreate.model_validate(wording))
            done.added.append(made.id)  # type: ignore[arg-type]
            order.append(made.id)
            continue
        if _wording(current) != _wording(default):
            service.update(
                session=session,
                criterion_id=current.id,
                body=CriterionUpdate.model_validate(wording),
            )
            done.versioned.append(current.id)
        order.append(current.id)
    for current, _ in dropped:
        service.set_retired(session=session, criterion_id=current.id, retired=True)
        done.retired.append(current.id)
    rest = [c.id for c, _ in service.catalogue(session=session) if c.id not in order]
    service.reorder(session=session, body=CriteriaOrder(criterion_ids=[*order, *rest]))  # type: ignore[list-item]
    service.keep_display_order(session=session)
    _answer(session, EDITION)
    return done


def hide(*, session: Session, hidden: bool) -> None:
    """The offer put away (it stays away for this edition), or shown again."""
    _answer(session, EDITION if hidden else None)


def install(*, session: Session) -> None:
    """A new database's rubric becomes the default rubric, each criterion at version 1 and
    with the ids the baseline migration gave its own defaults. Only for a database just
    made: nothing may point at its criteria yet."""
    existing = session.exec(select(Criterion).order_by(col(Criterion.position))).all()
    session.execute(delete(CriterionVersion))
    extra = [c.id for c in existing[len(DEFAULT_RUBRIC) :]]
    session.execute(delete(Criterion).where(col(Criterion.id).in_(extra)))
    for position, default in enumerate(DEFAULT_RUBRIC, start=1):
        criterion = existing[position - 1] if position <= len(existing) else Criterion(position=0)
        criterion.position, criterion.version = position, 1
        criterion.group_id, criterion.retired_at = None, None
        session.add(criterion)
        session.flush()
        wording = dict(zip(service.WORDING, _wording(default), strict=True))
        session.add(CriterionVersion(criterion_id=criterion.id, version=1, **wording))  # type: ignore[arg-type]
    session.flush()
    _answer(session, EDITION)
